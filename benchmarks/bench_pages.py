"""Every list page, queue and dashboard at 1,000,000 claims: p50/p95 per page and its query count
(issue 10: p95 ≤ 300 ms).

    export BENCH_CLAIMS_DATABASE_URL=postgres://postgres@127.0.0.1:5432/skillfund_bench_claims
    .venv/bin/python benchmarks/bench_claims_pg.py --keep     # 500k persons, 3M past grants, 1M claims
    .venv/bin/python benchmarks/bench_pages.py                # --requests 20

On the kept database it adds, once: the demo (setup_demo: programmes, units, institutions, the demo
accounts, classes and applications), then puts the 1,000,000 benchmark claims into 50,000
applications of the demo's departments and institutions, spread over the review chain's statuses
(submitted … paid) and the last 90 days, each with its submit event. Then, for the public and every
demo account, it requests each page the account's navigation offers (skillfund.web.nav) and the
portal's pages, in process through Django's test client (the whole middleware stack, no network):
warm-up requests first, then --requests timed ones per page.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
from bench_import import id_number  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "0")

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/skillfund_bench_claims"
APPLICATIONS = 50_000
PUBLIC_PAGES = ["/", "/policy/", "/catalog/", "/classes/", "/how-to-apply/", "/public/notices/", "/public/disclosure/"]
ACCOUNTS = [
    "hr", "hr_approver", "dept_emergency", "dept_veterans", "dept_hrss", "institution", "enterprise", "finance", "auditor",
]  # fmt: skip
SPREAD = ["submitted", "verified", "checked", "approved", "paid"]


def reset_sequences() -> None:
    """The benchmark COPYs rows with explicit ids; move every sequence past them before the ORM inserts."""
    from io import StringIO

    from django.apps import apps
    from django.core.management import call_command
    from django.db import connection

    out = StringIO()
    labels = sorted({m._meta.app_label for m in apps.get_models()})
    call_command("sqlsequencereset", *labels, stdout=out, no_color=True)
    with connection.cursor() as cur:
        cur.execute(out.getvalue())


def real_id_numbers() -> None:
    """bench_claims_pg stores placeholder ciphertexts; pages (and the demo, which picks trainees among
    all persons) read real ones: every benchmark person gets a valid ID number, encrypted, indexed and
    masked like a registered one."""
    import io

    from django.db import connection, transaction

    from skillfund.registry import idnumbers

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM registry_person WHERE id_masked LIKE 'BENCH%%'")
        if not cur.fetchone()[0]:
            return
        cur.execute("SELECT id FROM registry_person WHERE id_masked LIKE 'BENCH%%' ORDER BY id")
        ids = [row[0] for row in cur.fetchall()]
        cur.execute("SELECT id_index FROM registry_person WHERE id_masked NOT LIKE 'BENCH%%'")
        taken = {row[0] for row in cur.fetchall()}  # the demo's own persons
    t = time.perf_counter()
    buffer = io.StringIO()
    serial = 7_000_000  # far from the numbers the demo and the import benchmark make
    for pk in ids:
        serial += 1
        number = id_number(serial)
        while idnumbers.blind_index(number) in taken:
            serial += 1
            number = id_number(serial)
        buffer.write(f"{pk}\t\\\\x{idnumbers.encrypt(number).hex()}\t{idnumbers.blind_index(number)}\t{idnumbers.mask(number)}\n")
    buffer.seek(0)
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("CREATE TEMP TABLE bench_ids (id bigint, id_cipher bytea, id_index text, id_masked text) ON COMMIT DROP")
        with cur.copy("COPY bench_ids FROM STDIN") as copy:
            copy.write(buffer.getvalue())
        cur.execute(
            "UPDATE registry_person p SET id_cipher = b.id_cipher, id_index = b.id_index, id_masked = b.id_masked"
            " FROM bench_ids b WHERE p.id = b.id"
        )
    print(f"{len(ids):,} benchmark persons given real ID numbers: {time.perf_counter() - t:.1f} s")


def ensure_demo() -> None:
    from django.core.management import call_command

    reset_sequences()  # setup_demo is idempotent: a second run changes nothing
    t = time.perf_counter()
    call_command("setup_demo", persons=200, verbosity=0)
    print(f"setup_demo: {time.perf_counter() - t:.1f} s")


def ensure_applications() -> None:
    """50,000 applications holding the 1,000,000 benchmark claims, over the statuses and 90 days."""
    from django.db import connection, transaction

    from skillfund.claims.models import Application
    from skillfund.organizations.models import Organization

    if Application.objects.filter(reference__startswith="BENCH-").exists():
        return
    departments = list(
        Organization.objects.filter(kind=Organization.Kind.GOVERNMENT).order_by("pk").values_list("pk", flat=True)
    )
    applicants = list(
        Organization.objects.filter(kind=Organization.Kind.TRAINING_INSTITUTION).order_by("pk").values_list("pk", flat=True)
    )
    t = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            """
            INSERT INTO claims_application (reference, kind, path, status, department_id, applicant_id,
                                            created_at, updated_at, status_since, granted)
            SELECT 'BENCH-' || g, 'project', 'full', (%(spread)s::text[])[1 + g %% 5],
                   (%(departments)s::bigint[])[1 + g %% %(nd)s], (%(applicants)s::bigint[])[1 + g %% %(na)s],
                   now() - (g %% 90) * interval '1 day', now() - (g %% 90) * interval '1 day',
                   now() - (g %% 90) * interval '1 day', 0
            FROM generate_series(0, %(n)s - 1) g
            """,
            {
                "spread": SPREAD, "departments": departments, "applicants": applicants,
                "nd": len(departments), "na": len(applicants), "n": APPLICATIONS,
            },
        )  # fmt: skip
        cur.execute("SELECT min(id) FROM claims_application WHERE reference LIKE 'BENCH-%%'")
        first = cur.fetchone()[0]
        cur.execute(
            """
            UPDATE claims_claim c SET application_id = a.id, department_id = a.department_id
            FROM claims_application a
            WHERE c.batch = 'bench' AND a.id = %(first)s + (c.id %% %(n)s)
            """,
            {"first": first, "n": APPLICATIONS},
        )
        cur.execute(
            """
            INSERT INTO claims_applicationevent (application_id, step, from_status, to_status, actor_role, reason, at)
            SELECT id, 'submit', 'draft', 'submitted', 'institution_operator', '', created_at
            FROM claims_application WHERE reference LIKE 'BENCH-%%'
            """
        )
        cur.execute("ANALYZE")
    print(f"{APPLICATIONS:,} applications over the benchmark claims: {time.perf_counter() - t:.1f} s")


def time_pages(client, pages: list[str], requests: int) -> list[tuple[str, int, float, float, int]]:
    from django.db import connection

    rows = []
    for url in pages:
        for _ in range(2):
            client.get(url)
        executed: list[str] = []

        def count(execute, sql, params, many, context, executed=executed):
            executed.append(sql)
            return execute(sql, params, many, context)

        # Counted by an execute wrapper: Django's query log is reset at each request's start.
        with connection.execute_wrapper(count):
            status = client.get(url).status_code
        seconds = []
        for _ in range(requests):
            t = time.perf_counter()
            client.get(url)
            seconds.append((time.perf_counter() - t) * 1000)
        p95 = statistics.quantiles(seconds, n=20)[-1] if len(seconds) >= 2 else seconds[0]
        rows.append((url, status, statistics.median(seconds), p95, len(executed)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=20, help="timed requests per page")
    parser.add_argument("--only", default="", help="time only the pages whose path contains this text")
    parser.add_argument("--as", dest="who", default="", help="only this account (or 'public')")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_CLAIMS_DATABASE_URL", DEFAULT_URL)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    from skillfund.accounts.models import User
    from skillfund.claims.models import Claim
    from skillfund.web import nav

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    call_command("migrate", verbosity=0)
    real_id_numbers()
    ensure_demo()
    ensure_applications()
    print(f"claims {Claim.objects.count():,}; load average {os.getloadavg()[0]:.2f}\n")
    print(f"{'who':<16}{'page':<56}{'status':>7}{'p50 ms':>9}{'p95 ms':>9}{'queries':>9}")
    worst = 0.0
    audiences = [("(public)", None, PUBLIC_PAGES)]
    logging.getLogger("django.request").setLevel(logging.ERROR)  # a 404 is in the table, not the log
    for username in ACCOUNTS:
        user = User.objects.get(username=username)
        audiences.append((username, user, ["/work/", *(e.url for e in nav.entries(user))]))
    for who, user, pages in audiences:
        pages = [url for url in pages if args.only in url]
        if not pages or (args.who and args.who != who.strip("()")):
            continue
        client = Client()
        if user is not None:
            client.force_login(user)
        for url, status, p50, p95, queries in time_pages(client, pages, args.requests):
            worst = max(worst, p95) if status == 200 else worst
            flag = "" if p95 <= 300 else "  > 300 ms"
            print(f"{who:<16}{url:<56}{status:>7}{p50:>9.1f}{p95:>9.1f}{queries:>9}{flag}")
    print(f"\nworst p95 of the pages answering 200: {worst:.1f} ms (target ≤ 300 ms)")


if __name__ == "__main__":
    main()
