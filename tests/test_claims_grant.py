"""Granting claims holds §3.3.b across all departments, in the database (row locks + constraints)."""

from __future__ import annotations

import threading
from datetime import date

import polars as pl
import pytest
from django.db import DatabaseError, IntegrityError, ProgrammingError, connection, connections, transaction
from django.utils import timezone

from skillfund import policy_data
from skillfund.catalog.loading import catalog_load, occupations_load
from skillfund.catalog.models import CatalogItem
from skillfund.claims.actions import claim_decide, claim_grant, claim_submit, claims_grant
from skillfund.claims.decisions import decide_ids, decision_lines, store_decisions
from skillfund.claims.models import Claim, Decision, Grant, QuotaTally
from tests.factories import make_person

TODAY = date(2021, 6, 30)


@pytest.fixture
def catalog(db):
    occupations_load(path=policy_data.data_path("catalog", "occupations.yaml"))
    catalog_load(path=policy_data.data_path("catalog", "ordos-2020.yaml"))
    catalog_load(path=policy_data.data_path("catalog", "ordos-2021.yaml"))


def item(code: str, year: int = 2020) -> CatalogItem:
    return CatalogItem.objects.get(year=year, code=code)


def claim_for(person, code: str, month: int, *, year: int = 2020, **extra) -> Claim:
    return claim_submit(
        actor=None,
        person=person,
        catalog_item=item(code, year),
        training_region="150602",
        start_date=date(year, month, 1),
        end_date=date(year, month, 10),
        certificate_kind=item(code, year).certificate_kind,
        today=TODAY,
        **extra,
    )


def test_a_granted_claim_is_counted_in_the_ledger(catalog):
    person = make_person()
    decision = claim_grant(claim=claim_for(person, "electrician-5", 3), actor=None)
    assert decision.eligible and decision.subsidy == item("electrician-5").standard
    grant = Grant.objects.get()
    assert (grant.person, grant.subject, grant.level_key, grant.year) == (person, "6-31-01-03", 5, 2020)
    assert QuotaTally.objects.get(person=person, year=2020).used == 1


def test_the_fourth_claim_of_a_year_is_refused_and_says_why(catalog):
    person = make_person()
    for n, code in enumerate(["electrician-5", "welder-5", "chinese-cook-5"], start=1):
        claim_grant(claim=claim_for(person, code, n), actor=None)
    fourth = claim_for(person, "pastry-cook-5", 6)
    decision = claim_grant(claim=fourth, actor=None)
    assert not decision.eligible and decision.subsidy == 0
    fourth.refresh_from_db()
    assert fourth.status == Claim.Status.REFUSED
    failed = [line for line in decision_lines(decision) if line.status == "fail"]
    assert [(f.clause, f.zh) for f in failed] == [("§3.3.b", "这将是2020年第4次补贴，每人每年最多3次")]
    assert QuotaTally.objects.get(person=person, year=2020).used == 3


def test_a_repeat_is_refused_even_years_later_by_another_department(catalog, department):
    person = make_person()
    claim_grant(claim=claim_for(person, "electrician-5", 3), actor=None)
    again = claim_for(person, "electrician-5", 3, year=2021, department=department)
    decision = claim_grant(claim=again, actor=None)
    assert not decision.eligible
    assert [line.clause for line in decision_lines(decision) if line.status == "fail"] == ["§3.3.b"]


def test_two_claims_for_one_occupation_and_level_in_one_batch_get_one_grant(catalog):
    person = make_person()
    later, earlier = claim_for(person, "welder-5", 9), claim_for(person, "welder-5", 2)
    decisions = {d.claim_id: d.eligible for d in claims_grant(claims=[later, earlier], actor=None)}
    assert decisions == {later.pk: False, earlier.pk: True}
    assert Grant.objects.get().claim == earlier


def test_online_decision_equals_the_batch_decision_for_the_same_facts(catalog):
    person = make_person()
    claims = [claim_for(person, code, m) for m, code in enumerate(["welder-5", "electrician-4", "so-welding"], 1)]
    batch = {d.claim_id: (d.eligible, d.subsidy, d.failed_mask) for d in claims_grant(claims=claims, actor=None)}
    other = make_person()
    for m, code in enumerate(["welder-5", "electrician-4", "so-welding"], 1):
        d = claim_decide(claim=claim_for(other, code, m), actor=None)
        assert (d.eligible, d.subsidy, d.failed_mask) == batch[claims[m - 1].pk]


