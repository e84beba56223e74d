"""Decide claims: facts in, decisions out, every check kept (§3.3).

`decide` is the only entry point. It takes frames (facts.py) and returns one row per claim with:
- `chk_<rule>`: True (passed), False (failed) or null (not applicable), for every rule in rules.py;
- `eligible`, and the amounts in fen: `subsidy`, `trainee_share`, `living_allowance`, `advance`;
  `months_subsidized` (§3.3.g); `free` (§3.3.d);
- `checked_mask` / `failed_mask`: the same checks as bits of RULES order, for compact storage.

§3.3.b across a batch: only granted subsidies count; the year is the calendar year of the
training's end date; one person's claims are taken in order of (end_date, claim_id). A claim is
granted when it passes every other rule and the quota left by the person's history and by the
claims granted before it. The batch is decided with whole-column operations; the rare person
whose first claim for an occupation+level fails the annual cap while a later claim for the same
occupation+level falls in another year is re-decided claim by claim (`_sequential_quota`), so the
result is always exactly the sequential one.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import numpy as np
import polars as pl

from skillfund.policy.facts import DEFAULTS, STATUS_BIT, has_status, in_group, param, status_mask
from skillfund.policy.parameters import ParameterSet
from skillfund.policy.rules import REGION_LEVELS, RULES, Rule

# The amounts a decision states, in fen (integer hundredths of a yuan), in this order everywhere.
MONEY = ("subsidy", "trainee_share", "living_allowance", "advance")
ENGINE_VERSION = "2"  # 2: the skill-upgrading subsidy rule (§3.1.2)
_EPOCH = date(1970, 1, 1)


def rules_version(params: ParameterSet) -> str:
    """What a stored decision needs to be re-run exactly: engine version + parameter files' hash."""
    return f"{ENGINE_VERSION}+{params.version}"


def check_column(rule: Rule) -> str:
    return f"chk_{rule.name}"


def decide(claims: pl.DataFrame, statuses: pl.DataFrame, history: pl.DataFrame, params: ParameterSet) -> pl.DataFrame:
    # Everything before the in-batch quota is one lazy query, and everything after it another; a
    # single claim (the online path) has no batch to take in order, so its decision is one query.
    occupations = _occupation_categories(claims, history)
    facts = (
        _with_defaults(claims.lazy(), claims.columns)
        .with_columns(_parameter_columns(claims["end_date"], params))
        .join(_status_bits(claims.lazy(), statuses.lazy()), on="claim_id", how="left")
        .with_columns(pl.col("status_bits").fill_null(0))
        .pipe(_with_history, history, occupations, params["annual_cap"].values[0].since)
        .with_columns(_ELIGIBILITY_CHECKS)
        .with_columns(_BASE)
    )
    if claims.height <= 1:
        quota = facts.with_columns(subsidies_in_year=pl.col("hist_in_year"), already_subsidized=pl.col("hist_repeat"))
    else:
        quota = _quota_facts(_collect(facts, claims.height)).lazy()
    return _collect(_outcomes(quota.with_columns(_QUOTA_CHECKS)), claims.height)


def _collect(frame: pl.LazyFrame, rows: int) -> pl.DataFrame:
    """Planning and streaming cost milliseconds; for a handful of claims (the online path) that is
    most of the work, so small frames run unoptimized on the in-memory engine."""
    if rows > 1_000:
        return frame.collect()
    return frame.collect(engine="in-memory", optimizations=pl.QueryOptFlags.none())


def _with_defaults(claims: pl.LazyFrame, columns: list[str]) -> pl.LazyFrame:
    missing = [pl.lit(v).alias(k) for k, v in DEFAULTS.items() if k not in columns]
    return claims.with_columns(missing).with_columns(
        year=pl.col("end_date").dt.year(),
        training_days=(pl.col("end_date") - pl.col("start_date")).dt.total_days() + 1,
        level_key=pl.col("level").cast(pl.Int16).fill_null(0),  # a certificate without level is its own "level"
    )


def parameter_value(value: object, unit: str) -> int:
    """Parameters as integers the columns can hold exactly: fen, basis points, bit masks, counts."""
    if unit == "groups":
        return status_mask(value)  # type: ignore[arg-type]
    if unit == "region_level":
        return REGION_LEVELS[value][0]  # type: ignore[index]
    if unit == "ratio":
        return int(Decimal(value) * 10_000)  # type: ignore[arg-type]
    if unit.startswith("CNY"):
        return int(Decimal(value) * 100)  # type: ignore[arg-type]
    return int(value)  # type: ignore[call-overload]


