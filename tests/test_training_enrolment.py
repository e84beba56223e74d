"""Enrolment: a person joins an approved class, sees what the subsidy rules would decide, and is
never in two classes at once."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import close_old_connections, connection

from skillfund.accounts.models import Role
from skillfund.core.errors import DomainError
from skillfund.core.models import AuditRecord
from skillfund.organizations.actions import organization_set_status
from skillfund.training.actions.enrolment import enrolment_create, enrolment_withdraw
from skillfund.training.models import Enrolment
from tests.factories import CLASS_START, OrganizationFactory, UserFactory, at, make_class_plan, make_person

pytestmark = pytest.mark.django_db

ENROL_AT = at(CLASS_START - timedelta(days=3), 10)


def counts() -> tuple[int, int]:
    return AuditRecord.objects.count(), Enrolment.objects.count()


def enrol(plan, person, **kwargs) -> Enrolment:
    return enrolment_create(class_plan=plan, person=person, actor=None, now=ENROL_AT, **kwargs)


def test_person_enrols_and_the_rules_preview_is_stored():
    plan, person = make_class_plan(), make_person()
    seen = []

    def preview(enrolment: Enrolment) -> dict:
        seen.append(enrolment.pk)
        return {"eligible": False, "failed": ["§3.3.b"], "message": "2020年第4次补贴性培训"}

    enrolment = enrol(plan, person, preview=preview)
    enrolment.refresh_from_db()
    assert seen == [enrolment.pk]
    assert enrolment.rules_preview["failed"] == ["§3.3.b"]
    assert (enrolment.status, enrolment.enrolled_at) == (Enrolment.Status.ENROLLED, ENROL_AT)
    assert AuditRecord.objects.latest("id").after["rules_preview"]["failed"] == ["§3.3.b"]


def test_enrolment_without_a_preview_leaves_it_empty():
    assert enrol(make_class_plan(), make_person()).rules_preview is None


def test_failing_preview_writes_nothing():
    plan, person = make_class_plan(), make_person()
    before = counts()

    def broken(enrolment):
        raise RuntimeError("engine down")

    with pytest.raises(RuntimeError):
        enrol(plan, person, preview=broken)
    assert counts() == before


def test_unapproved_class_takes_no_enrolments():
    plan, person = make_class_plan(approve=False), make_person()
    before = counts()
    with pytest.raises(DomainError) as exc:
        enrol(plan, person)
    assert (exc.value.code, exc.value.field) == ("class_not_approved", "class_plan")
    assert counts() == before


def test_suspended_institution_takes_no_enrolments():
    plan = make_class_plan()
    organization_set_status(organization=plan.institution, actor=None, status="suspended", reason="退出")
    with pytest.raises(DomainError) as exc:
        enrol(plan, make_person())
    assert exc.value.code == "institution_not_active"


def test_person_cannot_enrol_twice_in_one_class():
    plan, person = make_class_plan(), make_person()
    enrol(plan, person)
    before = counts()
    with pytest.raises(DomainError) as exc:
        enrol(plan, person)
    assert exc.value.code == "already_enrolled"
    assert counts() == before


def test_overlapping_classes_refused_and_nothing_written():
    person = make_person()
    first = make_class_plan(code="BJ-MORNING")
    enrol(first, person)
    second = make_class_plan(start=CLASS_START + timedelta(days=4), hours=(11, 15))  # shares 2020-06-05
    before = counts()
    with pytest.raises(DomainError) as exc:
        enrol(second, person)
    assert (exc.value.code, exc.value.field) == ("overlapping_classes", "person")
    assert "BJ-MORNING" in exc.value.en and "BJ-MORNING" in exc.value.zh
    assert second.code in exc.value.en
    assert counts() == before


def test_classes_on_the_same_days_at_other_hours_do_not_overlap():
    person = make_person()
    enrol(make_class_plan(hours=(9, 12)), person)
    enrol(make_class_plan(hours=(14, 17)), person)
    assert person.enrolments.count() == 2


def test_withdrawn_enrolment_does_not_block_another_class():
    person = make_person()
    first = enrol(make_class_plan(), person)
    enrolment_withdraw(enrolment=first, actor=None, reason="工作冲突")
    enrol(make_class_plan(), person)
    assert list(person.enrolments.values_list("status", flat=True).order_by("id")) == ["withdrawn", "enrolled"]


def test_withdrawal_needs_a_reason():
    enrolment = enrol(make_class_plan(), make_person())
    with pytest.raises(DomainError) as exc:
        enrolment_withdraw(enrolment=enrolment, actor=None, reason="")
    assert exc.value.code == "reason_required"


def test_full_class_refuses_enrolment():
    plan = make_class_plan(capacity=1)
    enrol(plan, make_person())
    late_comer = make_person()
    before = counts()
    with pytest.raises(DomainError) as exc:
        enrol(plan, late_comer)
    assert (exc.value.code, exc.value.field) == ("class_full", "capacity")
    assert counts() == before


def test_ended_class_takes_no_enrolments():
    plan = make_class_plan()
    with pytest.raises(DomainError) as exc:
        enrolment_create(class_plan=plan, person=make_person(), actor=None, now=at(CLASS_START + timedelta(days=5), 9))
    assert exc.value.code == "class_ended"


def test_another_institution_cannot_enrol_into_the_class():
    plan = make_class_plan()
    operator = UserFactory(role=Role.INSTITUTION_OPERATOR, organization=OrganizationFactory())
    with pytest.raises(DomainError) as exc:
        enrolment_create(class_plan=plan, person=make_person(), actor=operator, now=ENROL_AT)
    assert exc.value.code == "not_permitted"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="real row locks")
def test_concurrent_enrolments_of_one_person_into_overlapping_classes_let_one_through():
    person = make_person()
    plans = [make_class_plan(), make_class_plan()]
    barrier, outcomes = threading.Barrier(2), []

    def worker(plan):
        try:
            barrier.wait()
            enrol(plan, person)
            outcomes.append("ok")
        except DomainError as exc:
            outcomes.append(exc.code)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=worker, args=(p,)) for p in plans]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ok", "overlapping_classes"]
    assert person.enrolments.count() == 1
