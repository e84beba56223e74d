"""Batch-decision benchmark, end to end from PostgreSQL and back: 1,000,000 claims of the reference set.

    .venv/bin/python benchmarks/bench_claims_pg.py            # full set (500k persons, 3M grants, 1M claims)
    .venv/bin/python benchmarks/bench_claims_pg.py --small    # 5k / 30k / 10k
    .venv/bin/python benchmarks/bench_claims_pg.py --keep     # keep the database (bench_online.py --large uses it)

A fresh database `skillfund_bench_claims` (DATABASE_URL may name another skillfund_bench* one) is
created, migrated and filled with the reference data set (../shared/bench/synth.py, cached in
benchmarks/out/ by bench_engine.py) in the real schema, by COPY:

- persons   -> registry_person (id = person_id + 1; placeholder ciphertext, blind index and masked
               ID, unique per person; regions 1-9 -> the nine Ordos codes, 10-30 -> 21 real codes
               elsewhere);
- statuses  -> registry_personstatus (one pair of rows with the same person, kind and start is
               merged into one with the longer validity: the same status on every date);
- history   -> for every past subsidy a granted claims_claim (batch 'history'), a minimal
               claims_decision (purpose grant, facts {}) and its claims_grant: 3,000,000 of each;
- claims    -> claims_claim with batch 'bench' (id = 10,000,000 + claim_id: after the past claims'
               ids, as in a live database, and in the reference's (end_date, claim_id) order;
               subject = occupation, standard from the catalog).

Then it times (a) the COPY in of the 1M claim rows, (b) reading the facts (claims.facts.load_facts),
(c) engine.decide, (d) claims.decisions.store_decisions (purpose decision), and (b)+(c)+(d); and as
the limit, PostgreSQL COPY of the same rows: the 1M claim rows out and in, the 1M decision rows out
and in (into scratch tables with the same columns and indexes; decisions also into claims_decision
itself, rolled back). The decided counts are checked against the reference both in memory and
from the stored decisions' check bits. The database is dropped at the end unless --keep.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_engine import REFERENCE, check_counts, counts, ensure_data, read_parquet, rss_mb  # noqa: E402
from bench_import import recreate_database, setup_django  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "0")  # as in production: no per-query log

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/skillfund_bench_claims"
ORDOS = ["150602", "150603", "150621", "150622", "150623", "150624", "150625", "150626", "150627"]
# 21 real county-level codes outside Ordos: Hohhot, Baotou, Wuhai, Bayannur, Ulanqab, Yulin, Datong, Yinchuan.
ELSEWHERE = [
    "150102", "150103", "150104", "150105", "150202", "150203", "150204", "150205", "150206", "150207",
    "150302", "150802", "150821", "150902", "610802", "610803", "610822", "140213", "640104", "640105", "640106",
]  # fmt: skip
REGION_CODE = {i + 1: code for i, code in enumerate(ORDOS)} | {i + 10: code for i, code in enumerate(ELSEWHERE)}
# As in a live database, the past claims came first: they take ids 1..3,000,000 and the batch's claims
# come after them, in synth's claim_id order (so the engine's (end_date, claim_id) order is the reference's).
BATCH_CLAIM_ID0 = 10_000_000


def raw_cursor():
    from django.db import connection

    connection.ensure_connection()
    return connection.connection.cursor()


def copy_in(table: str, frame, *, cur=None) -> float:
    """COPY a frame (columns named as the table's) into `table`; seconds including CSV writing."""
    t = time.perf_counter()
    buffer = io.BytesIO()
    frame.write_csv(buffer, include_header=False)
    buffer.seek(0)
    own = cur is None
    cur = cur or raw_cursor()
    try:
        with cur.copy(f"COPY {table} ({', '.join(frame.columns)}) FROM STDIN WITH (FORMAT csv)") as copy:
            while block := buffer.read(1 << 20):
                copy.write(block)
    finally:
        if own:
            cur.close()
    return time.perf_counter() - t


def copy_out(sql: str, *, cur=None) -> tuple[float, bytes]:
    t = time.perf_counter()
    buffer = io.BytesIO()
    own = cur is None
    cur = cur or raw_cursor()
    try:
        with cur.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)") as copy:
            for block in copy:
                buffer.write(block)
    finally:
        if own:
            cur.close()
    return time.perf_counter() - t, buffer.getvalue()