def test_the_database_refuses_a_repeat_grant_and_a_tally_over_its_cap(catalog):
    person = make_person()
    first = claim_for(person, "welder-5", 1)
    claim_grant(claim=first, actor=None)
    grant = Grant.objects.get()
    second = claim_for(person, "welder-5", 2)
    with pytest.raises(IntegrityError), transaction.atomic():
        Grant.objects.create(
            person=person,
            claim=second,
            decision=claim_decide(claim=second, actor=None),
            kind="individual",
            subject=grant.subject,
            level_key=grant.level_key,
            year=2020,
            end_date=date(2020, 2, 10),
            amount=1,
            granted_at=grant.granted_at,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        QuotaTally.objects.filter(person=person).update(used=4)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="real row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_sixteen_concurrent_approvals_for_one_person_grant_exactly_three():
    occupations_load(path=policy_data.data_path("catalog", "occupations.yaml"))
    catalog_load(path=policy_data.data_path("catalog", "ordos-2020.yaml"))
    person = make_person()
    distinct = {
        (i.occupation_id, i.level): i.code for i in CatalogItem.objects.filter(year=2020).exclude(occupation=None)
    }
    codes = list(distinct.values())[:16]  # distinct occupation+level: only the annual cap binds
    assert len(codes) == 16
    claims = [claim_for(person, code, 1 + n % 12) for n, code in enumerate(codes)]
    barrier = threading.Barrier(len(claims))
    outcomes: list[bool | Exception] = []

    def approve(claim: Claim) -> None:
        try:
            barrier.wait()
            outcomes.append(claim_grant(claim=claim, actor=None).eligible)
        except Exception as exc:  # an approval that fails is counted, not hidden
            outcomes.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=(c,)) for c in claims]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [o for o in outcomes if isinstance(o, Exception)] == []
    assert outcomes.count(True) == 3 and len(outcomes) == 16
    assert Grant.objects.filter(person=person).count() == 3
    assert QuotaTally.objects.get(person=person, year=2020).used == 3


@pytest.mark.skipif(connection.vendor != "postgresql", reason="real row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_approvals_of_one_occupation_and_level_grant_once():
    occupations_load(path=policy_data.data_path("catalog", "occupations.yaml"))
    catalog_load(path=policy_data.data_path("catalog", "ordos-2020.yaml"))
    person = make_person()
    claims = [claim_for(person, "electrician-5", 1 + n % 12) for n in range(16)]
    barrier = threading.Barrier(len(claims))
    outcomes: list[bool] = []

    def approve(claim: Claim) -> None:
        try:
            barrier.wait()
            outcomes.append(claim_grant(claim=claim, actor=None).eligible)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=(c,)) for c in claims]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count(True) == 1
    assert Grant.objects.filter(person=person).count() == 1


def clock():
    """The time by the clock that stamps decisions: the database's on PostgreSQL."""
    if connection.vendor != "postgresql":
        return timezone.now()
    with connection.cursor() as cur:
        cur.execute("SELECT clock_timestamp()")
        return cur.fetchone()[0]


def test_a_decision_for_a_claim_that_does_not_exist_is_refused_and_nothing_is_written(catalog):
    """The database holds decision -> claim: one set-based check per statement (migration 0005)."""
    claim = claim_for(make_person(), "electrician-5", 3)
    decided = decide_ids([claim.pk])
    ghost = decided.with_columns(pl.col("claim_id") + 1_000)
    before = Decision.objects.count()
    with pytest.raises(IntegrityError), transaction.atomic():
        store_decisions(pl.concat([decided, ghost]), purpose=Decision.Purpose.DECISION)  # COPY on PostgreSQL
    assert Decision.objects.count() == before
    started = clock()
    assert store_decisions(decided, purpose=Decision.Purpose.DECISION) == 1
    stored = Decision.objects.get(claim=claim)
    assert started <= stored.decided_at <= clock()  # on PostgreSQL COPY leaves it to the database's clock
    # As the runtime role of the two-role mode no decision may be updated at all (tests/test_db_roles.py).
    with pytest.raises((IntegrityError, ProgrammingError)), transaction.atomic():
        Decision.objects.filter(pk=stored.pk).update(claim_id=claim.pk + 1_000)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the refusing trigger is PostgreSQL's")
def test_a_claim_is_never_deleted(catalog):
    claim = claim_for(make_person(), "electrician-5", 3)
    refused = r"withdraw a claim|permission denied"  # the runtime role of the two-role mode may not DELETE
    with pytest.raises(DatabaseError, match=refused), transaction.atomic(), connection.cursor() as cur:
        cur.execute("DELETE FROM claims_claim WHERE id = %s", [claim.pk])
    assert Claim.objects.filter(pk=claim.pk).exists()
