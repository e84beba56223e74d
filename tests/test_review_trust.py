"""No role short-circuits the review chain (§4.3.d): "paid" only by a payment that books the
ledger, no step for read-only roles, the path decided by the rules (§4.3.e) rather than the
submitter, and no one taking two deciding steps on one application."""

from __future__ import annotations

from datetime import date

import pytest
from rest_framework.test import APIClient

from skillfund.accounts.models import Role
from skillfund.claims.models import Application, ApplicationEvent
from skillfund.claims.review import StepRefused, application_create, application_step, applications_step
from skillfund.claims.workflow import STEPS, Path, Status
from skillfund.funds.models import PaymentLine, Transaction
from skillfund.funds.payments import payment_batch_create, payment_batch_pay
from skillfund.notices.actions import notice_publish
from skillfund.registry.actions import person_status_add
from skillfund.registry.models import StatusKind
from tests.factories import DepartmentFactory, OrganizationFactory, UserFactory, asserting_unit, make_person
from tests.funds_helpers import finance_officer, fund
from tests.test_payments import approved_individual, make_claim

pytestmark = pytest.mark.django_db(transaction=True)
STEPS_URL = "/api/v1/applications/{}/steps/"


def api(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def post(user, url: str, data: dict, key: str):
    return api(user).post(url, data, format="json", headers={"Idempotency-Key": key})


@pytest.fixture
def world(db):
    department, institution = DepartmentFactory(unit_code="agri"), OrganizationFactory()
    finance = finance_officer()
    fund("100000.00", actor=finance)
    return {
        "department": department,
        "institution": institution,
        "operator": UserFactory(role=Role.INSTITUTION_OPERATOR, organization=institution),
        "dept": UserFactory(role=Role.DEPARTMENT_STAFF, organization=department),
        "hr": UserFactory(role=Role.HR_STAFF),
        "hr_approver": UserFactory(role=Role.HR_STAFF),
        "finance": finance,
        "auditor": UserFactory(role=Role.AUDITOR),
        "admin": UserFactory(role=Role.SYSADMIN),
    }


def project_in_notice(world) -> Application:
    application = application_create(
        kind=Application.Kind.PROJECT,
        department=world["department"],
        applicant=world["institution"],
        claims=[make_claim(make_person())],
        actor=world["operator"],
    )
    for step, who in (("submit", "operator"), ("verify", "dept"), ("check", "hr")):
        application = application_step(application=application, step=step, actor=world[who], reason="ok")
    notice_publish(applications=[application], actor=world["hr"], title="公示", contact="0477", on=date(2020, 9, 30))
    application.refresh_from_db()
    return application


# ---- "paid" only by the payment that books the ledger ------------------------------------------------


def test_finance_cannot_mark_an_application_paid_through_the_api_step(world):
    application = approved_individual(world["hr"], department=world["department"])
    response = post(world["finance"], STEPS_URL.format(application.reference), {"step": "pay"}, key="pay-step")
    assert response.status_code in (400, 403, 409), response.json()
    application.refresh_from_db()
    assert application.status == Status.APPROVED
    assert not application.events.filter(step="pay").exists()
    # … and a real payment then pays it, with the ledger.
    batch = payment_batch_create(applications=[application], actor=world["finance"])
    assert payment_batch_pay(batch=batch, actor=world["finance"]).paid
    application.refresh_from_db()
    assert application.status == Status.PAID
    assert PaymentLine.objects.get(application=application).transaction_id is not None


def test_the_generic_step_functions_refuse_pay(world):
    application = approved_individual(world["hr"], department=world["department"])
    for take in (
        lambda: application_step(application=application, step="pay", actor=world["finance"]),
        lambda: applications_step(applications=[application], step="pay", actor=world["finance"]),
    ):
        with pytest.raises(StepRefused) as exc:
            take()
        assert exc.value.code == "paid_by_payment_only"
    application.refresh_from_db()
    assert application.status == Status.APPROVED and not Transaction.objects.filter(kind="payment").exists()


# ---- read-only roles take no step; an objection is not a step -----------------------------------------


@pytest.mark.parametrize("who", ["auditor", "finance", "admin"])
def test_read_only_roles_cannot_object_or_take_any_step_through_the_api(world, who):
    application = project_in_notice(world)  # its notice closed on 2020-10-14
    events = ApplicationEvent.objects.count()
    for step in sorted(STEPS):
        response = post(
            world[who],
            STEPS_URL.format(application.reference),
            {"step": step, "reason": "实际未参训"},
            key=f"{who}-{step}",
        )
        assert response.status_code >= 400, (step, response.json())
    response = post(
        world[who], STEPS_URL.format(application.reference), {"step": "object", "reason": "实际未参训"}, key=f"{who}-o"
    )
    assert response.status_code >= 400
    application.refresh_from_db()
    assert application.status == Status.IN_NOTICE and ApplicationEvent.objects.count() == events


def test_no_step_of_the_table_is_open_to_the_read_only_roles():
    for step in STEPS.values():
        assert not {Role.AUDITOR, Role.SYSADMIN} & step.roles, step.name
        assert Role.FINANCE_OFFICER not in step.roles or step.name == "pay", step.name
    assert "object" not in STEPS


# ---- the path is the rules', not the submitter's (§4.3.e) ------------------------------------------------


def test_a_submitter_cannot_send_a_project_application_down_the_short_path(world):
    claim = make_claim(make_person())
    data = {
        "kind": "project",
        "department": "agri",
        "claims": [claim.reference],
        "applicant": world["institution"].credit_code,
        "path": "short",
    }
    response = post(world["hr"], "/api/v1/applications/", data, key="short")
    assert response.status_code == 400 and "path" in response.json()["fields"]  # refused, not ignored
    assert not Application.objects.filter(claims=claim).exists()
    del data["path"]
    assert post(world["hr"], "/api/v1/applications/", data, key="rules").status_code == 201
    application = Application.objects.get(claims=claim)
    assert application.path == Path.FULL and application.status == Status.SUBMITTED
    with pytest.raises(StepRefused):  # the department's verification is not skipped
        application_step(application=application, step="check", actor=world["hr_approver"], reason="ok")


def test_application_create_takes_no_path_from_its_caller(world):
    with pytest.raises(TypeError):
        application_create(
            kind=Application.Kind.PROJECT,
            department=world["department"],
            applicant=world["institution"],
            claims=[make_claim(make_person())],
            actor=world["operator"],
            path=Path.SHORT,
        )


def test_an_individual_claim_of_a_special_group_takes_the_short_path_and_others_the_full_one(world):
    poor, plain = make_person(), make_person()
    person_status_add(
        actor=None,
        person=poor,
        kind=StatusKind.POOR_LABOURER,
        source_org=asserting_unit(StatusKind.POOR_LABOURER),
        valid_from=date(2019, 1, 1),
    )
    kwargs = {"kind": Application.Kind.INDIVIDUAL, "department": world["department"], "actor": world["hr"]}
    short = application_create(person=poor, claims=[make_claim(poor)], **kwargs)
    full = application_create(person=plain, claims=[make_claim(plain)], **kwargs)
    assert (short.path, full.path) == (Path.SHORT, Path.FULL)


# ---- segregation of duties: submit, verify, check, approve, pay by different people ---------------------


def test_one_hr_account_cannot_submit_check_and_approve_one_application(world):
    person = make_person()
    person_status_add(
        actor=None,
        person=person,
        kind=StatusKind.POOR_LABOURER,
        source_org=asserting_unit(StatusKind.POOR_LABOURER),
        valid_from=date(2019, 1, 1),
    )
    application = application_create(
        kind=Application.Kind.INDIVIDUAL,
        department=world["department"],
        person=person,
        claims=[make_claim(person)],
        actor=world["hr"],
    )
    application_step(application=application, step="submit", actor=world["hr"])
    with pytest.raises(StepRefused) as exc:
        application_step(application=application, step="check", actor=world["hr"])
    assert exc.value.code == "segregation_of_duties"
    application_step(application=application, step="check", actor=world["hr_approver"])
    with pytest.raises(StepRefused) as exc:
        application_step(application=application, step="approve", actor=world["hr_approver"])
    assert exc.value.code == "segregation_of_duties"
    with pytest.raises(StepRefused) as exc:
        application_step(application=application, step="approve", actor=world["hr"])  # the submitter
    assert exc.value.code == "segregation_of_duties"
    application.refresh_from_db()
    assert application.status == Status.CHECKED


def test_the_publisher_may_be_the_checker_but_not_the_approver(world, monkeypatch):
    application = project_in_notice(world)  # checked and published by world["hr"]
    with pytest.raises(StepRefused) as exc:
        application_step(application=application, step="approve", actor=world["hr"])
    assert exc.value.code == "segregation_of_duties"
    assert application_step(application=application, step="approve", actor=world["hr_approver"]).status == (
        Status.APPROVED
    )


def test_the_approver_cannot_also_pay(world):
    application = approved_individual(world["hr"], department=world["department"])
    approver = application.events.get(step="approve").actor
    approver.role = Role.FINANCE_OFFICER  # moved to finance after approving this very application
    approver.save()
    batch = payment_batch_create(applications=[application], actor=world["finance"])
    run = payment_batch_pay(batch=batch, actor=approver)
    assert not run.paid and next(iter(run.refused.values())).code == "segregation_of_duties"
    application.refresh_from_db()
    assert application.status == Status.APPROVED


def test_publishing_is_done_only_with_a_notice_never_as_a_bare_api_step(world):
    application = application_create(
        kind=Application.Kind.PROJECT,
        department=world["department"],
        applicant=world["institution"],
        claims=[make_claim(make_person())],
        actor=world["operator"],
    )
    for step, who in (("submit", "operator"), ("verify", "dept"), ("check", "hr")):
        application = application_step(application=application, step=step, actor=world[who], reason="ok")
    response = post(world["hr"], STEPS_URL.format(application.reference), {"step": "publish"}, key="publish")
    assert response.status_code >= 400
    application.refresh_from_db()
    assert application.status == Status.CHECKED
