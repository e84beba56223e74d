"""Who sees and writes the special account: finance books, HR and the auditor read, a department
reads and reports only its own budget; the back office is read-only except budget reporting. And
the demo loads once."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from skillfund.accounts import scoping
from skillfund.accounts.models import Role
from skillfund.core import audit
from skillfund.core.models import AuditRecord
from skillfund.funds import selectors
from skillfund.funds.budgets import budget_submit
from skillfund.funds.demo import load_funds_demo
from skillfund.funds.models import Account, DepartmentBudget, FundSource, Posting, Transaction
from tests.factories import DepartmentFactory, OrganizationFactory, UserFactory
from tests.funds_helpers import finance_officer, fund, ordos_programme, snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(department):
    ordos_programme()
    other = DepartmentFactory()
    fund("100.00")
    for dept in (department, other):
        budget_submit(department=dept, year=2020, planned_trainees=10, amount=Decimal("1000.00"), actor=None)
    return {
        "finance": finance_officer(),
        "hr": UserFactory(role=Role.HR_STAFF),
        "auditor": UserFactory(role=Role.AUDITOR),
        "dept": UserFactory(role=Role.DEPARTMENT_STAFF, organization=department),
        "institution": UserFactory(role=Role.INSTITUTION_OPERATOR, organization=OrganizationFactory()),
        "sysadmin": UserFactory(role=Role.SYSADMIN),
        "department": department,
    }


LEDGER = (FundSource, Account, Transaction, Posting)


@pytest.mark.parametrize("key", ["finance", "hr", "auditor"])
def test_finance_hr_and_the_auditor_read_the_whole_special_account(world, key):
    for model in (*LEDGER, DepartmentBudget):
        assert scoping.visible(model, world[key]).count() == model.objects.count() > 0, model


@pytest.mark.parametrize("key", ["dept", "institution", "sysadmin"])
def test_other_roles_do_not_read_the_ledger(world, key):
    for model in LEDGER:
        assert not scoping.visible(model, world[key]).exists(), model


def test_a_department_reads_only_its_own_budget(world):
    assert list(scoping.visible(DepartmentBudget, world["dept"])) == list(
        DepartmentBudget.objects.filter(department=world["department"])
    )
    assert not scoping.visible(DepartmentBudget, world["institution"]).exists()


def test_the_back_office_never_edits_the_ledger(client, world, settings):
    settings.SKILLFUND_REQUIRE_2FA = False
    client.force_login(world["finance"])
    txn = Transaction.objects.get()
    assert client.get(reverse("admin:funds_transaction_change", args=[txn.pk])).status_code == 200
    assert client.get(reverse("admin:funds_transaction_add")).status_code == 403
    before = snapshot()
    assert client.post(reverse("admin:funds_transaction_delete", args=[txn.pk]), {"post": "yes"}).status_code == 403
    assert snapshot() == before


def test_a_department_reports_its_budget_in_the_back_office(client, world, settings):
    settings.SKILLFUND_REQUIRE_2FA = False
    client.force_login(world["dept"])
    html = client.get(reverse("admin:funds_departmentbudget_changelist")).content.decode()
    assert html.count(str(world["department"])) >= 1
    data = {"department": world["department"].pk, "year": 2021, "planned_trainees": 30, "amount": "36000.00"}
    response = client.post(reverse("admin:funds_departmentbudget_add"), data)
    assert response.status_code == 302
    budget = DepartmentBudget.objects.get(department=world["department"], year=2021)
    assert budget.amount == Decimal("36000.00") and str(budget.deadline) == "2021-02-28"
    assert AuditRecord.objects.filter(action="budget.submit", target_id=str(budget.pk), actor=world["dept"]).exists()
    other = DepartmentBudget.objects.exclude(department=world["department"]).get()
    assert client.get(reverse("admin:funds_departmentbudget_change", args=[other.pk])).status_code == 404


def test_the_demo_loads_once():
    call_command("setup_demo", persons=60)  # loads the funds demo as its last step
    assert DepartmentBudget.objects.count() == 7 and Transaction.objects.filter(kind="advance").count() == 1
    counts = (Transaction.objects.count(), DepartmentBudget.objects.count(), AuditRecord.objects.count())
    assert load_funds_demo() == {"sources": 4, "budgets": 0, "advances": 1}
    assert (Transaction.objects.count(), DepartmentBudget.objects.count(), AuditRecord.objects.count()) == counts
    assert list(DepartmentBudget.objects.filter(late=True).values_list("department__unit_code", flat=True)) == [
        "disabled-federation"
    ]
    advance = Transaction.objects.get(kind="advance")
    assert advance.subject_type == "training.classplan"
    assert selectors.ledger_problems() == [] and list(audit.verify()) == []
