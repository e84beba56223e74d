"""Decide claims with the engine and store the decisions — one path for one claim or a million."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import polars as pl
from django.db import connection
from django.utils import timezone

from skillfund.claims.facts import claim_ids_sql, load_facts
from skillfund.claims.models import Decision
from skillfund.policy import engine
from skillfund.policy.explain import Line, explain
from skillfund.policy.parameters import ParameterSet, default_parameters
from skillfund.policy.rules import RULES

# The facts a decision keeps besides its claim's own (which the claim row holds and never changes):
# the person's circumstances and history as they were when it was decided. Enough to re-run and
# to explain it, and small, because a batch stores a million of them.
KEPT_FACTS = (
    "hukou_region",
    "residence_region",
    "job_region",
    "hukou_rural",
    "pension",
    "employer_kind",
    "employer_insured",
    "months_already",
    "status_bits",
    "subsidies_in_year",
    "already_subsidized",
)
DECISION_COLUMNS = (
    "claim_id",
    "purpose",
    "decided_at",
    "rules_version",
    "eligible",
    "subsidy",
    "trainee_share",
    "living_allowance",
    "advance",
    "months_subsidized",
    "free",
    "checked_mask",
    "failed_mask",
    "facts",
)


def decide_ids(claim_ids: Sequence[int], params: ParameterSet | None = None) -> pl.DataFrame:
    claims_sql, sql_params = claim_ids_sql(claim_ids)
    return decide_where(claims_sql, sql_params, params, bulk=len(claim_ids) > 1_000)


def decide_where(
    claims_sql: str, sql_params: Sequence[Any] = (), params: ParameterSet | None = None, *, bulk: bool = True
) -> pl.DataFrame:
    """Decide every claim the subquery selects, with facts read from the database now."""
    claims, statuses, history = load_facts(claims_sql, sql_params, bulk=bulk)
    return engine.decide(claims, statuses, history, params or default_parameters())


def _rows_for_storage(decided: pl.DataFrame, purpose: str, params: ParameterSet) -> pl.DataFrame:
    money = ("subsidy", "trainee_share", "living_allowance", "advance")
    return decided.select(
        "claim_id",
        pl.lit(purpose).alias("purpose"),
        pl.lit(timezone.now().isoformat()).alias("decided_at"),
        pl.lit(engine.rules_version(params)).alias("rules_version"),
        "eligible",
        *[(pl.col(m).cast(pl.Decimal(14, 2)) / 100).cast(pl.Decimal(14, 2)).alias(m) for m in money],
        "months_subsidized",
        "free",
        "checked_mask",
        "failed_mask",
        pl.struct(*KEPT_FACTS).struct.json_encode().alias("facts"),
    )


def store_decisions(decided: pl.DataFrame, *, purpose: str, params: ParameterSet | None = None) -> int:
    """Write one Decision per row of an engine result (COPY on PostgreSQL). Returns the row count."""
    rows = _rows_for_storage(decided, purpose, params or default_parameters())
    if connection.vendor == "postgresql":
        buffer = io.BytesIO()
        rows.write_csv(buffer, include_header=False)
        buffer.seek(0)
        columns = ", ".join(DECISION_COLUMNS)
        with (
            connection.cursor() as cur,
            cur.cursor.copy(f"COPY claims_decision ({columns}) FROM STDIN WITH (FORMAT csv)") as copy,
        ):
            while block := buffer.read(1 << 20):
                copy.write(block)
        return rows.height
    Decision.objects.bulk_create((Decision(**_model_fields(r)) for r in rows.iter_rows(named=True)), batch_size=2000)
    return rows.height


def _model_fields(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "facts": json.loads(row["facts"]), "decided_at": datetime.fromisoformat(row["decided_at"])}


def decision_from_row(row: dict[str, Any], *, claim: Any, purpose: str, params: ParameterSet) -> Decision:
    """An unsaved Decision for one engine row (the online path)."""
    stored = _rows_for_storage(pl.DataFrame([row]), purpose, params).row(0, named=True)
    fields = _model_fields(stored)
    fields.pop("claim_id")
    return Decision(claim=claim, **fields)


def decision_lines(decision: Decision) -> list[Line]:
    """The checks and outcomes of a stored decision, as plain messages (rendered now, not stored)."""
    claim = decision.claim
    facts: dict[str, Any] = {
        "funding_mode": claim.kind,
        "training_region": claim.training_region,
        "certificate": claim.certificate_kind or None,
        "occupation": claim.subject,
        "level": claim.level,
        "start_date": claim.start_date,
        "end_date": claim.end_date,
        "year": claim.end_date.year,
        "training_days": (claim.end_date - claim.start_date).days + 1,
        "standard": int(claim.standard * 100),
        "fee": None if claim.fee is None else int(claim.fee * 100),
        "months_claimed": claim.months,
        **decision.facts,
    }
    for i, rule in enumerate(RULES):
        checked = decision.checked_mask >> i & 1
        facts[engine.check_column(rule)] = None if not checked else not (decision.failed_mask >> i & 1)
    for money in ("subsidy", "trainee_share", "living_allowance", "advance"):
        facts[money] = int(getattr(decision, money) * 100)
    params = default_parameters()
    on = claim.end_date
    for name, parameter in params.parameters.items():
        value = parameter.at(on).value
        facts[f"p_{name}"] = int(value * 10_000) if parameter.unit == "ratio" else value
    facts.update(eligible=decision.eligible, free=decision.free, months_subsidized=decision.months_subsidized)
    return explain(facts)
