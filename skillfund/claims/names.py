"""What a decision's messages call the codes they show (policy.explain.Names), in Chinese and English:
regions by the national table's names, occupations by the catalog's names with their code, items
without an occupation by their title, certificate kinds and skill levels by their labels.

The rules engine reads no database; these are built here, once for a page or a batch, and handed in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from typing import Any

from django.utils import translation

from skillfund.catalog.models import CatalogItem, CertificateKind, Occupation, SkillLevel
from skillfund.policy.explain import Names
from skillfund.regions import names as regions

ITEM = "item:"  # a claim's subject for a training without an occupation: item:<catalog code>
# A label's Chinese term in brackets, as the English labels carry it: "skill level (职业技能等级证书)".
_CHINESE_GLOSS = re.compile(r"\s*\([^()]*[\u3400-\u9fff][^()]*\)\s*$")


def in_both(label: Any) -> tuple[str, str]:
    """A translatable label in Chinese and in English (without the Chinese term it carries)."""
    with translation.override("zh-hans"):
        zh = str(label)
    with translation.override("en"):
        en = _CHINESE_GLOSS.sub("", str(label)) or str(label)
    return zh, en


@cache
def _choices() -> tuple[dict[str, tuple[str, str]], dict[int | None, tuple[str, str]]]:
    certificates = {value: in_both(label) for value, label in CertificateKind.choices}
    levels: dict[int | None, tuple[str, str]] = {int(value): in_both(label) for value, label in SkillLevel.choices}
    levels[None] = ("无等级", "no level")  # a certificate without level (§3.3.b counts it as one)
    return certificates, levels


def occupation_names(occupations: Iterable[Occupation]) -> dict[str, tuple[str, str]]:
    """电工（6-31-01-03） / Electrician (6-31-01-03): the English name where the catalog has one."""
    return {o.code: (f"{o.name}（{o.code}）", f"{o.name_en or o.name} ({o.code})") for o in occupations}


def item_names(items: Iterable[CatalogItem]) -> dict[str, tuple[str, str]]:
    """A training without an occupation is named by its catalog item's title."""
    return {f"{ITEM}{i.code}": (i.title, i.title) for i in items}


def names(subjects: Iterable[str] = (), *, known: dict[str, tuple[str, str]] | None = None) -> Names:
    """The names for decisions about these subjects (occupation codes, item:<code>): one query for
    the occupations and one for the items among them, none for those `known` already names."""
    certificates, levels = _choices()
    named = dict(known or {})
    wanted = {s for s in subjects if s and s not in named}
    codes = {s for s in wanted if not s.startswith(ITEM)}
    if codes:
        named |= occupation_names(Occupation.objects.filter(code__in=codes).only("code", "name", "name_en"))
    items = {s.removeprefix(ITEM) for s in wanted - codes}
    if items:  # an item code repeats over the years: the latest year's title
        latest = CatalogItem.objects.filter(code__in=items).order_by("code", "year").only("code", "title", "year")
        named |= item_names(latest)
    return Names(regions=regions.labels(), occupations=named, certificates=certificates, levels=levels)


def decision_names(decisions: Iterable[Any], *, known: dict[str, tuple[str, str]] | None = None) -> Names:
    """The names for these stored decisions (their claims loaded): at most two queries for them all."""
    return names((d.claim.subject for d in decisions if d is not None), known=known)