def region(col: str):
    import polars as pl

    return pl.col(col).replace_strict(REGION_CODE, return_dtype=pl.String, default=None)


def claim_frame(frame, *, stamp: str, batch: str, status: str):
    """claims_claim rows from a frame with id, person_id, training_region, occupation, level, dates,
    certificate_kind and standard (whole CNY)."""
    import polars as pl

    return frame.select(
        "id",
        pl.format("{}{}", pl.lit(batch[0].upper()), pl.col("id")).alias("reference"),
        pl.lit(batch).alias("batch"),
        pl.lit("individual").alias("kind"),
        "person_id",
        "training_region",
        "start_date",
        "end_date",
        "certificate_kind",
        pl.lit("").alias("certificate_number"),
        pl.col("occupation").cast(pl.String).alias("subject"),
        "level",
        pl.col("standard").cast(pl.Decimal(12, 2)).alias("standard"),
        pl.lit(0).alias("months"),
        pl.lit(status).alias("status"),
        pl.lit(stamp).alias("created_at"),
        pl.lit(stamp).alias("updated_at"),
    )


def load_reference(raw, stamp: str, *, batch_only: bool = False) -> tuple[float, object]:
    """Persons, statuses and history into the schema; returns (seconds, the batch's claim rows)."""
    import polars as pl

    persons = raw["persons"].with_columns(id=pl.col("person_id").cast(pl.Int64) + 1)
    catalog = raw["catalog"]
    t0 = time.perf_counter()
    if batch_only:
        return 0.0, batch_claims(raw, persons, catalog, stamp)
    digits = pl.col("id").cast(pl.String).str.zfill(16)
    t = copy_in(
        "registry_person",
        persons.select(
            "id",
            pl.format("\\x{}", digits).alias("id_cipher"),  # 8 placeholder bytes, unique per person
            pl.format("bench{}", pl.col("id").cast(pl.String).str.zfill(59)).alias("id_index"),
            pl.format("BENCH{}", pl.col("id").cast(pl.String).str.zfill(13)).alias("id_masked"),
            pl.format("测试{}", pl.col("id")).alias("name"),
            pl.lit("M").alias("sex"),
            pl.lit("1980-01-01").alias("birth_date"),
            pl.lit("").alias("phone"),
            region("hukou_region").alias("hukou_region"),
            pl.col("rural").alias("hukou_rural"),
            region("residence_region").alias("residence_region"),
            region("job_region").fill_null("").alias("job_region"),
            pl.col("pension").alias("receives_pension"),
            pl.lit(stamp).alias("created_at"),
            pl.lit(stamp).alias("updated_at"),
        ),
    )
    print(f"  COPY {persons.height:>9,} persons  -> registry_person        {t:6.1f} s")

    statuses = (
        raw["statuses"]
        .with_columns(pl.col("kind").cast(pl.String), open_=pl.col("valid_to").is_null())
        .group_by("person_id", "kind", "valid_from", maintain_order=True)
        .agg(pl.when(~pl.col("open_").any()).then(pl.col("valid_to").max()).alias("valid_to"))
    )
    t = copy_in(
        "registry_personstatus",
        statuses.select(
            (pl.col("person_id").cast(pl.Int64) + 1).alias("person_id"),
            "kind",
            "valid_from",
            "valid_to",
            pl.lit("").alias("source_document"),
            pl.lit(stamp).alias("created_at"),
        ),
    )
    print(
        f"  COPY {statuses.height:>9,} statuses -> registry_personstatus  {t:6.1f} s"
        f"  ({raw['statuses'].height - statuses.height} duplicate start merged)"
    )

    history = (
        raw["history"]
        .join(persons.select("person_id", "id", "hukou_region"), on="person_id")
        .join(catalog, on=["occupation", "level"], how="left")
        .with_row_index("n", offset=1)
        .select(
            pl.col("n").cast(pl.Int64).alias("claim_id"),
            pl.col("n").cast(pl.Int64).alias("decision_id"),
            pl.col("id").alias("person_id"),
            region("hukou_region").alias("training_region"),
            "occupation",
            "level",
            pl.col("end_date").alias("start_date"),
            "end_date",
            pl.lit("skill_level").alias("certificate_kind"),
            "standard",
        )
    )
    t = copy_in(
        "claims_claim",
        claim_frame(history.rename({"claim_id": "id"}), stamp=stamp, batch="history", status="granted"),
    )
    print(f"  COPY {history.height:>9,} past claims  -> claims_claim       {t:6.1f} s")
    t = copy_in(
        "claims_decision",
        history.select(
            pl.col("decision_id").alias("id"),
            "claim_id",
            pl.lit("grant").alias("purpose"),
            pl.lit(stamp).alias("decided_at"),
            pl.lit("bench-history").alias("rules_version"),
            pl.lit(True).alias("eligible"),
            pl.col("standard").cast(pl.Decimal(12, 2)).alias("subsidy"),
            *(pl.lit(0).alias(c) for c in ("trainee_share", "living_allowance", "advance", "months_subsidized")),
            pl.lit(False).alias("free"),
            *(pl.lit(0).alias(c) for c in ("checked_mask", "failed_mask")),
            pl.lit("{}").alias("facts"),
        ),
    )
    print(f"  COPY {history.height:>9,} past decisions -> claims_decision  {t:6.1f} s")
    t = copy_in(
        "claims_grant",
        history.select(
            "person_id",
            "claim_id",
            "decision_id",
            pl.lit("individual").alias("kind"),
            pl.col("occupation").cast(pl.String).alias("subject"),
            pl.col("level").alias("level_key"),
            pl.col("end_date").dt.year().alias("year"),
            "end_date",
            pl.lit(0).alias("months"),
            pl.col("standard").cast(pl.Decimal(12, 2)).alias("amount"),
            pl.lit(stamp).alias("granted_at"),
            pl.lit("policy").alias("origin"),  # decided here: a claim and a decision each
            *(
                pl.lit("").alias(c)
                for c in ("certificate_kind", "certificate_number", "granting_unit", "source_system")
            ),
        ),
    )
    print(f"  COPY {history.height:>9,} grants -> claims_grant             {t:6.1f} s")

    return time.perf_counter() - t0, batch_claims(raw, persons, catalog, stamp)


