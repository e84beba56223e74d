"""Invariants of the engine over random batches (Hypothesis): §3.3.b holds whatever the input,
amounts stay within the standard, every failure cites a clause, and the whole-column quota equals
the plain claim-by-claim definition."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from skillfund import policy_data
from skillfund.policy.engine import check_column, decide, parameter_value
from skillfund.policy.facts import STATUS_KINDS
from skillfund.policy.parameters import ParameterSet
from skillfund.policy.rules import RULES

PARAMS = ParameterSet.load(policy_data.data_path("parameters"))
REGIONS = ["150602", "150603", "150621"]
START = date(2019, 12, 1)
CLAIM_SCHEMA = {
    "claim_id": pl.Int64,
    "person_id": pl.Int64,
    "training_region": pl.String,
    "hukou_region": pl.String,
    "residence_region": pl.String,
    "job_region": pl.String,
    "pension": pl.Boolean,
    "certificate": pl.String,
    "occupation": pl.String,
    "level": pl.Int16,
    "start_date": pl.Date,
    "end_date": pl.Date,
    "standard": pl.Int64,
    "fee": pl.Int64,
    "funding_mode": pl.String,
}

claim = st.fixed_dictionaries(
    {
        "person_id": st.integers(1, 2),
        "training_region": st.sampled_from(REGIONS),
        "hukou_region": st.sampled_from(REGIONS),
        "residence_region": st.sampled_from(REGIONS),
        "pension": st.booleans(),
        "certificate": st.sampled_from(["skill_level", "special_operation", None]),
        "occupation": st.sampled_from(["A", "B", "C"]),
        "level": st.sampled_from([3, 4, 5, None]),
        "day": st.integers(0, 800),  # spans three calendar years
        "length": st.integers(0, 40),
        "standard": st.integers(0, 300_000),
        "fee": st.one_of(st.none(), st.integers(0, 300_000)),
        "funding_mode": st.sampled_from(["individual", "project", "enterprise"]),
    }
)
history_row = st.fixed_dictionaries(
    {
        "person_id": st.integers(1, 4),
        "occupation": st.sampled_from(["A", "B", "C", "D"]),
        "level": st.sampled_from([3, 4, 5, None]),
        "day": st.integers(-400, 800),
    }
)
status_row = st.fixed_dictionaries(
    {"person_id": st.integers(1, 4), "kind": st.sampled_from(STATUS_KINDS), "day": st.integers(-400, 800)}
)


def _frames(claims, history, statuses):
    rows = []
    for n, c in enumerate(claims, start=1):
        start = START + timedelta(days=c["day"])
        rows.append(
            {
                "claim_id": n,
                "person_id": c["person_id"],
                "training_region": c["training_region"],
                "hukou_region": c["hukou_region"],
                "residence_region": c["residence_region"],
                "job_region": None,
                "pension": c["pension"],
                "certificate": c["certificate"],
                "occupation": c["occupation"],
                "level": c["level"],
                "start_date": start,
                "end_date": start + timedelta(days=c["length"]),
                "standard": c["standard"],
                "fee": c["fee"],
                "funding_mode": c["funding_mode"],
            }
        )
    claims_df = pl.DataFrame(rows, schema=CLAIM_SCHEMA)
    # History as the ledger keeps it: each person+occupation+level once, at most 3 a year.
    kept, per_year, keys = [], {}, set()
    for h in history:
        end = START + timedelta(days=h["day"])
        key, year_key = (h["person_id"], h["occupation"], h["level"]), (h["person_id"], end.year)
        if key in keys or per_year.get(year_key, 0) >= 3:
            continue
        keys.add(key)
        per_year[year_key] = per_year.get(year_key, 0) + 1
        kept.append({"person_id": h["person_id"], "occupation": h["occupation"], "level": h["level"], "end_date": end})
    history_df = pl.DataFrame(
        kept, schema={"person_id": pl.Int64, "occupation": pl.String, "level": pl.Int16, "end_date": pl.Date}
    )
    statuses_df = pl.DataFrame(
        [
            {
                "person_id": s["person_id"],
                "kind": s["kind"],
                "valid_from": START + timedelta(days=s["day"]),
                "valid_to": None,
            }
            for s in statuses
        ],
        schema={"person_id": pl.Int64, "kind": pl.String, "valid_from": pl.Date, "valid_to": pl.Date},
    )
    return claims_df, history_df, statuses_df


def _sequential(decided: pl.DataFrame, history: pl.DataFrame) -> dict[int, bool]:
    """§3.3.b by its plain definition: claim by claim in (end_date, claim_id) order."""
    used, seen = {}, set()
    for h in history.iter_rows(named=True):
        used[(h["person_id"], h["end_date"].year)] = used.get((h["person_id"], h["end_date"].year), 0) + 1
        seen.add((h["person_id"], h["occupation"], h["level"] or 0))
    other_rules = [check_column(r) for r in RULES if not r.quota]
    granted = {}
    for r in decided.sort("end_date", "claim_id").iter_rows(named=True):
        key, year_key = (r["person_id"], r["occupation"], r["level"] or 0), (r["person_id"], r["end_date"].year)
        ok = all(r[c] is not False for c in other_rules) and key not in seen and used.get(year_key, 0) < 3
        granted[r["claim_id"]] = ok
        if ok:
            seen.add(key)
            used[year_key] = used.get(year_key, 0) + 1
    return granted


@settings(max_examples=300, deadline=None)
@given(st.lists(claim, max_size=16), st.lists(history_row, max_size=10), st.lists(status_row, max_size=5))
def test_engine_invariants(claims, history, statuses):
    claims_df, history_df, statuses_df = _frames(claims, history, statuses)
    decided = decide(claims_df, statuses_df, history_df, PARAMS)
    granted = decided.filter("eligible")

    # Never more than 3 subsidies per person and calendar year, history included (§3.3.b).
    per_year = (
        pl.concat(
            [
                granted.select("person_id", year=pl.col("end_date").dt.year()),
                history_df.select("person_id", year=pl.col("end_date").dt.year()),
            ]
        )
        .group_by("person_id", "year")
        .len()
    )
    assert per_year.filter(pl.col("len") > 3).is_empty()
    # Never the same occupation at the same level twice (§3.3.b).
    keys = pl.concat(
        [
            granted.select("person_id", "occupation", level=pl.col("level").fill_null(0)),
            history_df.select("person_id", "occupation", level=pl.col("level").fill_null(0)),
        ]
    )
    assert keys.is_duplicated().sum() == 0
    # Amounts are never negative nor above the standard; a refused claim gets nothing.
    assert (decided["subsidy"] >= 0).all() and (decided["subsidy"] <= decided["standard"]).all()
    assert decided.filter(~pl.col("eligible"))["subsidy"].sum() == 0
    assert (decided["advance"] <= decided["subsidy"]).all() and (decided["trainee_share"] >= 0).all()
    # Every failed check cites a clause in the register, and the parameters it was judged by are
    # the values in force on the claim's date, each dated value citing a registered clause too.
    register = policy_data.clauses()
    for rule in RULES:
        if decided[check_column(rule)].eq(False).any():
            assert rule.clause in register
    for row in decided.iter_rows(named=True):
        for name, parameter in PARAMS.parameters.items():
            in_force = parameter.at(row["end_date"])
            assert row[f"p_{name}"] == parameter_value(in_force.value, parameter.unit)
            assert in_force.clause in register
    # The whole-column quota is exactly the claim-by-claim definition.
    sequential = _sequential(decided, history_df)
    assert {r["claim_id"]: r["eligible"] for r in decided.iter_rows(named=True)} == sequential