def _parameter_columns(end_dates: pl.Series, params: ParameterSet) -> list[pl.Expr | pl.Series]:
    """One `p_<name>` column per parameter: its value in force on each claim's end date."""
    if len(end_dates) == 1:  # one claim: the values in force on its date
        on = end_dates[0]
        return [
            pl.lit(parameter_value(p.at(on).value, p.unit), dtype=pl.Int64).alias(f"p_{name}")
            for name, p in params.parameters.items()
        ]
    first_day = end_dates.min() if len(end_dates) else None
    days = None
    columns: list[pl.Expr | pl.Series] = []
    for name, parameter in params.parameters.items():
        if first_day is not None and first_day < parameter.values[0].since:
            parameter.at(first_day)  # raises ParameterNotInForce
        values = [parameter_value(v.value, parameter.unit) for v in parameter.values]
        if len(values) == 1:
            columns.append(pl.lit(values[0], dtype=pl.Int64).alias(f"p_{name}"))
            continue
        if days is None:
            days = end_dates.cast(pl.Date).to_numpy().astype("datetime64[D]").astype(np.int64)
        breaks = np.array([(v.since - _EPOCH).days for v in parameter.values])
        idx = np.searchsorted(breaks, days, side="right") - 1
        columns.append(pl.Series(f"p_{name}", np.array(values, dtype=np.int64)[idx]))
    return columns


def _status_bits(claims: pl.LazyFrame, statuses: pl.LazyFrame) -> pl.LazyFrame:
    """Per claim, the statuses the person holds on the decision date (the class end date), as bits."""
    kinds = pl.LazyFrame({"kind": list(STATUS_BIT), "bit": list(STATUS_BIT.values())})
    return (
        claims.select("claim_id", "person_id", "end_date")
        .join(statuses.with_columns(pl.col("kind").cast(pl.String)), on="person_id")
        .filter(
            (pl.col("valid_from") <= pl.col("end_date"))
            & (pl.col("valid_to").is_null() | (pl.col("valid_to") >= pl.col("end_date")))
        )
        .join(kinds, on="kind")
        .group_by("claim_id")
        .agg(status_bits=pl.col("bit").bitwise_or())
    )


def _occupation_categories(claims: pl.DataFrame, history: pl.DataFrame) -> pl.Enum | None:
    """Occupations become small integers shared by the batch and the history; None when they are
    integers already. (The codes may be strings such as "6-31-01-03".)"""
    if claims.schema["occupation"].is_integer() and history.schema["occupation"].is_integer():
        return None
    if claims.height + history.height <= 1_000:  # a few claims: a set costs microseconds, a query a millisecond
        codes = {*claims["occupation"].cast(pl.String).to_list(), *history["occupation"].cast(pl.String).to_list()}
        return pl.Enum(sorted(codes - {None}))
    values = pl.concat([claims["occupation"].cast(pl.String), history["occupation"].cast(pl.String)])
    return pl.Enum(values.unique().drop_nulls().sort())


def _occupation_code(occupations: pl.Enum | None) -> pl.Expr:
    occ = pl.col("occupation")
    if occupations is None:
        return occ.cast(pl.Int64)
    return occ.cast(pl.String).cast(occupations).to_physical().cast(pl.Int64)


def _key(person: pl.Expr, occupation: pl.Expr, level: pl.Expr) -> pl.Expr:
    """person+occupation+level as one integer, so set look-ups run on a single column."""
    return (person.cast(pl.Int64) * 1_048_576 + occupation) * 8 + level.cast(pl.Int64)


