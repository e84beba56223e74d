"""Read the engine's facts for a set of claims straight from the database, in bulk.

One SQL query per frame (claims, statuses, past grants), whether the set holds one claim or a
million; the set is a condition on the claims, so the claims table is scanned once per query. On
PostgreSQL a large set's rows travel by COPY into polars; otherwise through the cursor. Money
leaves the database as integer fen, so no float ever touches an amount.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import polars as pl
from django.db import connection, transaction

from skillfund.policy.facts import CLAIM_SCHEMA, HISTORY_SCHEMA, STATUS_SCHEMA

# `{where}` is a condition on the claims to decide, written on the alias `c` (e.g. "c.batch = %s").
# The claims are read in one scan; statuses and past grants are those of the claims' persons.
_CLAIMS_SQL = """
SELECT c.id, c.person_id, c.kind, c.training_region,
       p.hukou_region, p.residence_region, NULLIF(p.job_region, ''), p.hukou_rural, p.receives_pension,
       NULLIF(c.certificate_kind, ''), c.subject, c.level, c.start_date, c.end_date,
       CAST(ROUND(c.standard * 100) AS BIGINT), CAST(ROUND(c.fee * 100) AS BIGINT),
       o.kind, o.insured, c.months, COALESCE(w.months, 0)
FROM claims_claim c
JOIN registry_person p ON p.id = c.person_id
LEFT JOIN training_employment e ON e.id = c.employment_id
LEFT JOIN organizations_organization o ON o.id = e.employer_id
LEFT JOIN (SELECT g.person_id, SUM(g.months) AS months FROM claims_grant g
           WHERE g.kind = 'work_based'
             AND g.person_id IN (SELECT c.person_id FROM claims_claim c WHERE {where})
             AND NOT EXISTS (SELECT 1 FROM claims_claim c WHERE c.id = g.claim_id AND {where})
           GROUP BY g.person_id) w ON w.person_id = c.person_id
WHERE {where}
"""
_STATUS_SQL = """
SELECT s.person_id, s.kind, s.valid_from, s.valid_to FROM registry_personstatus s
WHERE s.person_id IN (SELECT c.person_id FROM claims_claim c WHERE {where})
"""
# Past grants with the claim they paid (none for a history grant, recorded from before the
# platform): load_facts leaves out the grants of the claims being decided (a re-run decides them
# afresh), by claim id in memory rather than a join in SQL.
_HISTORY_SQL = """
SELECT g.person_id, g.subject, NULLIF(g.level_key, 0), g.end_date, g.claim_id FROM claims_grant g
WHERE g.kind <> 'work_based' AND g.person_id IN (SELECT c.person_id FROM claims_claim c WHERE {where})
"""


def _frame(sql: str, params: Sequence[Any], schema: dict[str, Any], *, bulk: bool) -> pl.DataFrame:
    with connection.cursor() as cur:
        if bulk and connection.vendor == "postgresql":
            buffer = io.BytesIO()
            with cur.cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", params) as copy:
                for block in copy:
                    buffer.write(block)
            if buffer.tell() == 0:
                return pl.DataFrame(schema=schema)
            buffer.seek(0)
            frame = pl.read_csv(
                buffer,
                has_header=False,
                new_columns=list(schema),
                schema_overrides={k: (pl.String if v == pl.Boolean else v) for k, v in schema.items()},
            )
            booleans = [pl.col(k) == "t" for k, v in schema.items() if v == pl.Boolean]
            return frame.with_columns(booleans) if booleans else frame
        cur.execute(sql, params)
        return pl.DataFrame(cur.fetchall(), schema=schema, orient="row")


def load_facts(
    where: str, params: Sequence[Any] = (), *, bulk: bool = True
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(claims, statuses, history) frames for the claims that `where` (on alias `c`) selects. `bulk`
    moves the rows by COPY on PostgreSQL; for a few claims a plain query answers sooner."""

    def frame(sql: str, schema: dict[str, Any]) -> pl.DataFrame:
        # The condition appears several times in a statement; each occurrence takes its parameters.
        return _frame(sql.format(where=where), list(params) * sql.count("{where}"), schema, bulk=bulk)

    def frames() -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
        return (
            frame(_CLAIMS_SQL, CLAIM_SCHEMA),
            frame(_STATUS_SQL, STATUS_SCHEMA),
            frame(_HISTORY_SQL, {**HISTORY_SCHEMA, "claim_id": pl.Int64()}),
        )

    if bulk and connection.vendor == "postgresql":
        # A million claims' persons are hashed in memory, not in temporary files. The transaction is
        # SET LOCAL's scope (no savepoint: nothing to undo); only here, because on SQLite an
        # IMMEDIATE transaction would take the write lock for a read.
        with transaction.atomic(savepoint=False):
            with connection.cursor() as cur:
                cur.execute("SET LOCAL work_mem = '128MB'")
            claims, statuses, history = frames()
    else:
        claims, statuses, history = frames()
    # A history grant (a past subsidy, recorded without a claim) has no claim id and always counts.
    being_decided = pl.col("claim_id").is_in(claims["claim_id"].implode()).fill_null(False)
    history = history.filter(being_decided.not_()).drop("claim_id")
    return claims, statuses, history


def claim_ids_where(ids: Sequence[int]) -> tuple[str, list[Any]]:
    """A condition selecting the given claim ids."""
    if connection.vendor == "postgresql":
        return "c.id = ANY(%s::bigint[])", [list(ids)]
    return f"c.id IN ({','.join(['%s'] * len(ids)) or 'NULL'})", list(ids)
