"""Rule cases written as data (policy_data/cases/*.yaml), readable by a policy officer.

Each file names its clause and lists cases. A case states only what differs from a typical claim
(DEFAULT_CLAIM): the claim(s), the person's statuses and past subsidies, and what the decision must
be. Amounts are in yuan. `run_case` returns the differences between expected and decided; empty
means the case holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from skillfund.policy.engine import MONEY, check_column, decide
from skillfund.policy.explain import explain, yuan
from skillfund.policy.facts import CLAIM_SCHEMA, HISTORY_SCHEMA, STATUS_SCHEMA
from skillfund.policy.parameters import ParameterSet
from skillfund.policy.rules import RULES

DEFAULT_CLAIM: dict[str, Any] = {
    "person_id": 1,
    "funding_mode": "individual",
    "training_region": "150602",
    "hukou_region": "150602",
    "residence_region": "150602",
    "job_region": None,
    "hukou_rural": False,
    "pension": False,
    "certificate": "skill_level",
    "occupation": "6-31-01-03",
    "level": 5,
    "start_date": date(2020, 5, 1),
    "end_date": date(2020, 5, 10),
    "standard": "1200",
    "fee": None,
    "employer_kind": None,
    "employer_insured": False,
    "months_claimed": 0,
    "months_already": 0,
}
_MONEY_IN = ("standard", "fee")


@dataclass(frozen=True)
class Case:
    file: str
    clause: str
    name: str
    data: dict[str, Any]


def fen(amount: Any) -> int | None:
    return None if amount is None else int(Decimal(str(amount)) * 100)


def load_cases(folder: Path) -> list[Case]:
    cases = []
    for path in sorted(folder.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        cases += [Case(path.name, doc["clause"], c["name"], c) for c in doc["cases"]]
    return cases


def _frames(case: dict[str, Any]) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    claims = case.get("claims") or [case.get("claim", {})]
    rows = []
    for n, claim in enumerate(claims, start=1):
        row = {**DEFAULT_CLAIM, "claim_id": n, **claim}
        rows.append({k: fen(v) if k in _MONEY_IN else v for k, v in row.items()})
    statuses = pl.DataFrame(
        [
            {
                "person_id": s.get("person_id", 1),
                "kind": s["kind"],
                "valid_from": s.get("from", date(2000, 1, 1)),
                "valid_to": s.get("to"),
            }
            for s in case.get("statuses", [])
        ],
        schema=STATUS_SCHEMA,
    )
    history = pl.DataFrame(
        [
            {
                "person_id": h.get("person_id", 1),
                "occupation": h["occupation"],
                "level": h.get("level"),
                "end_date": h["end_date"],
            }
            for h in case.get("history", [])
        ],
        schema=HISTORY_SCHEMA,
    )
    return pl.DataFrame(rows, schema=CLAIM_SCHEMA), statuses, history


def run_case(case: Case, params: ParameterSet) -> list[str]:
    claims, statuses, history = _frames(case.data)
    decided = decide(claims, statuses, history, params).sort("claim_id")
    expectations = case.data.get("expect_each") or [case.data["expect"]]
    problems = []
    for n, (row, expect) in enumerate(zip(decided.iter_rows(named=True), expectations, strict=True), start=1):
        failed = sorted({r.clause for r in RULES if row[check_column(r)] is False})
        actual = {
            "eligible": row["eligible"],
            "failed": failed,
            "free": row["free"],
            "months_subsidized": row["months_subsidized"],
            **{m: yuan(row[m]) for m in MONEY},
        }
        said = [text for line in explain(row) for text in (line.zh, line.en)]
        for phrase in expect.get("says", []):  # a message of the decision contains this phrase
            if not any(phrase in text for text in said):
                problems.append(f"claim {n}: no message says {phrase!r}; messages: {said}")
        for key, want in expect.items():
            if key == "says":
                continue
            got = actual[key]
            if key in MONEY:
                want = Decimal(str(want)).quantize(Decimal("0.01"))
            if key == "failed":
                want = sorted(want)
            if got != want:
                problems.append(f"claim {n}: {key} expected {want}, decided {got}")
    return problems
