"""Look-up benchmark: one person by full ID number among 1,000,000, through the blind index.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/skillfund_bench .venv/bin/python benchmarks/bench_lookup.py

Recreates the skillfund_bench* database named by DATABASE_URL, fills it with N persons (default
1,000,000; each row's ciphertext and blind index computed once, then COPY), and times 1,000
`registry.selectors.person_by_id_number` calls: median, p95 and max in milliseconds.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_import import COUNTIES, id_number, recreate_database, setup_django


def fill(n: int) -> list[str]:
    from django.db import connection

    from skillfund.registry import idnumbers

    t = time.perf_counter()
    numbers = [id_number(i) for i in range(n)]
    print(f"generate {n:,} valid ID numbers: {time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    rows = [
        (
            idnumbers.encrypt(number),
            idnumbers.blind_index(number),
            idnumbers.mask(number),
            "M" if int(number[16]) % 2 else "F",
            f"{number[6:10]}-{number[10:12]}-{number[12:14]}",
            f"测试{i}",
            COUNTIES[i % len(COUNTIES)],
        )
        for i, number in enumerate(numbers)
    ]
    print(f"encrypt + blind index, once per row: {time.perf_counter() - t:.1f} s")
    now = datetime.now(UTC)
    t = time.perf_counter()
    connection.ensure_connection()
    with connection.connection.cursor() as cur:
        sql = (
            "COPY registry_person (id_cipher, id_index, id_masked, sex, birth_date, name, hukou_region, "
            "residence_region, phone, job_region, hukou_rural, receives_pension, created_at, updated_at) FROM STDIN"
        )
        with cur.copy(sql) as copy:
            for cipher, index, masked, sex, birth, name, region in rows:
                copy.write_row(
                    (cipher, index, masked, sex, birth, name, region, region, "", "", False, False, now, now)
                )
        cur.execute("ANALYZE registry_person")
    print(f"COPY {n:,} persons into registry_person (unique blind index maintained): {time.perf_counter() - t:.1f} s")
    return numbers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--lookups", type=int, default=1_000)
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database afterwards")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/skillfund_bench")
    recreate_database(url)
    setup_django(url)

    from django.db import connection

    from skillfund.registry import idnumbers
    from skillfund.registry.selectors import person_by_id_number

    numbers = fill(args.persons)
    rng = random.Random(2019)
    sample = rng.sample(numbers, args.lookups)
    person_by_id_number(sample[0])  # open the connection outside the timing
    times = []
    for number in sample:
        t = time.perf_counter()
        person = person_by_id_number(number)
        times.append((time.perf_counter() - t) * 1000)
        assert person is not None and person.id_masked == idnumbers.mask(number)
    times.sort()
    p95 = times[int(len(times) * 0.95) - 1]
    print(
        f"{args.lookups:,} look-ups among {args.persons:,}: median {statistics.median(times):.3f} ms, "
        f"p95 {p95:.3f} ms, max {times[-1]:.3f} ms"
    )
    with connection.cursor() as cur:
        cur.execute("EXPLAIN SELECT * FROM registry_person WHERE id_index = %s", [idnumbers.blind_index(sample[0])])
        print("plan:", " / ".join(r[0].strip() for r in cur.fetchall()))
    connection.close()
    if not args.keep:
        recreate_database(url, drop_only=True)


if __name__ == "__main__":
    main()
