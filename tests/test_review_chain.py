"""The review chain of §4.3.d as a table: only listed steps, by the right roles, in order, with
segregation of duties; §4.3.e's shorter path; approval consumes the quota."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.db import connection, connections

from skillfund.accounts.models import Role
from skillfund.claims.actions import claim_submit
from skillfund.claims.models import Application, ApplicationEvent, Claim, Grant
from skillfund.claims.review import StepRefused, application_create, application_step, steps_refused
from skillfund.claims.workflow import Path, Status
from skillfund.core.errors import DomainError
from skillfund.notices.actions import notice_publish
from skillfund.registry.actions import person_status_add
from skillfund.registry.models import StatusKind
from tests.factories import (
    DepartmentFactory,
    OrganizationFactory,
    UserFactory,
    asserting_unit,
    make_catalog_item,
    make_person,
)


def _claim(person=None) -> Claim:
    item = make_catalog_item()
    return claim_submit(
        actor=None,
        person=person or make_person(),
        catalog_item=item,
        training_region="150602",
        start_date=date(2020, 3, 1),
        end_date=date(2020, 3, 5),
        certificate_kind=item.certificate_kind,
        today=date(2021, 1, 1),
    )


@pytest.fixture
def chain(db):
    department, institution = DepartmentFactory(), OrganizationFactory()
    people = {
        "institution": UserFactory(role=Role.INSTITUTION_OPERATOR, organization=institution),
        "department": UserFactory(role=Role.DEPARTMENT_STAFF, organization=department),
        "other_department": UserFactory(role=Role.DEPARTMENT_STAFF, organization=DepartmentFactory()),
        "hr": UserFactory(role=Role.HR_STAFF),
        "hr_approver": UserFactory(role=Role.HR_STAFF),
        "finance": UserFactory(role=Role.FINANCE_OFFICER),
    }
    application = application_create(
        kind=Application.Kind.PROJECT,
        department=department,
        applicant=institution,
        claims=[_claim(), _claim()],
        actor=people["institution"],
    )
    return application, people


def walk(application, people, *steps):
    for step, who in steps:
        application = application_step(application=application, step=step, actor=people[who], reason="ok")
    return application


FULL = [
    ("submit", "institution"),
    ("verify", "department"),
    ("check", "hr"),
]


def publish(application, people, on=date(2020, 9, 30)):
    """The notice (here one that closed long ago): the only way into "in public notice"."""
    notice_publish(applications=[application], actor=people["hr"], title="公示", contact="0477", on=on)
    application.refresh_from_db()
    return application


def test_full_chain_from_submission_to_approval_by_distinct_people(chain):
    application, people = chain
    application = publish(walk(application, people, *FULL), people)
    application = application_step(application=application, step="approve", actor=people["hr_approver"])
    assert application.status == Status.APPROVED
    assert list(application.events.values_list("step", flat=True)) == [
        "submit",
        "verify",
        "check",
        "publish",
        "approve",
    ]
    assert len({e.actor_id for e in application.events.exclude(step="publish")}) == 4
    assert Grant.objects.filter(claim__application=application).count() == 2  # approval granted both trainees


def test_a_step_not_in_the_table_is_refused_and_nothing_changes(chain):
    application, people = chain
    walk(application, people, ("submit", "institution"))
    with pytest.raises(StepRefused) as exc:
        application_step(application=application, step="approve", actor=people["hr"])
    assert exc.value.code == "transition_not_allowed"
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED and application.events.count() == 1


def test_only_the_responsible_department_verifies(chain):
    application, people = chain
    walk(application, people, ("submit", "institution"))
    with pytest.raises(StepRefused) as exc:
        application_step(application=application, step="verify", actor=people["other_department"])
    assert exc.value.code == "not_responsible"


def test_hr_cannot_verify_and_departments_cannot_check(chain):
    application, people = chain
    walk(application, people, ("submit", "institution"))
    with pytest.raises(StepRefused):
        application_step(application=application, step="verify", actor=people["hr"])
    walk(application, people, ("verify", "department"))
    with pytest.raises(StepRefused):
        application_step(application=application, step="check", actor=people["department"])


def test_one_person_cannot_check_and_then_pay(chain):
    application, people = chain
    application = publish(walk(application, people, *FULL), people)
    application = application_step(application=application, step="approve", actor=people["hr_approver"])
    checker = people["hr"]
    checker.role = Role.FINANCE_OFFICER  # moved to finance after checking this very application
    checker.save()
    refused = steps_refused(applications=[application], step="pay", actor=checker, internal=True)
    assert refused[application.pk].code == "segregation_of_duties"


def test_return_needs_a_reason_and_the_applicant_resubmits(chain):
    application, people = chain
    walk(application, people, ("submit", "institution"))
    for blank in ("", " ", "\u3000\n"):
        with pytest.raises(StepRefused) as exc:
            application_step(application=application, step="return", actor=people["department"], reason=blank)
        assert exc.value.code == "reason_required"
    application = application_step(
        application=application, step="return", actor=people["department"], reason="缺签到表"
    )
    assert application.status == Status.RETURNED
    assert walk(application, people, ("submit", "institution")).status == Status.SUBMITTED


def test_reject_needs_a_reason(chain):
    application, people = chain
    walk(application, people, ("submit", "institution"))
    with pytest.raises(StepRefused) as exc:
        application_step(application=application, step="reject", actor=people["department"], reason="  ")
    assert exc.value.code == "reason_required"


def test_special_groups_keep_their_shorter_path(db):
    department, clerk, hr, approver = (
        DepartmentFactory(),
        UserFactory(role=Role.HR_STAFF),
        UserFactory(role=Role.HR_STAFF),
        UserFactory(role=Role.HR_STAFF),
    )
    person = make_person()
    person_status_add(
        actor=None,
        person=person,
        kind=StatusKind.VETERAN,
        source_org=asserting_unit(StatusKind.VETERAN),
        valid_from=date(2019, 1, 1),
    )
    application = application_create(
        kind=Application.Kind.INDIVIDUAL, department=department, person=person, claims=[_claim(person)], actor=clerk
    )
    assert application.path == Path.SHORT  # §4.3.e: an individual claim of a special group
    for step, who in [("submit", clerk), ("check", hr)]:
        application = application_step(application=application, step=step, actor=who)
    with pytest.raises(DomainError):  # no public notice on this path
        notice_publish(applications=[application], actor=hr, title="公示", contact="0477", on=date(2020, 9, 30))
    assert application_step(application=application, step="approve", actor=approver).status == Status.APPROVED


def test_idempotent_creation_returns_the_first_application_and_refuses_other_content(db):
    department, hr = DepartmentFactory(), UserFactory(role=Role.HR_STAFF)
    person = make_person()
    claim = _claim(person)
    first = application_create(
        kind="individual", department=department, person=person, claims=[claim], actor=hr, idempotency_key="k-1"
    )
    again = application_create(
        kind="individual", department=department, person=person, claims=[claim], actor=hr, idempotency_key="k-1"
    )
    assert again.pk == first.pk and Application.objects.count() == 1
    with pytest.raises(DomainError) as exc:
        application_create(
            kind="project", department=department, person=person, claims=[claim], actor=hr, idempotency_key="k-1"
        )
    assert exc.value.code == "idempotency_conflict"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrency needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_officers_approving_at_once_move_the_application_once():
    department, institution = DepartmentFactory(), OrganizationFactory()
    people = {
        "institution": UserFactory(role=Role.INSTITUTION_OPERATOR, organization=institution),
        "department": UserFactory(role=Role.DEPARTMENT_STAFF, organization=department),
        "hr": UserFactory(role=Role.HR_STAFF),
    }
    application = application_create(
        kind="project", department=department, applicant=institution, claims=[_claim()], actor=people["institution"]
    )
    publish(walk(application, people, *FULL), people)
    officers = [UserFactory(role=Role.HR_STAFF) for _ in range(8)]
    barrier, results = threading.Barrier(len(officers)), []

    def approve(officer):
        try:
            barrier.wait()
            application_step(application=application, step="approve", actor=officer)
            results.append("ok")
        except StepRefused as exc:
            results.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=(o,)) for o in officers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("ok") == 1 and set(results) == {"ok", "transition_not_allowed"}
    assert ApplicationEvent.objects.filter(application=application, step="approve").count() == 1
    assert Grant.objects.count() == 1