def batch_claims(raw, persons, catalog, stamp: str):
    """The 1M claims as claims_claim rows with batch 'bench'."""
    import polars as pl

    claims = (
        raw["claims"]
        .join(persons.select("person_id", "id"), on="person_id")
        .join(catalog, on=["occupation", "level"], how="left")
        .select(
            (pl.col("claim_id").cast(pl.Int64) + BATCH_CLAIM_ID0).alias("id"),
            pl.col("id").alias("person_id"),
            region("training_region").alias("training_region"),
            "occupation",
            "level",
            "start_date",
            "end_date",
            pl.col("certificate").cast(pl.String).fill_null("").alias("certificate_kind"),
            "standard",
        )
        .sort("id")
    )
    return claim_frame(claims, stamp=stamp, batch="bench", status="submitted")


def facts_plan_cost(where: str, sql_params: list) -> dict[str, float]:
    """The planner's total cost of each statement load_facts will send (to refuse a quadratic plan)."""
    import json

    from django.db import connection

    from skillfund.claims import facts

    out = {}
    with connection.cursor() as cur:
        for name in ("_CLAIMS_SQL", "_STATUS_SQL", "_HISTORY_SQL"):
            sql = getattr(facts, name)
            cur.execute(f"EXPLAIN (FORMAT json) {sql.format(where=where)}", sql_params * sql.count("{where}"))
            plan = cur.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            out[name] = plan[0]["Plan"]["Total Cost"]
    return out


