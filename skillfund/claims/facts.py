"""Read the engine's facts for a set of claims straight from the database, in bulk.

One SQL query per frame (claims, statuses, past grants), whether the set holds one claim or a
million. On PostgreSQL the rows travel by COPY into polars; on SQLite through the cursor.
Money leaves the database as integer fen, so no float ever touches an amount.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import polars as pl
from django.db import connection

from skillfund.policy.facts import CLAIM_SCHEMA, HISTORY_SCHEMA, STATUS_SCHEMA

# `{claims}` is a subquery that yields the ids of the claims to decide.
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
             AND g.person_id IN (SELECT person_id FROM claims_claim WHERE id IN ({claims}))
             AND NOT EXISTS (SELECT 1 FROM claims_claim x WHERE x.id = g.claim_id AND x.id IN ({claims}))
           GROUP BY g.person_id) w ON w.person_id = c.person_id
WHERE c.id IN ({claims})
"""
_STATUS_SQL = """
SELECT s.person_id, s.kind, s.valid_from, s.valid_to FROM registry_personstatus s
WHERE s.person_id IN (SELECT person_id FROM claims_claim WHERE id IN ({claims}))
"""
# Past grants, not counting the grants of the claims being decided (a re-run decides them afresh).
# NOT EXISTS rather than NOT IN: PostgreSQL runs it as a hash anti-join however large the batch.
_HISTORY_SQL = """
SELECT g.person_id, g.subject, NULLIF(g.level_key, 0), g.end_date FROM claims_grant g
WHERE g.kind <> 'work_based'
  AND g.person_id IN (SELECT person_id FROM claims_claim WHERE id IN ({claims}))
  AND NOT EXISTS (SELECT 1 FROM claims_claim x WHERE x.id = g.claim_id AND x.id IN ({claims}))
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
    claims_sql: str, params: Sequence[Any] = (), *, bulk: bool = True
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(claims, statuses, history) frames for the claims whose ids `claims_sql` selects. `bulk`
    moves the rows by COPY on PostgreSQL; for a few claims a plain query answers sooner."""
    frames = []
    for sql, schema in ((_CLAIMS_SQL, CLAIM_SCHEMA), (_STATUS_SQL, STATUS_SCHEMA), (_HISTORY_SQL, HISTORY_SCHEMA)):
        # The subquery appears several times in a statement; each occurrence takes its parameters.
        frames.append(_frame(sql.format(claims=claims_sql), list(params) * sql.count("{claims}"), schema, bulk=bulk))
    return frames[0], frames[1], frames[2]


def claim_ids_sql(ids: Sequence[int]) -> tuple[str, list[int]]:
    """A subquery selecting the given claim ids."""
    if connection.vendor == "postgresql":
        return "SELECT unnest(%s::bigint[])", [list(ids)]
    return ",".join(["%s"] * len(ids)) or "NULL", list(ids)