def _with_history(
    facts: pl.LazyFrame, history: pl.DataFrame, occupations: pl.Enum | None, cap_from: date
) -> pl.LazyFrame:
    """Grants before this batch: how many in the claim's year, and whether occupation+level repeats.

    §3.3.b's never-twice has no time limit, so every past grant repeats; its yearly cap counts only
    grants from the day the cap is in force (`cap_from`, the programme's start): a subsidy of an
    earlier programme in the same calendar year was granted under no such cap.
    """
    hist = history.select(
        year_key=pl.col("person_id").cast(pl.Int64) * 10_000 + pl.col("end_date").dt.year(),
        key=_key(pl.col("person_id"), _occupation_code(occupations), pl.col("level").fill_null(0)),
        under_cap=pl.col("end_date") >= cap_from,
    )
    in_year = hist.lazy().filter("under_cap").group_by("year_key").agg(hist_in_year=pl.len())
    return (
        facts.with_columns(
            occ_code=_occupation_code(occupations),
            year_key=pl.col("person_id").cast(pl.Int64) * 10_000 + pl.col("year"),
        )
        .with_columns(
            hist_repeat=_key(pl.col("person_id"), pl.col("occ_code"), pl.col("level_key")).is_in(hist["key"].implode())
        )
        .join(in_year, on="year_key", how="left")
        .with_columns(pl.col("hist_in_year").fill_null(0).cast(pl.Int64))
    )


def _check(rule: Rule) -> pl.Expr:
    expr = rule.passes if rule.applies is None else pl.when(rule.applies).then(rule.passes)
    return expr.alias(check_column(rule))


# Built once: the expressions are plans over column names, the same for every batch.
_ELIGIBILITY_CHECKS = [_check(rule) for rule in RULES if not rule.quota]
_QUOTA_CHECKS = [_check(rule) for rule in RULES if rule.quota]
# Training through work (§3.3.g) is limited by its months, not by the quota of §3.3.b.
_BASE = (
    pl.all_horizontal(pl.col(check_column(r)).fill_null(True) for r in RULES if not r.quota)
    & (pl.col("funding_mode") != "work_based")
).alias("base")


def _runs(*keys: np.ndarray) -> np.ndarray:
    """Index of the first row of each row's run of equal keys (the rows are sorted by the keys)."""
    n = len(keys[0])
    start = np.zeros(n, dtype=bool)
    if n:
        start[0] = True
        for k in keys:
            start[1:] |= k[1:] != k[:-1]
    return np.maximum.accumulate(np.where(start, np.arange(n), 0))


def _before_in_run(values: np.ndarray, run_first: np.ndarray) -> np.ndarray:
    """For each row, how many earlier rows of its run have `values` set."""
    before = np.cumsum(values, dtype=np.int64) - values
    return before - before[run_first]


def _quota_facts(frame: pl.DataFrame) -> pl.DataFrame:
    """`subsidies_in_year` and `already_subsidized` for each claim, with the batch taken in order."""
    q = frame.select("person_id", "occ_code", "level_key", "year", "end_date", "claim_id")
    by_time = q.select(pl.arg_sort_by("person_id", "end_date", "claim_id")).to_series().to_numpy()
    by_key = (
        q.select(pl.arg_sort_by("person_id", "occ_code", "level_key", "end_date", "claim_id")).to_series().to_numpy()
    )
    person, occupation, level = q["person_id"].to_numpy(), q["occ_code"].to_numpy(), q["level_key"].to_numpy()
    year = q["year"].to_numpy()
    hist_repeat = frame["hist_repeat"].to_numpy()
    cand = (frame["base"].to_numpy() & ~hist_repeat).astype(np.int64)
    hist_in_year, cap = frame["hist_in_year"].to_numpy(), frame["p_annual_cap"].to_numpy()

    # The first candidate of each person+occupation+level is the only one that can be granted...
    k = by_key
    key_run = _runs(person[k], occupation[k], level[k])
    first_of_key = np.zeros(len(q), dtype=bool)
    first_of_key[k] = (cand[k] == 1) & (_before_in_run(cand[k], key_run) == 0)
    # ...if the person's year still has room after the grants before it.
    t = by_time
    year_run = _runs(person[t], year[t])
    granted = np.zeros(len(q), dtype=bool)
    granted[t] = first_of_key[t] & (
        hist_in_year[t] + _before_in_run(first_of_key[t].astype(np.int64), year_run) < cap[t]
    )

    # A first candidate refused by the cap leaves its occupation+level free for a later year: the
    # persons where a later candidate for it falls in another year are re-decided claim by claim.
    refused_first = first_of_key[k] & ~granted[k]
    if refused_first.any():
        other_year = (cand[k] == 1) & (year[k] != year[k][key_run])
        runs_with_other_year = np.unique(key_run[other_year])
        affected = np.unique(person[k][refused_first & np.isin(key_run, runs_with_other_year)])
        if len(affected):
            _sequential_quota(frame, granted, affected)

    g = granted.astype(np.int64)
    subsidies_in_year = np.empty(len(q), dtype=np.int64)
    subsidies_in_year[t] = hist_in_year[t] + _before_in_run(g[t], year_run)
    repeat = np.empty(len(q), dtype=bool)
    repeat[k] = hist_repeat[k] | (_before_in_run(g[k], key_run) > 0)
    return frame.with_columns(
        pl.Series("subsidies_in_year", subsidies_in_year),
        pl.Series("already_subsidized", repeat),
    )


