"""The demo (`setup_demo`) holds one application of each kind that the demo accounts can walk from
where it stands to payment through the back-office pages, as docs/walkthrough.md describes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from skillfund.accounts.models import User
from skillfund.claims.demo import load_claims_demo
from skillfund.claims.models import Application
from skillfund.claims.paths import path_of
from skillfund.claims.workflow import DECIDING, Status
from skillfund.core import audit
from skillfund.funds.models import PaymentLine
from skillfund.notices.selectors import current_notice
from skillfund.training.models import ClassPlan

# Payments commit line by line (funds/payments.py), so these tests run outside a test transaction.
pytestmark = pytest.mark.django_db(transaction=True)

FULL = ("verify", "check", "publish", "approve", "pay")


@pytest.fixture(autouse=True)
def _demo_settings(settings):
    settings.SKILLFUND_REQUIRE_2FA = False
    settings.LANGUAGE_CODE = "zh-hans"


@pytest.fixture
def demo():
    call_command("setup_demo", persons=300)
    return {a.reference: a for a in Application.objects.all()}


class Walker:
    def __init__(self, client):
        self.client = client

    def as_(self, username: str) -> Walker:
        self.client.force_login(User.objects.get(username=username))
        return self

    def buttons(self, application: Application) -> str:
        response = self.client.get(reverse("admin:claims_application_change", args=[application.pk]))
        assert response.status_code == 200
        return response.content.decode()

    def step(self, application: Application, step: str, reason: str = "演示核验") -> Application:
        page = self.buttons(application)
        assert f"/{step}/" in page, f"{step} is not offered on {application.reference}"
        if step == "publish":
            url = reverse("admin:claims_application_publish", args=[application.pk])
            response = self.client.post(url, {"title": f"{application.reference} 公示", "contact": "0477-8580000"})
        else:
            url = reverse("admin:claims_application_step", args=[application.pk, step])
            response = self.client.post(url, {"reason": reason})
        assert response.status_code == 302, response.content.decode()[-3000:]
        application.refresh_from_db()
        return application


def test_the_demo_has_one_application_of_each_kind_and_loads_once(demo):
    kinds = {a.kind for a in demo.values()}
    assert kinds == set(Application.Kind.values)
    assert demo["SQ-GR-002"].status == Status.APPROVED
    assert demo["SQ-XM-003"].status == Status.IN_NOTICE
    assert current_notice(demo["SQ-XM-002"].pk).closes_on < timezone.localdate()
    assert load_claims_demo() == 0 and Application.objects.count() == len(demo)
    assert list(audit.verify()) == []


def test_every_kind_is_walked_to_paid_by_the_demo_accounts(client, demo, monkeypatch):
    walk = Walker(client)
    full = {
        "SQ-XM-001": "dept_veterans",
        "SQ-QY-001": "dept_emergency",
        "SQ-YG-001": "dept_hrss",
        "SQ-JT-001": "dept_hrss",  # an insured employee is no special group: the full chain (§4.3.e)
    }
    for reference, department in full.items():
        application = walk.as_(department).step(demo[reference], "verify")
        application = walk.as_("hr").step(application, "check")
        application = walk.as_("hr").step(application, "publish")
        assert application.status == Status.IN_NOTICE
        # The publisher may not approve; the approver is offered it, and the action refuses it while
        # the notice is open.
        assert "/approve/" not in walk.buttons(application)
        walk.as_("hr_approver")
        response = client.post(
            reverse("admin:claims_application_step", args=[application.pk, "approve"]), {"reason": ""}
        )
        assert response.status_code == 400 and "公示期满后才能批准" in response.content.decode()
    for reference in ("SQ-GR-001", "SQ-SH-001"):  # §4.3.e: no department verification, no notice
        checked = walk.as_("hr").step(demo[reference], "check")
        walk.as_("hr_approver").step(checked, "approve")

    later = max(current_notice(demo[r].pk).closes_on for r in full) + timedelta(days=1)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: later)
    for reference in (*full, "SQ-XM-002"):
        assert walk.as_("hr_approver").step(demo[reference], "approve").status == Status.APPROVED

    for reference in (*full, "SQ-XM-002", "SQ-GR-001", "SQ-GR-002", "SQ-SH-001"):
        application = walk.as_("finance").step(demo[reference], "pay")
        assert application.status == Status.PAID, reference
        assert PaymentLine.objects.get(application=application).transaction_id is not None
    assert {a.kind for a in Application.objects.filter(status=Status.PAID)} == set(Application.Kind.values)
    for application in Application.objects.filter(status=Status.PAID):  # distinct people decided each
        deciding = application.events.filter(step__in=DECIDING).values_list("actor_id", flat=True)
        assert len(set(deciding)) == len(deciding), application.reference
    assert list(audit.verify()) == []


def test_the_duplicate_claim_is_refused_by_the_rules_and_rejected_with_a_reason(client, demo):
    walk = Walker(client).as_("hr")
    page = walk.buttons(demo["SQ-GR-003"])
    assert "✗" in page and "§3.3.b" in page
    url = reverse("admin:claims_application_step", args=[demo["SQ-GR-003"].pk, "reject"])
    assert client.post(url, {"reason": ""}).status_code == 400
    assert walk.step(demo["SQ-GR-003"], "reject", "同一职业同一等级已享受补贴（§3.3.b）").status == Status.REJECTED


def test_the_institution_applies_for_the_rest_of_its_class(client, demo):
    Walker(client).as_("institution")
    plan = ClassPlan.objects.get(code="DG-2020-001")
    before = Application.objects.count()
    response = client.post(reverse("admin:claims_application_add"), {"class_plan": plan.pk})
    assert response.status_code == 302
    created = Application.objects.exclude(pk__in=[a.pk for a in demo.values()])
    assert created.count() == Application.objects.count() - before > 0
    assert set(created.values_list("status", "kind")) == {(Status.SUBMITTED, "individual")}
    for application in created:  # the rules' path for each trainee (§4.3.e), not one for all
        assert application.path == path_of(kind=application.kind, claims=list(application.claims.all()))
    again = client.post(reverse("admin:claims_application_add"), {"class_plan": plan.pk})
    assert again.status_code == 200 and "尚未申请补贴的学员" in again.content.decode()
