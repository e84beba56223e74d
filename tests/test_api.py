"""The REST API (v1): writes take an Idempotency-Key and a retry gets the first response; the same
key with another request is 409; every read is scoped (out of scope = 404); roles are enforced
(403); an application goes through the whole review chain and is paid through the API."""

from __future__ import annotations

import csv
import io
import threading
from datetime import date

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from skillfund.accounts.models import Role
from skillfund.api.models import IdempotencyRecord
from skillfund.claims.models import Application
from skillfund.claims.workflow import Status
from skillfund.core.models import AuditRecord
from skillfund.funds.models import PaymentBatch, Transaction
from skillfund.notices.actions import notice_publish
from tests.factories import DepartmentFactory, UserFactory, make_person
from tests.funds_helpers import finance_officer, fund
from tests.test_payments import approved_individual, make_claim

pytestmark = pytest.mark.django_db(transaction=True)
APPLICATIONS, BATCHES = "/api/v1/applications/", "/api/v1/payment-batches/"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def post(client: APIClient, url: str, data: dict | None = None, key: str | None = "k-1"):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(url, data or {}, format="json", headers=headers)


@pytest.fixture
def world(db):
    department, other = DepartmentFactory(unit_code="agri"), DepartmentFactory(unit_code="edu")
    finance = finance_officer()
    fund("100000.00", actor=finance)
    person = make_person()
    claim = make_claim(person)
    claim.department = department
    claim.save(update_fields=["department"])
    return {
        "department": department,
        "claim": claim,
        "dept": UserFactory(role=Role.DEPARTMENT_STAFF, organization=department, username="dept"),
        "other_dept": UserFactory(role=Role.DEPARTMENT_STAFF, organization=other, username="other"),
        "hr": UserFactory(role=Role.HR_STAFF, username="hr"),
        "clerk": UserFactory(role=Role.HR_STAFF, username="clerk"),
        "hr_approver": UserFactory(role=Role.HR_STAFF, username="hr_approver"),
        "finance": finance,
    }


def submission(world, **overrides) -> dict:
    return {"kind": "individual", "department": "agri", "claims": [world["claim"].reference], **overrides}


# ---- idempotency -----------------------------------------------------------------------------------


def test_a_retried_submission_returns_the_first_response_and_creates_nothing_more(world):
    client = client_for(world["dept"])
    first = post(client, APPLICATIONS, submission(world))
    assert first.status_code == 201, first.json()
    assert first.json()["status"] == Status.SUBMITTED
    audits = AuditRecord.objects.count()
    again = post(client, APPLICATIONS, submission(world))
    assert (again.status_code, again.json()) == (201, first.json())
    assert again["Idempotent-Replayed"] == "true"
    assert Application.objects.count() == 1 and AuditRecord.objects.count() == audits


def test_the_same_key_with_another_request_is_a_409_and_changes_nothing(world):
    client = client_for(world["dept"])
    post(client, APPLICATIONS, submission(world))
    audits = AuditRecord.objects.count()
    conflict = post(client, APPLICATIONS, submission(world, kind="project"))
    assert conflict.status_code == 409
    assert conflict.json()["code"] == "idempotency_conflict"
    assert set(conflict.json()) >= {"code", "zh", "en", "clause"}
    assert Application.objects.get().kind == "individual" and AuditRecord.objects.count() == audits


def test_a_write_without_an_idempotency_key_is_refused(world):
    response = post(client_for(world["dept"]), APPLICATIONS, submission(world), key=None)
    assert response.status_code == 400 and response.json()["code"] == "idempotency_key_required"
    assert not Application.objects.exists()


def test_a_refusal_is_remembered_too(world):
    client = client_for(world["dept"])
    refused = post(client, APPLICATIONS, submission(world, claims=["NO-SUCH-CLAIM"]))
    assert refused.status_code == 400 and refused.json()["code"] == "claim_not_found"
    assert post(client, APPLICATIONS, submission(world, claims=["NO-SUCH-CLAIM"])).json() == refused.json()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrency needs PostgreSQL")
def test_eight_simultaneous_retries_create_one_application(world):
    clients = [client_for(world["dept"]) for _ in range(8)]
    barrier, responses = threading.Barrier(8), []

    def one(client) -> None:
        try:
            barrier.wait()
            response = post(client, APPLICATIONS, submission(world))
            responses.append((response.status_code, response.json()))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=one, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(responses) == 8 and {status for status, _ in responses} == {201}
    assert len({body["reference"] for _, body in responses}) == 1
    assert Application.objects.count() == 1 and IdempotencyRecord.objects.count() == 1


# ---- scope and role --------------------------------------------------------------------------------


