"""Rules-engine benchmark: the reference data set's 1,000,000 claims through `policy.engine.decide`.

    .venv/bin/python benchmarks/bench_engine.py            # full set: 500k persons, 3M history, 1M claims
    .venv/bin/python benchmarks/bench_engine.py --small    # 5k / 30k / 10k (counts not checked)
    .venv/bin/python benchmarks/bench_engine.py --data DIR # Parquet files already written by synth.py

The data set comes from ../shared/bench/synth.py (seeded, deterministic), written once into
benchmarks/out/{full,small} (git-ignored) and reused. No database is involved: the Parquet files
are read and mapped to the engine's facts (policy/facts.py), then `decide` runs --runs times.
Printed: data preparation and decide seconds (best and median), claims/s, peak memory, the
reference counts (OK/MISMATCH), and the time to render explanations on demand.

Peak memory: the process's peak resident set (ru_maxrss), and the peak during `decide` alone,
measured by resetting the kernel's high-water mark (/proc/self/clear_refs) before each run and
reading VmHWM after it. tracemalloc is not used: polars allocates outside Python's allocator.
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SYNTH = Path(os.environ.get("SKILLFUND_BENCH_SYNTH", ROOT.parent / "shared" / "bench" / "synth.py"))
OUT = ROOT / "benchmarks" / "out"
FILES = ("persons", "statuses", "history", "claims", "catalog")

# ../shared/bench/README.md: what an engine deciding the same thing must find on the full set.
REFERENCE = {
    "granted": 625_492,
    "failing §3.3.a": 125_078,
    "failing §3.3.b": 266_691,
    "failing §3.3.c": 20_454,
    "free among granted": 72_274,
    "with a living allowance": 35_630,
}


def ensure_data(data: Path | None, small: bool) -> Path:
    """The Parquet files: --data as given, or synth.py's output cached under benchmarks/out/."""
    if data is not None:
        return data
    folder = OUT / ("small" if small else "full")
    if not all((folder / f"{name}.parquet").exists() for name in FILES):
        print(f"writing the reference data set into {folder} with {SYNTH}")
        subprocess.run([sys.executable, str(SYNTH), "--out", str(folder), *(["--small"] if small else [])], check=True)
    return folder


def read_parquet(folder: Path):
    import polars as pl

    return {name: pl.read_parquet(folder / f"{name}.parquet") for name in FILES}


def to_facts(raw):
    """The data set as the engine's facts: regions as text, money in fen, one funding mode."""
    import polars as pl

    claims = (
        raw["claims"]
        .join(raw["persons"], on="person_id", how="left")
        .join(raw["catalog"], on=["occupation", "level"], how="left")
        .select(
            "claim_id",
            "person_id",
            pl.lit("individual").alias("funding_mode"),
            # Region codes as text, as the engine takes them (§3.3.a compares their leading digits);
            # synth.py's numbers 1–30 are shorter than any level's prefix, so at every level of
            # training_place_level they compare exactly, as the reference counts assume.
            *(pl.col(c).cast(pl.String) for c in ("training_region", "hukou_region", "residence_region", "job_region")),
            pl.col("rural").alias("hukou_rural"),
            "pension",
            pl.col("certificate").cast(pl.String),
            "occupation",
            "level",
            "start_date",
            "end_date",
            (pl.col("standard").cast(pl.Int64) * 100).alias("standard"),  # whole CNY -> fen
        )
    )
    return claims, raw["statuses"], raw["history"]


def counts(decided) -> dict[str, int]:
    import polars as pl

    from skillfund.policy.engine import check_column
    from skillfund.policy.rules import RULES

    def failing(clause: str) -> pl.Expr:
        cols = [pl.col(check_column(r)) for r in RULES if r.clause == clause]
        return pl.any_horizontal((~c).fill_null(False) for c in cols).sum()

    row = decided.select(
        pl.col("eligible").sum().alias("granted"),
        failing("§3.3.a").alias("failing §3.3.a"),
        failing("§3.3.b").alias("failing §3.3.b"),
        failing("§3.3.c").alias("failing §3.3.c"),
        (pl.col("eligible") & pl.col("free")).sum().alias("free among granted"),
        (pl.col("living_allowance") > 0).sum().alias("with a living allowance"),
    ).row(0, named=True)
    return {k: int(v) for k, v in row.items()}


def check_counts(found: dict[str, int], full: bool) -> bool:
    ok = True
    for name, value in found.items():
        if full:
            expected = REFERENCE[name]
            verdict = "OK" if value == expected else f"MISMATCH (reference {expected:,})"
            ok &= value == expected
        else:
            verdict = "(reference counts are for the full set only)"
        print(f"  {name:<24} {value:>9,}  {verdict}")
    return ok


