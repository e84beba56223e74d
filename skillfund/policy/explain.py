"""Render a decision's checks and outcomes as plain messages, in Chinese and English, on demand."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from skillfund.policy.engine import MONEY, check_column
from skillfund.policy.rules import OUTCOMES, PLACES, REGION_LEVELS, RULES, area_of

_MONEY = (*MONEY, "standard", "fee")


@dataclass(frozen=True)
class Line:
    name: str
    clause: str
    status: str  # "pass", "fail", "not_applicable" — or "outcome" for what an eligible claim receives
    zh: str
    en: str


# The codes the messages show, by the kind of name that stands for them.
_REGIONS = ("training_region", "hukou_region", "residence_region", "job_region", "place_area", "place_matched")
_KINDS = {
    "certificate": "certificates",
    "occupation": "occupations",
    "level": "levels",
    **dict.fromkeys(_REGIONS, "regions"),
}


@dataclass(frozen=True)
class Names:
    """What the messages call the codes they show, as (Chinese, English) per code: region codes
    (GB/T 2260), occupations (claim subjects), certificate kinds and skill levels. The engine reads
    no database: the caller builds these (claims.names) and hands them in. A code without a name
    is shown as it is."""

    regions: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    occupations: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    certificates: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    levels: Mapping[int | None, tuple[str, str]] = field(default_factory=dict)  # None: a certificate without level

    def named(self, fields: dict[str, Any], row: dict[str, Any], language: str) -> dict[str, Any]:
        """`fields` with every code it has a name for replaced by that name in `language` (zh, en)."""
        which = 0 if language == "zh" else 1
        out = dict(fields)
        for key, kind in _KINDS.items():
            code = row[key] if key in row else fields.get(key)  # the row's own code: None before "—"
            found = getattr(self, kind).get(code)
            if found is not None:
                out[key] = found[which]
        return out


NO_NAMES = Names()


def yuan(fen: int | None) -> Decimal | None:
    return None if fen is None else (Decimal(int(fen)) / 100).quantize(Decimal("0.01"))


def _fields(row: dict[str, Any]) -> dict[str, Any]:
    fields = {k: ("—" if v is None else v) for k, v in row.items()}
    for name in _MONEY:
        if row.get(name) is not None:
            fields[name] = yuan(row[name])
    for key, value in row.items():
        if key.startswith("p_"):
            fields[key[2:]] = value
    if "p_advance_ratio" in row:
        fields["advance_ratio"] = f"{Decimal(row['p_advance_ratio']) / 100:g}%"
    if row.get("subsidies_in_year") is not None:
        fields["next_subsidy"] = row["subsidies_in_year"] + 1
    fields.update(_place_fields(row))
    return fields


def _place_fields(row: dict[str, Any]) -> dict[str, Any]:
    """§3.3.a's message: the level compared at, the training region's area, the place it matched."""
    digits = row.get("p_training_place_level")
    training = row.get("training_region")
    level = next((names for names in REGION_LEVELS.values() if names[0] == digits), None)
    unknown = dict.fromkeys(("place_level_zh", "place_level", "place_area"), "—")
    fields = (
        unknown
        if level is None or not training
        else {
            "place_level_zh": level[1],
            "place_level": level[2],
            "place_area": area_of(training, digits),
        }
    )
    for column, zh, en in PLACES:
        place = row.get(column)
        if level is not None and place and area_of(place, digits) == fields["place_area"]:
            return {**fields, "place_matched": place, "place_matched_zh": zh, "place_matched_en": en}
    return {**fields, "place_matched": "—", "place_matched_zh": "—", "place_matched_en": "—"}


def explain(row: dict[str, Any], names: Names = NO_NAMES) -> list[Line]:
    """Every check of one decided claim (a row of engine.decide), then its outcomes, with the codes
    they show called by their `names`."""
    fields = _fields(row)
    zh, en = names.named(fields, row, "zh"), names.named(fields, row, "en")
    lines = []
    for rule in RULES:
        passed = row.get(check_column(rule))
        if passed is None:
            lines.append(Line(rule.name, rule.clause, "not_applicable", "不适用", "not applicable"))
            continue
        text = rule.message["pass" if passed else "fail"]
        lines.append(
            Line(
                rule.name,
                rule.clause,
                "pass" if passed else "fail",
                text["zh"].format(**zh),
                text["en"].format(**en),
            )
        )
    if row.get("eligible"):
        work = row.get("funding_mode") == "work_based"
        shown = {
            "free_training": bool(row.get("free")) and not work,
            "subsidy_per_rules": not work,
            "living_allowance": bool(row.get("living_allowance")),
            "work_training": work,
            "advance": bool(row.get("advance")),
        }
        for name, show in shown.items():
            if show:
                o = OUTCOMES[name]
                lines.append(
                    Line(name, str(o["clause"]), "outcome", str(o["zh"]).format(**zh), str(o["en"]).format(**en))
                )
    return lines