def reset_sequences(cur) -> None:
    for table in ("registry_person", "registry_personstatus", "claims_claim", "claims_decision", "claims_grant"):
        cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")


def stored_counts(cur, after_id: int) -> dict[str, int]:
    """The same counts, read back from the stored decisions' check bits (RULES order), for the
    decisions with ids above `after_id` (the last run's)."""
    from skillfund.policy.rules import RULES

    def bits(clause: str) -> int:
        return sum(1 << i for i, r in enumerate(RULES) if r.clause == clause)

    cur.execute(
        f"""SELECT count(*) FILTER (WHERE eligible),
                   count(*) FILTER (WHERE failed_mask & {bits("§3.3.a")} <> 0),
                   count(*) FILTER (WHERE failed_mask & {bits("§3.3.b")} <> 0),
                   count(*) FILTER (WHERE failed_mask & {bits("§3.3.c")} <> 0),
                   count(*) FILTER (WHERE eligible AND free),
                   count(*) FILTER (WHERE living_allowance > 0),
                   count(*)
            FROM claims_decision d JOIN claims_claim c ON c.id = d.claim_id
            WHERE d.purpose = 'decision' AND c.batch = 'bench' AND d.id > %s""",
        [after_id],
    )
    row = cur.fetchone()
    return dict(zip([*REFERENCE, "stored decisions"], row, strict=True))


