"""Approving and paying a batch of 1,000 applications on PostgreSQL (target: ≤ 10 s each).

    .venv/bin/python benchmarks/bench_review_batch.py [--count 1000] [--keep]

A fresh database `skillfund_bench_review` (DATABASE_URL may name another skillfund_bench* one) is
created and migrated. Set-up, not timed: N persons registered through the registry action, one
granted-to-be claim each (electrician, level 5, 1,200 CNY), and N individual applications on the
§4.3.e short path, submitted and checked by the HR bureau; the special account is funded.

Timed:
  approve  every application approved — `claims.review.applications_approve` (one grant call for
           all their claims under the persons' locks, one conditional UPDATE, one event each), and,
           for comparison, the per-application `application_step(step="approve")` on a sample;
  pay      `funds.payments.payment_batch_create` + `payment_batch_pay` on all of them: one ledger
           transaction, line update and review-chain "pay" step per application, 50 lines per
           database transaction (`funds.payouts.pay_many`, `claims.review.applications_step`).
The database is dropped at the end unless --keep.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_import import id_number, recreate_database, setup_django  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "0")  # as in production: no per-query log

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/skillfund_bench_review"
SAMPLE = 50  # applications approved one by one, to show the per-application cost


def set_up(count: int):
    from skillfund.accounts.models import Role, User
    from skillfund.catalog.models import CatalogItem, CertificateKind, Occupation, TrainingType
    from skillfund.claims.models import Application, Claim
    from skillfund.claims.workflow import Path as ReviewPath
    from skillfund.claims.workflow import Status
    from skillfund.funds.ledger import fund_receive
    from skillfund.funds.models import FundSource
    from skillfund.organizations.models import Organization
    from skillfund.registry.actions import PersonData, person_register

    department = Organization.objects.create(kind="government", name="基准测试局", unit_code="bench")
    hr = User.objects.create(username="bench-hr", role=Role.HR_STAFF)
    finance = User.objects.create(username="bench-finance", role=Role.FINANCE_OFFICER)
    occupation = Occupation.objects.create(
        code="6-31-01-03", name="电工", scheme=Occupation.Scheme.NATIONAL, levels=[5, 4, 3, 2, 1]
    )
    item = CatalogItem.objects.create(
        year=2020,
        code="electrician-5",
        title="电工（五级/初级工）",
        occupation=occupation,
        level=5,
        certificate_kind=CertificateKind.SKILL_LEVEL,
        training_type=TrainingType.EMPLOYMENT_SKILLS,
        min_hours=12,
        standard=Decimal("1200.00"),
    )
    persons = [
        person_register(
            actor=None,
            data=PersonData(
                id_number=id_number(i),
                name=f"测试{i}",
                hukou_region="150602",
                residence_region="150602",
            ),
        )[0]
        for i in range(count)
    ]
    applications = Application.objects.bulk_create(
        Application(
            reference=f"BENCH-{i:05d}",
            kind=Application.Kind.INDIVIDUAL,
            path=ReviewPath.SHORT,
            status=Status.CHECKED,
            department=department,
            person=p,
        )
        for i, p in enumerate(persons)
    )
    Claim.objects.bulk_create(
        Claim(
            reference=f"BENCH-C{i:05d}",
            application=a,
            person=p,
            department=department,
            catalog_item=item,
            training_region="150602",
            start_date=date(2020, 3, 1),
            end_date=date(2020, 3, 5),
            certificate_kind=item.certificate_kind,
            subject=occupation.code,
            level=5,
            standard=item.standard,
        )
        for i, (a, p) in enumerate(zip(applications, persons, strict=True))
    )
    source = FundSource.objects.create(code="ui-surplus", name="失业保险基金结余", kind=FundSource.Kind.UI_SURPLUS)
    fund_receive(source=source, amount=Decimal(1200 * count + 1000), actor=finance)
    return applications, hr, finance


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database afterwards")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    recreate_database(url)
    setup_django(url)

    from django.db import connection

    from skillfund.claims.models import Application, Grant
    from skillfund.claims.review import application_step, applications_approve
    from skillfund.claims.workflow import Status
    from skillfund.funds import selectors
    from skillfund.funds.models import Transaction
    from skillfund.funds.payments import payment_batch_create, payment_batch_pay

    t = time.perf_counter()
    applications, hr, finance = set_up(args.count)
    print(f"set-up: {args.count:,} persons, claims and checked applications: {time.perf_counter() - t:.1f} s")

    sample, rest = applications[:SAMPLE], applications[SAMPLE:]
    t = time.perf_counter()
    for application in sample:
        application_step(application=application, step="approve", actor=hr)
    one_by_one = (time.perf_counter() - t) / len(sample)
    print(
        f"approve one by one (application_step): {one_by_one * 1000:.0f} ms each "
        f"→ {one_by_one * args.count:.1f} s for {args.count:,} (measured on {len(sample)})"
    )
    t = time.perf_counter()
    applications_approve(applications=rest, actor=hr)
    approve_s = time.perf_counter() - t
    print(f"approve {len(rest):,} in one call (applications_approve): {approve_s:.2f} s")

    approved = list(Application.objects.filter(status=Status.APPROVED).order_by("pk"))
    assert len(approved) == args.count and Grant.objects.count() == args.count, "not all approved"

    t = time.perf_counter()
    batch = payment_batch_create(applications=approved, actor=finance)
    created_s = time.perf_counter() - t
    run = payment_batch_pay(batch=batch, actor=finance)
    pay_s = time.perf_counter() - t
    print(
        f"pay a batch of {args.count:,}: {pay_s:.2f} s (create {created_s:.2f} s + pay {pay_s - created_s:.2f} s; "
        f"paid {len(run.paid):,}, refused {len(run.refused):,})"
    )
    assert Transaction.objects.filter(kind="payment").count() == args.count
    assert Application.objects.filter(status=Status.PAID).count() == args.count
    assert selectors.ledger_problems() == []
    print(
        f"target ≤ 10 s each: approve {'OK' if approve_s <= 10 else 'MISSED'}, pay {'OK' if pay_s <= 10 else 'MISSED'}"
    )

    connection.close()
    if not args.keep:
        recreate_database(url, drop_only=True)


if __name__ == "__main__":
    main()