def test_another_departments_application_is_not_found(world):
    reference = post(client_for(world["dept"]), APPLICATIONS, submission(world)).json()["reference"]
    other = client_for(world["other_dept"])
    assert other.get(f"{APPLICATIONS}{reference}/").status_code == 404
    assert other.get(APPLICATIONS).json()["results"] == []
    step = post(other, f"{APPLICATIONS}{reference}/steps/", {"step": "verify"})
    assert step.status_code == 404 and step.json()["code"] == "not_found"
    assert client_for(world["hr"]).get(f"{APPLICATIONS}{reference}/").status_code == 200


def test_a_role_that_may_not_take_a_step_gets_403(world):
    reference = post(client_for(world["dept"]), APPLICATIONS, submission(world)).json()["reference"]
    response = post(client_for(world["hr"]), f"{APPLICATIONS}{reference}/steps/", {"step": "verify"})
    assert response.status_code == 403 and response.json()["code"] == "role_not_allowed"
    assert response.json()["clause"] == "§4.3.d"
    assert Application.objects.get().status == Status.SUBMITTED


def test_only_finance_creates_payment_batches(world):
    application = approved_individual(world["hr"], department=world["department"])
    response = post(client_for(world["hr"]), BATCHES, {"applications": [application.reference]})
    assert response.status_code == 403 and response.json()["code"] == "not_permitted"
    assert client_for(world["dept"]).get(BATCHES).json() == []  # departments read no batches
    assert not PaymentBatch.objects.exists()


def test_signed_out_requests_are_refused(world):
    assert APIClient().get(APPLICATIONS).status_code == 403


# ---- the chain, end to end ------------------------------------------------------------------------------


def test_an_application_goes_through_the_chain_and_is_paid_through_the_api(world):
    dept, hr, finance = client_for(world["dept"]), client_for(world["hr"]), client_for(world["finance"])
    clerk, approver = client_for(world["clerk"]), client_for(world["hr_approver"])
    created = post(clerk, APPLICATIONS, submission(world), key="submit-1").json()
    reference = created["reference"]
    assert created["path"] == "full"  # the rules': an individual claim of no special group (§4.3.e)
    steps = f"{APPLICATIONS}{reference}/steps/"
    for client, step in [(dept, "verify"), (hr, "check")]:
        response = post(client, steps, {"step": step, "reason": "ok"}, key=f"{reference}-{step}")
        assert response.status_code == 200, response.json()
    # The notice is published with its period and how to object (here one that closed long ago).
    notice_publish(
        applications=list(Application.objects.filter(reference=reference)),
        actor=world["hr"],
        title="公示",
        contact="0477",
        on=date(2020, 9, 30),
    )
    response = post(approver, steps, {"step": "approve", "reason": "ok"}, key=f"{reference}-approve")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == Status.APPROVED
    assert [e["step"] for e in response.json()["events"]] == ["submit", "verify", "check", "publish", "approve"]
    wrong = post(approver, steps, {"step": "approve"}, key=f"{reference}-approve-again")
    assert wrong.status_code == 409 and wrong.json()["code"] == "transition_not_allowed"

    created = post(finance, BATCHES, {"applications": [reference]}, key="batch-1")
    assert created.status_code == 201, created.json()
    batch = created.json()["reference"]
    assert created.json()["status"] == "open" and created.json()["total"] == "1200.00"
    assert post(finance, BATCHES, {"applications": [reference]}, key="batch-1").json() == created.json()

    paid = post(finance, f"{BATCHES}{batch}/pay/", key="pay-1")
    assert paid.status_code == 200, paid.json()
    assert paid.json()["status"] == "completed" and len(paid.json()["run"]["paid"]) == 1
    again = post(finance, f"{BATCHES}{batch}/pay/", key="pay-1")
    assert again.json() == paid.json() and Transaction.objects.filter(kind="payment").count() == 1
    assert client_for(world["dept"]).get(f"{APPLICATIONS}{reference}/").json()["status"] == Status.PAID

    line = paid.json()["lines"][0]
    assert line["payee_id"] == world["claim"].person.id_masked
    recorded = post(
        finance, f"{BATCHES}{batch}/lines/{line['id']}/bank-reference/", {"reference": "ICBC-0001"}, key="bank-1"
    )
    assert recorded.status_code == 200 and recorded.json()["bank_reference"] == "ICBC-0001"

    download = finance.get(f"{BATCHES}{batch}/file/?fmt=csv")
    assert download.status_code == 200 and download["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert rows[1][4] == reference and rows[-1][3] == "1200.00"
    assert client_for(world["dept"]).get(f"{BATCHES}{batch}/file/?fmt=csv").status_code == 404