def _sequential_quota(frame: pl.DataFrame, granted: np.ndarray, persons: np.ndarray) -> None:
    """The plain definition of §3.3.b, claim by claim, for the persons given (updates `granted`)."""
    rows = (
        frame.select(
            "person_id",
            "occ_code",
            "level_key",
            "year",
            "end_date",
            "claim_id",
            "base",
            "hist_repeat",
            "hist_in_year",
            "p_annual_cap",
        )
        .with_row_index("row")
        .filter(pl.col("person_id").is_in(persons.tolist()))
        .sort("person_id", "end_date", "claim_id")
    )
    used: dict[tuple, int] = {}
    seen: set[tuple] = set()
    for r in rows.iter_rows(named=True):
        key, year_key = (r["person_id"], r["occ_code"], r["level_key"]), (r["person_id"], r["year"])
        ok = (
            r["base"]
            and not r["hist_repeat"]
            and key not in seen
            and r["hist_in_year"] + used.get(year_key, 0) < r["p_annual_cap"]
        )
        granted[r["row"]] = ok
        if ok:
            seen.add(key)
            used[year_key] = used.get(year_key, 0) + 1


def _outcome_stages() -> list[list[pl.Expr]]:
    """The outcome columns, in three dependent stages; built once (expressions hold no data)."""
    checks = [pl.col(check_column(r)) for r in RULES]
    eligible = pl.all_horizontal(c.fill_null(True) for c in checks)
    work = pl.col("funding_mode") == "work_based"
    months = pl.min_horizontal(
        pl.col("months_claimed"), (param("work_training_max_months") - pl.col("months_already")).clip(0)
    )
    first = dict(
        eligible=eligible,
        free=in_group("free_training_groups"),
        months_subsidized=pl.when(eligible & work).then(months).otherwise(0),
        checked_mask=pl.sum_horizontal(c.is_not_null().cast(pl.Int64) * (1 << i) for i, c in enumerate(checks)),
        failed_mask=pl.sum_horizontal((~c).fill_null(False).cast(pl.Int64) * (1 << i) for i, c in enumerate(checks)),
    )
    # The standard: the catalog's per-person amount, or the monthly standard × months for §3.3.g.
    standard = (
        pl.when(work).then(param("work_training_monthly") * pl.col("months_subsidized")).otherwise(pl.col("standard"))
    )
    price = pl.col("fee").fill_null(pl.col("standard"))
    second = dict(
        subsidy=pl.when(pl.col("eligible"))
        .then(pl.when(work).then(standard).otherwise(pl.min_horizontal(standard, price)))
        .otherwise(0)
        .cast(pl.Int64),
    )
    living_group = in_group("living_allowance_groups") | (has_status("school_leaver") & pl.col("hukou_rural"))
    third = dict(
        trainee_share=pl.when(work | (pl.col("eligible") & pl.col("free")))
        .then(0)
        .otherwise((price - pl.col("subsidy")).clip(0))
        .cast(pl.Int64),
        living_allowance=pl.when(pl.col("eligible") & living_group & ~work)
        .then(pl.col("training_days") * param("living_allowance_daily"))
        .otherwise(0)
        .cast(pl.Int64),
        advance=pl.when(pl.col("eligible") & pl.col("funding_mode").is_in(["project", "enterprise"]))
        .then((pl.col("subsidy") * param("advance_ratio") + 5_000) // 10_000)  # round half up, in fen
        .otherwise(0)
        .cast(pl.Int64),
    )
    return [[e.alias(k) for k, e in stage.items()] for stage in (first, second, third)]


_OUTCOME_STAGES = _outcome_stages()


def _outcomes(frame: pl.LazyFrame) -> pl.LazyFrame:
    for stage in _OUTCOME_STAGES:
        frame = frame.with_columns(stage)
    return frame