def rss_mb(field: str) -> float:
    """VmHWM / VmRSS of this process from /proc, in MB (0 where /proc is unavailable)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")  # Linux: reset VmHWM to the current RSS
        return True
    except OSError:
        return False


def render_explanations(decided, n: int) -> None:
    """Messages are rendered on demand from a decided row: show a few, then time n of them."""
    import polars as pl

    from skillfund.policy.explain import explain

    samples = [
        (
            "granted, free, with living allowance",
            pl.col("eligible") & pl.col("free") & (pl.col("living_allowance") > 0),
        ),
        ("refused: §3.3.a and §3.3.c", ~pl.col("chk_training_place") & ~pl.col("chk_no_pension")),
        ("refused: §3.3.b annual cap", ~pl.col("chk_annual_cap")),
        ("refused: §3.3.b repeat", ~pl.col("chk_no_repeat")),
    ]
    for title, condition in samples:
        picked = decided.filter(condition).head(1)
        if picked.is_empty():
            continue
        row = picked.row(0, named=True)
        print(f"\n  claim {row['claim_id']} — {title}")
        for line in explain(row):
            print(f"    [{line.clause} {line.status:<14}] {line.zh}")
            print(f"    {'':<23} {line.en}")
    t = time.perf_counter()
    rows = decided.slice(0, n).to_dicts()
    t_rows = time.perf_counter() - t
    t = time.perf_counter()
    lines = sum(len(explain(r)) for r in rows)
    t_render = time.perf_counter() - t
    print(
        f"\n  render {len(rows):,} explanations ({lines:,} lines, zh+en): {t_render:.2f} s "
        f"({t_render / len(rows) * 1e6:.0f} µs each) + {t_rows:.2f} s to take the rows out of the frame"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, help="folder with synth.py's Parquet files (default: generate once)")
    parser.add_argument("--small", action="store_true", help="the small set (5k persons, 10k claims)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--explain", type=int, default=10_000, help="explanations to render and time")
    args = parser.parse_args()

    folder = ensure_data(args.data, args.small)

    import polars as pl

    from skillfund.policy import engine
    from skillfund.policy.parameters import ParameterSet

    params = ParameterSet.load(Path(os.environ.get("SKILLFUND_POLICY_DATA", ROOT / "policy_data")) / "parameters")
    print(
        f"data {folder}; polars {pl.__version__}, {pl.thread_pool_size()} threads, {os.cpu_count()} cores; "
        f"load average {os.getloadavg()[0]:.2f}"
    )

    prep, dec, total, peaks = [], [], [], []
    process_peak = 0.0  # VmHWM is reset before each decide, so the lifetime peak is kept here
    decided = None
    for run in range(1, args.runs + 1):
        decided = None
        gc.collect()
        t0 = time.perf_counter()
        raw = read_parquet(folder)
        t1 = time.perf_counter()
        claims, statuses, history = to_facts(raw)
        t2 = time.perf_counter()
        before = rss_mb("VmRSS")
        process_peak = max(process_peak, rss_mb("VmHWM"))
        measured = reset_peak()
        t3 = time.perf_counter()
        decided = engine.decide(claims, statuses, history, params)
        t4 = time.perf_counter()
        peak = rss_mb("VmHWM") if measured else float("nan")
        prep.append(t2 - t0)
        dec.append(t4 - t3)
        total.append(t2 - t0 + t4 - t3)
        peaks.append((before, peak))
        print(
            f"run {run}: prepare {t2 - t0:.2f} s (read Parquet {t1 - t0:.2f} + map to facts {t2 - t1:.2f})  "
            f"decide {t4 - t3:.2f} s  total {t2 - t0 + t4 - t3:.2f} s  "
            f"RSS before decide {before:,.0f} MB, peak during decide {peak:,.0f} MB; load {os.getloadavg()[0]:.2f}"
        )
        del raw, claims, statuses, history

    n = decided.height
    best, med = min(dec), statistics.median(dec)
    print(f"\n{n:,} claims, {len(engine.RULES)} checks each ({decided.width} columns out)")
    print(f"  prepare (read + map)  best {min(prep):.2f} s   median {statistics.median(prep):.2f} s")
    print(
        f"  decide                best {best:.2f} s   median {med:.2f} s   "
        f"-> {n / best:,.0f} claims/s (best), {n / med:,.0f} claims/s (median)"
    )
    print(
        f"  prepare + decide      best {min(total):.2f} s   median {statistics.median(total):.2f} s   "
        f"-> {n / min(total):,.0f} claims/s including preparation"
    )
    process_peak = max(process_peak, rss_mb("VmHWM"), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    before, peak = max(peaks, key=lambda p: p[1] - p[0])
    print(
        f"  peak memory: process {process_peak:,.0f} MB RSS (VmHWM/ru_maxrss over the whole run); during decide "
        f"at most {peak:,.0f} MB RSS, {peak - before:,.0f} MB above the {before:,.0f} MB held before it"
    )
    print("\ncounts:")
    ok = check_counts(counts(decided), full=not args.small and decided.height == 1_000_000)
    render_explanations(decided, args.explain)
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
