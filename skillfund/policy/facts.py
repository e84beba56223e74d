"""The facts the engine decides on: one row per claim, plus the person's statuses and past grants.

Claim facts (a polars frame; money in fen, i.e. integer hundredths of a yuan, so sums are exact):

| column | type | meaning |
|---|---|---|
| claim_id | int | the claim |
| person_id | int | the trainee |
| funding_mode | str | individual / project (§3.3.h, §3.3.i) / enterprise (§3.1.2) / work_based (§3.3.g) / skill_upgrading (§3.1.2) |
| training_region | str/int | where the training took place (§3.3.a) |
| hukou_region, residence_region, job_region | str/int | the person's regions; job_region null = not seeking work |
| hukou_rural | bool | rural household registration (§3.3.f: rural 两后生) |
| pension | bool | receives a monthly pension (§3.3.c) |
| certificate | str, null | certificate kind obtained (§3.3.a), null = none |
| occupation, level | str/int, int null | what was trained, for §3.3.b (level null = a certificate without level) |
| start_date, end_date | date | the class dates; statuses and parameters are judged on end_date |
| standard | int (fen) | the catalog's subsidy standard for the item and year (§4.4.c) |
| fee | int (fen), null | the tuition the class charges per trainee; null = equal to the standard |
| employer_kind, employer_insured | str, bool | §3.3.g only |
| months_claimed, months_already | int | §3.3.g only: months in this claim, months subsidized before |

Statuses: person_id, kind, valid_from, valid_to (null = open-ended).
History (granted subsidies, all departments): person_id, occupation, level, end_date.
"""

from __future__ import annotations

import polars as pl

# Status kinds as bits of one integer column, so "holds any status of a group on a date" is one AND.
STATUS_KINDS: tuple[str, ...] = (
    "poor_labourer",
    "poor_family_child",
    "school_leaver",
    "rural_transfer",
    "unemployed",
    "transferred_worker",
    "capacity_cut",
    "veteran",
    "disabled",
    "hard_to_employ",
    "zero_employment_family",
    "urban_dibao_family",
    "college_graduate",
    "employee_insured",
    "employee_uninsured",
)
STATUS_BIT = {kind: 1 << i for i, kind in enumerate(STATUS_KINDS)}

FUNDING_MODES = ("individual", "project", "enterprise", "work_based", "skill_upgrading")

# The column types of the three frames, for whoever builds them (database, files, rule cases).
CLAIM_SCHEMA: dict[str, pl.DataType] = {
    "claim_id": pl.Int64(),
    "person_id": pl.Int64(),
    "funding_mode": pl.String(),
    "training_region": pl.String(),
    "hukou_region": pl.String(),
    "residence_region": pl.String(),
    "job_region": pl.String(),
    "hukou_rural": pl.Boolean(),
    "pension": pl.Boolean(),
    "certificate": pl.String(),
    "occupation": pl.String(),
    "level": pl.Int16(),
    "start_date": pl.Date(),
    "end_date": pl.Date(),
    "standard": pl.Int64(),
    "fee": pl.Int64(),
    "employer_kind": pl.String(),
    "employer_insured": pl.Boolean(),
    "months_claimed": pl.Int64(),
    "months_already": pl.Int64(),
}
STATUS_SCHEMA: dict[str, pl.DataType] = {
    "person_id": pl.Int64(),
    "kind": pl.String(),
    "valid_from": pl.Date(),
    "valid_to": pl.Date(),
}
HISTORY_SCHEMA: dict[str, pl.DataType] = {
    "person_id": pl.Int64(),
    "occupation": pl.String(),
    "level": pl.Int16(),
    "end_date": pl.Date(),
}

# Optional claim columns and their defaults, so a batch file need only carry what applies.
DEFAULTS: dict[str, object] = {
    "funding_mode": "individual",
    "job_region": None,
    "hukou_rural": False,
    "pension": False,
    "fee": None,
    "employer_kind": None,
    "employer_insured": False,
    "months_claimed": 0,
    "months_already": 0,
}


def param(name: str) -> pl.Expr:
    """The value of a dated parameter in force on each claim's decision date."""
    return pl.col(f"p_{name}")


def in_group(name: str) -> pl.Expr:
    """The person holds a status of the dated group list `name` on the decision date."""
    return (pl.col("status_bits") & pl.col(f"p_{name}")) != 0


def has_status(kind: str) -> pl.Expr:
    return (pl.col("status_bits") & STATUS_BIT[kind]) != 0


def status_mask(kinds: list[str]) -> int:
    return sum(STATUS_BIT[k] for k in set(kinds))
