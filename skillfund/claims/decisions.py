"""Decide claims with the engine and store the decisions — one path for one claim or a million."""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import polars as pl
from django.db import connection
from django.utils import timezone

from skillfund.claims.facts import claim_ids_where, load_facts
from skillfund.claims.models import Claim, Decision
from skillfund.claims.names import decision_names
from skillfund.policy import engine
from skillfund.policy.explain import Line, Names, explain
from skillfund.policy.parameters import ParameterSet, default_parameters
from skillfund.policy.rules import RULES

# The facts a decision keeps besides its claim's own (which the claim row holds and never changes):
# the person's circumstances and history as they were when it was decided. Enough to re-run and
# to explain it. A fact equal to its usual value here is left out, because a batch stores a million
# of them: {"hukou_region": "150602", "residence_region": "150602"} is a whole typical record.
KEPT_FACTS: dict[str, object] = {
    "hukou_region": None,
    "residence_region": None,
    "job_region": None,
    "hukou_rural": False,
    "pension": False,
    "employer_kind": None,
    "employer_insured": None,  # no employer: only training through work (§3.3.g) has one
    "months_already": 0,
    "status_bits": 0,
    "subsidies_in_year": 0,
    "already_subsidized": False,
}
DECISION_COLUMNS = (
    "claim_id",
    "purpose",
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
    where, sql_params = claim_ids_where(claim_ids)
    return decide_where(where, sql_params, params, bulk=len(claim_ids) > 1_000)


def decide_where(
    where: str, sql_params: Sequence[Any] = (), params: ParameterSet | None = None, *, bulk: bool = True
) -> pl.DataFrame:
    """Decide every claim the condition (on alias `c`) selects, with facts read from the database now."""
    claims, statuses, history = load_facts(where, sql_params, bulk=bulk)
    return engine.decide(claims, statuses, history, params or default_parameters())


def _facts_json(schema: pl.Schema) -> pl.Expr:
    """KEPT_FACTS as one JSON object per row, leaving out the facts equal to their usual value."""
    members = []
    for name, usual in KEPT_FACTS.items():
        if schema[name] == pl.String:  # a one-field struct encodes as {"name":"value"}, escaped
            member = pl.struct(name).struct.json_encode().str.strip_prefix("{").str.strip_suffix("}")
        else:  # numbers and booleans print as JSON does
            member = pl.format(f'"{name}":{{}}', pl.col(name).cast(pl.String).fill_null("null"))
        members.append(pl.when(pl.col(name).eq_missing(usual).not_()).then(member))
    return pl.concat_str([pl.lit("{"), pl.concat_str(members, separator=",", ignore_nulls=True), pl.lit("}")])


def _rows_for_storage(decided: pl.DataFrame, purpose: str, params: ParameterSet) -> pl.DataFrame:
    return decided.select(
        "claim_id",
        pl.lit(purpose).alias("purpose"),
        pl.lit(engine.rules_version(params)).alias("rules_version"),
        "eligible",
        *[(pl.col(m).cast(pl.Decimal(14, 2)) / 100).cast(pl.Decimal(14, 2)).alias(m) for m in engine.MONEY],
        "months_subsidized",
        "free",
        "checked_mask",
        "failed_mask",
        _facts_json(decided.schema).alias("facts"),
    )


def store_decisions(decided: pl.DataFrame, *, purpose: str, params: ParameterSet | None = None) -> int:
    """Write one Decision per row of an engine result (COPY on PostgreSQL). Returns the row count."""
    params = params or default_parameters()
    if connection.vendor != "postgresql":
        Decision.objects.bulk_create(
            (decision_from_row(row, purpose=purpose, params=params) for row in decided.iter_rows(named=True)),
            batch_size=2000,
        )
        return decided.height
    buffer = io.BytesIO()
    _rows_for_storage(decided, purpose, params).write_csv(buffer, include_header=False)
    buffer.seek(0)
    columns = ", ".join(DECISION_COLUMNS)  # decided_at is the database's clock at the COPY
    with (
        connection.wrap_database_errors,  # a refused row raises Django's IntegrityError, as the ORM would
        connection.cursor() as cur,
        cur.cursor.copy(f"COPY claims_decision ({columns}) FROM STDIN WITH (FORMAT csv)") as copy,
    ):
        while block := buffer.read(1 << 20):
            copy.write(block)
    return decided.height


def decision_from_row(
    row: dict[str, Any], *, purpose: str, params: ParameterSet, claim: Claim | None = None
) -> Decision:
    """An unsaved Decision for one engine row: the fields `_rows_for_storage` writes, and the time."""
    decision = Decision(
        claim_id=row["claim_id"],
        purpose=purpose,
        decided_at=timezone.now(),
        rules_version=engine.rules_version(params),
        eligible=row["eligible"],
        **{m: Decimal(row[m]).scaleb(-2) for m in engine.MONEY},
        months_subsidized=row["months_subsidized"],
        free=row["free"],
        checked_mask=row["checked_mask"],
        failed_mask=row["failed_mask"],
        facts={k: row[k] for k, usual in KEPT_FACTS.items() if row[k] != usual},
    )
    if claim is not None:
        decision.claim = claim  # the caller's instance, so reading it costs no query
    return decision


def decision_lines(decision: Decision, names: Names | None = None) -> list[Line]:
    """The checks and outcomes of a stored decision, as plain messages (rendered now, not stored),
    with codes called by their names: pass `names` built once for a page of decisions
    (claims.names.decision_names), or it costs a query for this one's occupation."""
    if names is None:
        names = decision_names([decision])
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
        **KEPT_FACTS,
        **decision.facts,
    }
    for i, rule in enumerate(RULES):
        checked = decision.checked_mask >> i & 1
        facts[engine.check_column(rule)] = None if not checked else not (decision.failed_mask >> i & 1)
    for money in engine.MONEY:
        facts[money] = int(getattr(decision, money) * 100)
    params = default_parameters()
    on = claim.end_date
    for name, parameter in params.parameters.items():
        facts[f"p_{name}"] = engine.parameter_value(parameter.at(on).value, parameter.unit)  # as the engine's
    facts.update(eligible=decision.eligible, free=decision.free, months_subsidized=decision.months_subsidized)
    return explain(facts, names)
