"""Roster import benchmark: N person rows from .xlsx into PostgreSQL, end to end, and COPY as the limit.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/skillfund_bench .venv/bin/python benchmarks/bench_import.py

The database named by DATABASE_URL is dropped and created afresh (its name must start with
`skillfund_bench`, so no other database can be dropped by mistake), migrated, and dropped again
at the end unless --keep is given. Run by hand; it prints seconds per phase.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

COUNTIES = ["150602", "150603", "150621", "150622", "150623", "150624", "150625", "150626", "150627", "150629"]
KINDS = ["建档立卡贫困劳动力", "两后生", "农村牧区转移劳动者", "退役军人", "就业困难人员", "残疾人"]


def recreate_database(url: str, *, drop_only: bool = False) -> None:
    """Drop and create the benchmark database named in `url` (only a skillfund_bench* one)."""
    import dj_database_url
    import psycopg

    cfg = dj_database_url.parse(url)
    name = cfg["NAME"]
    if not name.startswith("skillfund_bench") or "postgresql" not in cfg["ENGINE"]:
        raise SystemExit(f"refusing to recreate {name!r}: use a PostgreSQL database named skillfund_bench*")
    with psycopg.connect(
        host=cfg["HOST"] or "127.0.0.1",
        port=cfg["PORT"] or 5432,
        user=cfg["USER"] or "postgres",
        password=cfg["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str) -> None:
    import django
    from django.core.management import call_command

    os.environ["DATABASE_URL"] = url
    django.setup()
    t = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrate: {time.perf_counter() - t:.1f} s")


def id_number(i: int) -> str:
    """The i-th of a million distinct valid ID numbers."""
    from stdnum.cn import ric

    rest = i // len(COUNTIES)
    birth = date(1955, 1, 1) + timedelta(days=rest % 18000)
    body = f"{COUNTIES[i % len(COUNTIES)]}{birth:%Y%m%d}{rest // 18000:03d}"
    return body + ric.calc_check_digit(body + "0")


def person_rows(n: int):
    """n rows, one person each; two of three persons carry a status."""
    for i in range(n):
        status = (KINDS[i % len(KINDS)], date(2019 + i % 3, 1 + i % 12, 1)) if i % 3 else ("", "")
        yield [
            f"测试{i}",
            id_number(i),
            f"138{i:08d}",
            COUNTIES[i % len(COUNTIES)],
            "农业" if i % 2 else "非农业",
            COUNTIES[(i + 1) % len(COUNTIES)],
            COUNTIES[(i + 2) % len(COUNTIES)] if i % 4 == 0 else "",
            "否",
            status[0],
            status[1],
            "",
            "",
            "",
            "鄂尔多斯市建档立卡贫困劳动力名单" if status[0] else "",
        ]


def write_xlsx(path: Path, n: int) -> None:
    from openpyxl import Workbook

    from skillfund.registry.importing import COLUMNS

    wb = Workbook(write_only=True)
    sheet = wb.create_sheet("人员名册")
    sheet.append([c.zh for c in COLUMNS])
    for r in person_rows(n):
        sheet.append(r)
    wb.save(path)


def copy_limit(roster) -> float:
    """COPY the same persons and statuses, already encrypted, into scratch tables with the same indexes."""
    from django.db import connection

    from skillfund.registry import idnumbers

    now = time.time()
    persons = []
    for number, p in roster.persons.items():
        f = p.data().fields()
        persons.append(
            (
                idnumbers.encrypt(number),
                idnumbers.blind_index(number),
                idnumbers.mask(number),
                p.parsed.sex,
                p.parsed.birth_date,
                *(f[k] for k in ("name", "phone", "hukou_region", "hukou_rural", "residence_region", "job_region")),
                f["receives_pension"],
            )
        )
    cols = (
        "id_cipher, id_index, id_masked, sex, birth_date, name, phone, hukou_region, hukou_rural, "
        "residence_region, job_region, receives_pension, created_at, updated_at"
    )
    connection.ensure_connection()
    raw = connection.connection
    with raw.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_copy_person, bench_copy_status")
        cur.execute("CREATE TABLE bench_copy_person (LIKE registry_person INCLUDING ALL)")
        cur.execute("CREATE TABLE bench_copy_status (LIKE registry_personstatus INCLUDING ALL)")
    t = time.perf_counter()
    with raw.cursor() as cur:
        stamp = time.strftime("%Y-%m-%d %H:%M:%S+00", time.gmtime(now))
        with cur.copy(f"COPY bench_copy_person ({cols}) FROM STDIN") as copy:
            for row in persons:
                copy.write_row((*row, stamp, stamp))
        cur.execute("SELECT id, id_index FROM bench_copy_person")
        pk_of = dict((index, pk) for pk, index in cur.fetchall())
        by_number = {n: pk_of[idnumbers.blind_index(n)] for n in roster.persons}
        with cur.copy(
            "COPY bench_copy_status (person_id, kind, valid_from, valid_to, source_document, created_at) FROM STDIN"
        ) as copy:
            for s in roster.statuses:
                copy.write_row((by_number[s.id_number], s.kind, s.valid_from, s.valid_to, s.source_document, stamp))
    elapsed = time.perf_counter() - t
    with raw.cursor() as cur:
        cur.execute("DROP TABLE bench_copy_person, bench_copy_status")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database afterwards")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/skillfund_bench")
    recreate_database(url)
    setup_django(url)

    from skillfund.registry.importing import read_roster, roster_import
    from skillfund.registry.models import Person, PersonStatus

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "roster.xlsx"
        t = time.perf_counter()
        write_xlsx(path, args.rows)
        print(
            f"generate {args.rows:,} rows to .xlsx ({path.stat().st_size / 1e6:.1f} MB): {time.perf_counter() - t:.1f} s"
        )

        marks: dict[str, float] = {}

        def progress(phase: str, total: int):
            marks[phase] = time.perf_counter()
            return lambda n: None

        for run in ("first import", "re-import (no changes)"):
            marks.clear()
            t0 = time.perf_counter()
            result = roster_import(actor=None, file=path, progress=progress)
            end = time.perf_counter()
            v, w = marks["校验 validating"], marks["写入 writing"]
            print(
                f"{run}: total {end - t0:.1f} s = read .xlsx {v - t0:.1f} s + validate {w - v:.1f} s "
                f"+ write {end - w:.1f} s  (created {result.persons_created:,} persons, "
                f"{result.statuses_created:,} statuses; updated {result.change_requests:,})"
            )
        print(f"database now holds {Person.objects.count():,} persons, {PersonStatus.objects.count():,} statuses")

        roster = read_roster(path)
        print(f"limit: PostgreSQL COPY of the same rows (encryption excluded): {copy_limit(roster):.1f} s")

    from django.db import connection

    connection.close()
    if not args.keep:
        recreate_database(url, drop_only=True)


if __name__ == "__main__":
    main()