def limit(cur, n_claims: int) -> dict[str, float]:
    """PostgreSQL COPY of the same rows: claims and decisions out, and in (same columns and indexes)."""
    from skillfund.claims.decisions import DECISION_COLUMNS

    claim_cols = (
        "id, reference, batch, kind, person_id, training_region, start_date, end_date, certificate_kind, "
        "certificate_number, subject, level, standard, months, status, created_at, updated_at"
    )
    dec_cols = ", ".join(DECISION_COLUMNS)
    out = {}
    out["claims out"], claims_csv = copy_out(f"SELECT {claim_cols} FROM claims_claim WHERE batch = 'bench'", cur=cur)
    out["decisions out"], dec_csv = copy_out(
        f"SELECT {dec_cols} FROM claims_decision WHERE purpose = 'decision' ORDER BY id DESC LIMIT {n_claims}", cur=cur
    )
    cur.execute("DROP TABLE IF EXISTS bench_copy_claim, bench_copy_decision")
    cur.execute("CREATE TABLE bench_copy_claim (LIKE claims_claim INCLUDING ALL)")
    cur.execute("CREATE TABLE bench_copy_decision (LIKE claims_decision INCLUDING ALL)")
    for name, table, cols, data in (
        ("claims in", "bench_copy_claim", claim_cols, claims_csv),
        ("decisions in", "bench_copy_decision", dec_cols, dec_csv),
    ):
        t = time.perf_counter()
        with cur.copy(f"COPY {table} ({cols}) FROM STDIN WITH (FORMAT csv)") as copy:
            for i in range(0, len(data), 1 << 20):
                copy.write(data[i : i + (1 << 20)])
        out[name] = time.perf_counter() - t
    # The same decision rows into claims_decision itself (foreign key to the claim checked), undone.
    cur.execute("BEGIN")
    t = time.perf_counter()
    with cur.copy(f"COPY claims_decision ({dec_cols}) FROM STDIN WITH (FORMAT csv)") as copy:
        for i in range(0, len(dec_csv), 1 << 20):
            copy.write(dec_csv[i : i + (1 << 20)])
    out["decisions in (claims_decision, rolled back)"] = time.perf_counter() - t
    cur.execute("ROLLBACK")
    cur.execute("DROP TABLE bench_copy_claim, bench_copy_decision")
    out["_bytes"] = (len(claims_csv), len(dec_csv))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, help="folder with synth.py's Parquet files (default: generate once)")
    parser.add_argument("--small", action="store_true", help="the small set (5k persons, 10k claims)")
    parser.add_argument("--runs", type=int, default=1, help="decide + store this many times (fresh decisions each)")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database afterwards")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="reuse a kept database: keep persons, statuses and history, delete and re-COPY the batch",
    )
    args = parser.parse_args()
    url = os.environ.get("BENCH_CLAIMS_DATABASE_URL", DEFAULT_URL)

    folder = ensure_data(args.data, args.small)
    print(f"data {folder}; load average {os.getloadavg()[0]:.2f}")
    if args.reuse:
        import django

        os.environ["DATABASE_URL"] = url
        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)  # the schema may have moved on since the database was kept
    else:
        recreate_database(url)
        setup_django(url)  # sets DATABASE_URL in this process's environment, django.setup(), migrate

    from django.db import connection

    from skillfund.claims.decisions import store_decisions
    from skillfund.claims.facts import load_facts
    from skillfund.claims.whatif import changed_parameters
    from skillfund.policy import engine
    from skillfund.policy.parameters import default_parameters

    raw = read_parquet(folder)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S+00")
    if args.reuse:
        with raw_cursor() as cur:
            t = time.perf_counter()
            cur.execute(
                "DELETE FROM claims_decision d USING claims_claim c WHERE c.id = d.claim_id AND c.batch = 'bench'"
            )
            # Claims refuse DELETE (migration claims 0005); the benchmark's own batch is the exception.
            cur.execute("ALTER TABLE claims_claim DISABLE TRIGGER claims_claim_kept")
            cur.execute("DELETE FROM claims_claim WHERE batch = 'bench'")
            cur.execute("ALTER TABLE claims_claim ENABLE TRIGGER claims_claim_kept")
            cur.execute("VACUUM claims_claim, claims_decision")
            print(f"reusing the database: the batch's claims and decisions deleted in {time.perf_counter() - t:.1f} s")
        seconds, batch = load_reference(raw, stamp, batch_only=True)
    else:
        print("loading the reference data into the schema:")
        seconds, batch = load_reference(raw, stamp)
    del raw
    a = copy_in("claims_claim", batch)
    print(f"  (a) COPY {batch.height:>9,} claims -> claims_claim (batch 'bench')  {a:6.1f} s")
    print(f"  all loading: {seconds + a:.1f} s")
    n_claims = batch.height
    del batch
    with raw_cursor() as cur:
        reset_sequences(cur)
        t = time.perf_counter()
        cur.execute("VACUUM ANALYZE")
        print(f"  VACUUM ANALYZE (a loaded database at rest): {time.perf_counter() - t:.1f} s")
        cur.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        print(f"  database size {cur.fetchone()[0]}")

    # The reference set (../shared/bench) compares the place of training by exact county code; its
    # regions 1-9 are Ordos's nine codes here, which the Ordos level (prefecture, §3.3.a) would match.
    params = changed_parameters(default_parameters(), {"training_place_level": "county"})
    where, sql_params = "c.batch = %s", ["bench"]
    costs = facts_plan_cost(where, sql_params)
    print("\nfacts SQL planner cost " + ", ".join(f"{k.strip('_')} {v:,.0f}" for k, v in costs.items()))
    if max(costs.values()) > 1e9:
        raise SystemExit("a facts query is planned as a quadratic subplan: claims/facts.py regressed")
    # Per-statement split of (b): wrap facts._frame (one call per statement, in load_facts's order).
    from skillfund.claims import facts as facts_module

    frame_seconds: list[float] = []
    plain_frame = facts_module._frame

    def timed_frame(*a, **k):
        t = time.perf_counter()
        try:
            return plain_frame(*a, **k)
        finally:
            frame_seconds.append(time.perf_counter() - t)

    facts_module._frame = timed_frame
    results = []
    for run in range(1, args.runs + 1):
        frame_seconds.clear()
        print(f"\nrun {run} (load average {os.getloadavg()[0]:.2f}):")
        with raw_cursor() as cur:
            cur.execute("SELECT coalesce(max(id), 0) FROM claims_decision")
            last_id = cur.fetchone()[0]
            # Each run starts on a database at rest: the load's (or the last run's) gigabytes of dirty
            # pages are written out first instead of by the checkpointer in the middle of the run.
            t = time.perf_counter()
            cur.execute("CHECKPOINT")
            print(f"  CHECKPOINT first (not timed): {time.perf_counter() - t:.1f} s")
        t0 = time.perf_counter()
        claims, statuses, history = load_facts(where, sql_params)
        t1 = time.perf_counter()
        print(
            f"  (b) read the facts: {t1 - t0:6.2f} s  ({claims.height:,} claims, {statuses.height:,} statuses, "
            f"{history.height:,} past grants)"
        )
        print(
            "      = "
            + " + ".join(
                f"{n} {x:.2f} s" for n, x in zip(("claims", "statuses", "history"), frame_seconds, strict=False)
            )
        )
        decided = engine.decide(claims, statuses, history, params)
        t2 = time.perf_counter()
        print(f"  (c) decide:         {t2 - t1:6.2f} s")
        stored = store_decisions(decided, purpose="decision", params=params)
        t3 = time.perf_counter()
        print(f"  (d) store {stored:,} decisions: {t3 - t2:6.2f} s")
        print(
            f"  (b)+(c)+(d) = {t3 - t0:.2f} s  -> {n_claims / (t3 - t0):,.0f} claims/s end to end; "
            f"RSS peak {rss_mb('VmHWM'):,.0f} MB"
        )
        results.append((t1 - t0, t2 - t1, t3 - t2, t3 - t0))
        del claims, statuses, history

    print("\ncounts (in memory, from the engine's frame):")
    ok = check_counts(counts(decided), full=n_claims == 1_000_000)
    with raw_cursor() as cur:
        found = stored_counts(cur, last_id)
    print("counts (from the stored decisions' check bits):")
    n_stored = found.pop("stored decisions")
    ok &= check_counts(found, full=n_claims == 1_000_000)
    print(f"  decisions stored by the last run: {n_stored:,}")
    del decided

    with raw_cursor() as cur:
        lim = limit(cur, n_claims)
    claims_bytes, dec_bytes = lim.pop("_bytes")
    best = min(results, key=lambda r: r[3])
    print(
        f"\nsummary, {n_claims:,} claims (best of {len(results)} run(s); median total "
        f"{statistics.median(r[3] for r in results):.2f} s):"
    )
    print(f"  (a) COPY in of the claim rows                {a:6.2f} s")
    print(f"  (b) read the facts (load_facts)              {best[0]:6.2f} s")
    print(f"  (c) decide (engine.decide)                   {best[1]:6.2f} s")
    print(f"  (d) store the decisions (store_decisions)    {best[2]:6.2f} s")
    print(
        f"  (b)+(c)+(d) end to end                       {best[3]:6.2f} s   target <= 30 s: "
        f"{'met' if best[3] <= 30 else 'NOT met'}"
    )
    print(
        f"  limit, PostgreSQL COPY of the same rows (claims {claims_bytes / 1e6:.0f} MB, "
        f"decisions {dec_bytes / 1e6:.0f} MB as CSV):"
    )
    for name, seconds in lim.items():
        print(f"    {name:<45}{seconds:6.2f} s")
    print(
        f"    claims out + decisions in (what (b)..(d) must move) {lim['claims out'] + lim['decisions in']:6.2f} s;"
        f" all four {sum(v for k, v in lim.items() if 'rolled' not in k):6.2f} s"
    )

    connection.close()
    if not args.keep:
        recreate_database(url, drop_only=True)
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
