"""Does a certificate belong to a catalog item (§3.3.a, §4.4.c)? One answer for every path that
meets one: recording a certificate for an enrolment, and a claim submitted online, by file or via
the API."""

from __future__ import annotations

from dataclasses import dataclass

from skillfund.catalog.models import CatalogItem


@dataclass(frozen=True)
class Mismatch:
    field: str  # "kind", "occupation" or "level"
    zh: str
    en: str


def certificate_matches(
    item: CatalogItem, *, kind: str, level: int | None, occupation_id: int | None
) -> Mismatch | None:
    """None when a certificate of this kind, level and occupation is the one `item` leads to;
    otherwise the first difference, with what the item expects, in Chinese and English."""
    expected = (
        ("kind", "类型", "kind", kind, item.certificate_kind, item.get_certificate_kind_display()),
        ("occupation", "职业", "occupation", occupation_id, item.occupation_id, str(item.occupation or "—")),
        ("level", "等级", "level", level, item.level, item.get_level_display() if item.level else "—"),
    )
    for field, zh, en, given, wanted, label in expected:
        if given != wanted:
            return Mismatch(
                field,
                f"证书{zh}与目录项目 {item.code} 不符（应为 {label}）",
                f"the certificate's {en} does not match catalog item {item.code} (expected {label})",
            )
    return None
