"""Online-decision benchmark: `claims.actions.claim_decide` on one claim, facts read from PostgreSQL.

    .venv/bin/python benchmarks/bench_online.py                 # demo data + a few hundred claims
    .venv/bin/python benchmarks/bench_online.py --large         # the 500k-person / 3M-grant database
                                                                # kept by bench_claims_pg.py --keep

Default: the database `skillfund_bench_online` (BENCH_ONLINE_DATABASE_URL may name another
skillfund_bench* one) is dropped, created, migrated and given the demo data (`skillfund setup_demo`:
regions, the Ordos catalogs, 300 demo persons with statuses, accounts); then --claims claims are
submitted with `claims.actions.claim_submit` (demo persons × catalog items of 2020, trained in the
person's hukou region). Each call of `claim_decide` is one transaction: the facts of one claim read
by `claims.facts.load_facts` (three plain queries: COPY only pays off above a thousand claims),
`engine.decide`, the Decision saved, the claim's status updated and an audit record appended.
--calls calls are timed; median / p95 / max in ms, and the same split into reading the facts,
deciding and the rest (store + audit + commit).

--large decides --calls random claims of the batch 'bench' in skillfund_bench_claims (left by
`bench_claims_pg.py --keep`), whose persons carry on average 6 past grants among 3,000,000.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_import import recreate_database, setup_django  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "0")  # as in production: no per-query log

ONLINE_URL = "postgres://postgres@127.0.0.1:5432/skillfund_bench_online"
LARGE_URL = "postgres://postgres@127.0.0.1:5432/skillfund_bench_claims"


def percentile(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(p / 100 * len(s) + 0.5) - 1))]  # nearest rank


def summary(name: str, ms: list[float]) -> str:
    return (
        f"{name:<32} median {statistics.median(ms):6.2f} ms   p95 {percentile(ms, 95):6.2f} ms   max {max(ms):7.2f} ms"
    )


class Split:
    """Time spent in load_facts and engine.decide inside each claim_decide call (wrappers, ~1 µs)."""

    def __init__(self) -> None:
        from skillfund.claims import decisions
        from skillfund.policy import engine

        self.facts = self.decide = 0.0
        load_facts, decide = decisions.load_facts, engine.decide

        def timed_load_facts(*a, **k):
            t = time.perf_counter()
            try:
                return load_facts(*a, **k)
            finally:
                self.facts += time.perf_counter() - t

        def timed_decide(*a, **k):
            t = time.perf_counter()
            try:
                return decide(*a, **k)
            finally:
                self.decide += time.perf_counter() - t

        decisions.load_facts, engine.decide = timed_load_facts, timed_decide

    def reset(self) -> None:
        self.facts = self.decide = 0.0


def demo_claims(n: int) -> list:
    """n claims submitted through claim_submit: demo persons × 2020 catalog items."""
    from skillfund.accounts.models import User
    from skillfund.catalog.models import CatalogItem
    from skillfund.claims.actions import claim_submit
    from skillfund.registry.models import Person

    rng = random.Random(20191128)
    actor = User.objects.filter(is_active=True).order_by("id").first()
    persons = list(Person.objects.order_by("id"))
    items = list(CatalogItem.objects.filter(year=2020).order_by("id")) or list(CatalogItem.objects.order_by("id"))
    claims = []
    for i in range(n):
        person, item = persons[i % len(persons)], rng.choice(items)
        start = date(2020, 1, 1) + timedelta(days=rng.randrange(0, 330))
        claims.append(
            claim_submit(
                actor=actor,
                person=person,
                catalog_item=item,
                training_region=person.hukou_region if rng.random() < 0.9 else person.residence_region,
                start_date=start,
                end_date=start + timedelta(days=rng.randrange(2, 30)),
                certificate_kind=item.certificate_kind if rng.random() < 0.95 else "",
                today=date(2021, 6, 30),
            )
        )
    return claims


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--claims", type=int, default=520, help="claims to submit (demo database)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed calls first")
    parser.add_argument("--large", action="store_true", help="use the database kept by bench_claims_pg.py --keep")
    parser.add_argument("--keep", action="store_true", help="keep the demo database afterwards")
    args = parser.parse_args()

    if args.large:
        import django

        url = os.environ.get("BENCH_CLAIMS_DATABASE_URL", LARGE_URL)
        os.environ["DATABASE_URL"] = url
        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)  # the schema may have moved on since bench_claims_pg.py ran
    else:
        url = os.environ.get("BENCH_ONLINE_DATABASE_URL", ONLINE_URL)
        recreate_database(url)
        setup_django(url)
        from django.core.management import call_command

        t = time.perf_counter()
        call_command("setup_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
        print(f"setup_demo: {time.perf_counter() - t:.1f} s")

    from django.db import connection

    from skillfund.claims.actions import claim_decide
    from skillfund.claims.models import Claim, Decision, Grant
    from skillfund.registry.models import Person

    if args.large:
        rng = random.Random(7)
        bench = Claim.objects.filter(batch="bench").order_by("id").values_list("id", flat=True)
        ids = rng.sample(range(bench.first(), bench.last() + 1), args.calls + args.warmup)
        by_id = Claim.objects.in_bulk(ids)
        claims = [by_id[i] for i in ids if i in by_id]
        print(
            f"database {connection.settings_dict['NAME']}: {Person.objects.count():,} persons, "
            f"{Grant.objects.count():,} grants, {Claim.objects.count():,} claims"
        )
    else:
        t = time.perf_counter()
        claims = demo_claims(max(args.claims, args.calls + args.warmup))
        print(
            f"claim_submit × {len(claims)}: {time.perf_counter() - t:.1f} s; database "
            f"{Person.objects.count():,} persons, {Claim.objects.count():,} claims"
        )
        with connection.cursor() as cur:
            cur.execute("ANALYZE")

    split = Split()
    first = None
    for claim in claims[: args.warmup]:
        t = time.perf_counter()
        claim_decide(claim=claim, actor=None)
        first = first or (time.perf_counter() - t) * 1000
    total, facts, decide, rest = [], [], [], []
    eligible = 0
    print(f"first call {first:.1f} ms (untimed warm-up: {args.warmup}); load average {os.getloadavg()[0]:.2f}")
    for claim in claims[args.warmup : args.warmup + args.calls]:
        split.reset()
        t = time.perf_counter()
        decision = claim_decide(claim=claim, actor=None)
        ms = (time.perf_counter() - t) * 1000
        total.append(ms)
        facts.append(split.facts * 1000)
        decide.append(split.decide * 1000)
        rest.append(ms - (split.facts + split.decide) * 1000)
        eligible += decision.eligible
    print(f"\n{len(total)} calls of claim_decide ({eligible} eligible), load average {os.getloadavg()[0]:.2f}:")
    print("  " + summary("claim_decide (whole call)", total))
    print("  " + summary("  read the facts (load_facts)", facts))
    print("  " + summary("  engine.decide (one row)", decide))
    print("  " + summary("  store + audit + commit", rest))
    p95 = percentile(total, 95)
    print(f"  target p95 <= 20 ms: {'met' if p95 <= 20 else 'NOT met'} ({p95:.2f} ms)")
    print(f"  decisions now stored: {Decision.objects.count():,}")

    connection.close()
    if not args.large and not args.keep:
        recreate_database(url, drop_only=True)


if __name__ == "__main__":
    main()
