"""The special account's flows: the §3.3.h advance once a class plan is approved, settlement after
completion, §4.3.b recovery and its offset against the next payment, departments' §4.2.b budgets."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from skillfund.accounts.models import Role
from skillfund.core.errors import DomainError
from skillfund.core.models import AuditRecord
from skillfund.funds import selectors
from skillfund.funds.budgets import budget_approve, budget_deadline, budget_submit
from skillfund.funds.ledger import round_half_up
from skillfund.funds.models import DepartmentBudget, Transaction
from skillfund.funds.payouts import advance_pay, pay, settle
from skillfund.funds.recoveries import recover, recovery_receive
from skillfund.training.models import ClassPlan
from tests.factories import SHANGHAI, DepartmentFactory, OrganizationFactory, UserFactory, make_class_plan
from tests.funds_helpers import balance, finance_officer, fund, ordos_programme, snapshot

pytestmark = pytest.mark.django_db
ON = date(2020, 5, 25)  # the advance_ratio in force: 0.60 since 2019-11-28


@pytest.fixture
def finance(db):
    officer = finance_officer()
    fund("100000.00", actor=officer)
    return officer


@pytest.fixture
def project_plan(db):
    return make_class_plan(funding_mode=ClassPlan.FundingMode.PROJECT)


def advance(plan, total: str, finance, **kwargs):
    return advance_pay(
        organization=plan.institution, amount_total=Decimal(total), subject=plan, actor=finance, on=ON, **kwargs
    )


# ---- §3.3.h advance and settlement ----------------------------------------------------------------


def test_the_advance_is_sixty_percent_of_an_approved_project_class(finance, project_plan):
    txn = advance(project_plan, "12000.00", finance)
    code = f"advance:org:{project_plan.institution_id}"
    assert {p.account.code: p.amount for p in txn.postings.all()} == {
        code: Decimal("7200.00"),
        "cash": Decimal("-7200.00"),
    }
    assert (txn.subject_type, txn.subject_id) == ("training.classplan", str(project_plan.pk))
    assert txn.department == project_plan.department and txn.organization == project_plan.institution
    assert balance("cash") == Decimal("92800.00") and balance(code) == Decimal("7200.00")
    assert AuditRecord.objects.get(action="funds.advance", target_id=str(txn.pk)).after["ratio"] == "0.60"


def test_the_advance_rounds_half_up_to_the_cent(finance, project_plan):
    assert round_half_up(Decimal("333.33") * Decimal("0.60")) == Decimal("200.00")
    assert round_half_up(Decimal("0.125")) == Decimal("0.13")
    txn = advance(project_plan, "1000.01", finance)  # 600.006
    assert txn.postings.get(amount__gt=0).amount == Decimal("600.01")


def test_an_enterprise_run_class_is_advanced_too(finance):
    plan = make_class_plan(funding_mode=ClassPlan.FundingMode.ENTERPRISE)
    assert advance(plan, "5000.00", finance).postings.get(amount__gt=0).amount == Decimal("3000.00")


def test_no_advance_for_individual_claims_or_before_approval(finance):
    plans = (
        make_class_plan(funding_mode=ClassPlan.FundingMode.INDIVIDUAL),
        make_class_plan(funding_mode=ClassPlan.FundingMode.PROJECT, approve=False),
    )
    before = snapshot()
    for plan in plans:
        with pytest.raises(DomainError) as refused:
            advance(plan, "1000.00", finance)
        assert (refused.value.code, refused.value.clause) == ("advance_not_allowed", "§3.3.h")
    assert snapshot() == before


def test_the_advance_goes_to_the_classs_own_institution_once(finance, project_plan):
    with pytest.raises(DomainError, match="payee_invalid"):
        advance_pay(
            organization=OrganizationFactory(), amount_total=Decimal("100"), subject=project_plan, actor=finance, on=ON
        )
    advance(project_plan, "1000.00", finance)
    with pytest.raises(DomainError, match="advance_already_paid"):
        advance(project_plan, "1000.00", finance)


def test_settlement_pays_the_total_minus_the_advance(finance, project_plan):
    advance(project_plan, "12000.00", finance)
    txn = settle(organization=project_plan.institution, total=Decimal("11000.00"), subject=project_plan, actor=finance)
    code = f"advance:org:{project_plan.institution_id}"
    assert {p.account.code: p.amount for p in txn.postings.all()} == {
        "expense:subsidies": Decimal("11000.00"),
        code: Decimal("-7200.00"),
        "cash": Decimal("-3800.00"),
    }
    assert balance(code) == 0 and balance("cash") == Decimal("89000.00")
    assert selectors.outstanding_advance(project_plan.institution, project_plan) == 0
    with pytest.raises(DomainError, match="already_settled"):
        settle(organization=project_plan.institution, total=Decimal("1.00"), subject=project_plan, actor=finance)


def test_an_advance_above_the_final_total_is_owed_back(finance, project_plan):
    advance(project_plan, "10000.00", finance)  # 6000 advanced; only 8 of 20 trainees qualified
    settle(organization=project_plan.institution, total=Decimal("4000.00"), subject=project_plan, actor=finance)
    assert balance(f"receivable:org:{project_plan.institution_id}") == Decimal("2000.00")
    assert balance(f"advance:org:{project_plan.institution_id}") == 0
    assert balance("expense:subsidies") == Decimal("4000.00") and balance("cash") == Decimal("94000.00")


# ---- §4.3.b recovery and offset ------------------------------------------------------------------


def test_a_recovery_is_offset_against_the_next_payment(finance, institution):
    pay(payee=institution, amount=Decimal("1000.00"), subject=("claims.claim", "1"), actor=finance)
    recovery = recover(
        payee=institution, amount=Decimal("400.00"), subject=("claims.claim", "1"), reason="虚假培训", actor=finance
    )
    receivable = f"receivable:org:{institution.pk}"
    assert recovery.kind == "recovery" and balance(receivable) == Decimal("400.00")
    assert balance("expense:subsidies") == Decimal("600.00")
    nxt = pay(payee=institution, amount=Decimal("1000.00"), subject=("claims.claim", "2"), actor=finance)
    assert nxt.kind == "offset"
    assert {p.account.code: p.amount for p in nxt.postings.all()} == {
        "expense:subsidies": Decimal("1000.00"),
        receivable: Decimal("-400.00"),
        "cash": Decimal("-600.00"),
    }
    assert balance(receivable) == 0 and balance("cash") == Decimal("98400.00")
    plain = pay(payee=institution, amount=Decimal("10.00"), subject=("claims.claim", "3"), actor=finance)
    assert plain.kind == "payment" and plain.postings.count() == 2


def test_a_payment_smaller_than_the_debt_is_kept_back_entirely(finance, institution):
    pay(payee=institution, amount=Decimal("1000.00"), subject=("claims.claim", "1"), actor=finance)
    recover(payee=institution, amount=Decimal("1000.00"), subject=("claims.claim", "1"), reason="虚假", actor=finance)
    pay(payee=institution, amount=Decimal("300.00"), subject=("claims.claim", "2"), actor=finance)
    assert balance(f"receivable:org:{institution.pk}") == Decimal("700.00")
    assert balance("cash") == Decimal("99000.00")


def test_recovered_money_comes_back_to_cash(finance, institution):
    pay(payee=institution, amount=Decimal("500.00"), subject=("claims.claim", "1"), actor=finance)
    recover(payee=institution, amount=Decimal("500.00"), subject=("claims.claim", "1"), reason="虚假", actor=finance)
    with pytest.raises(DomainError, match="recovery_exceeds_owed"):
        recovery_receive(payee=institution, amount=Decimal("500.01"), actor=finance)
    recovery_receive(payee=institution, amount=Decimal("500.00"), actor=finance)
    assert balance("cash") == Decimal("100000.00") and balance("expense:subsidies") == 0
    assert selectors.ledger_problems() == []


def test_no_more_is_recovered_than_was_paid(finance, institution):
    pay(payee=institution, amount=Decimal("500.00"), subject=("claims.claim", "1"), actor=finance)
    with pytest.raises(DomainError) as refused:
        recover(payee=institution, amount=Decimal("500.01"), subject=("claims.claim", "1"), reason="x", actor=finance)
    assert (refused.value.code, refused.value.clause) == ("recovery_exceeds_paid", "§4.3.b")
    with pytest.raises(DomainError, match="recovery_exceeds_paid"):
        recover(
            payee=OrganizationFactory(),
            amount=Decimal("1.00"),
            subject=("claims.claim", "1"),
            reason="x",
            actor=finance,
        )


def test_fund_use_by_department_and_subject(finance, project_plan):
    advance(project_plan, "10000.00", finance)
    settle(organization=project_plan.institution, total=Decimal("9000.00"), subject=project_plan, actor=finance)
    by_department = selectors.fund_use_by_department()
    assert by_department == [
        {"department_id": project_plan.department_id, "name": project_plan.department.name, "paid": Decimal("9000.00")}
    ]
    assert selectors.fund_use_by_subject() == [
        {
            "subject_type": "training.classplan",
            "subject_id": str(project_plan.pk),
            "paid": Decimal("9000.00"),
            "advance_outstanding": Decimal("0.00"),
        }
    ]
    assert selectors.fund_received_by_source() == [
        {"code": "ui-surplus", "name": "资金 ui-surplus", "received": Decimal("100000.00")}
    ]


# ---- §4.2.b budgets ---------------------------------------------------------------------------------


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def ordos(db):
    return ordos_programme()


def test_budget_deadlines_follow_section_4_2_b(ordos):
    assert budget_deadline(programme=ordos, year=2019) == date(2019, 11, 30)
    assert budget_deadline(programme=ordos, year=2020) == date(2020, 2, 29)  # a leap year
    assert budget_deadline(programme=ordos, year=2021) == date(2021, 2, 28)


@pytest.mark.parametrize(
    ("year", "submitted", "late"),
    [
        (2019, local(2019, 11, 30, 23, 59), False),
        (2019, local(2019, 12, 1, 0, 5), True),
        (2020, local(2020, 2, 29, 18, 0), False),
        (2020, local(2020, 3, 1, 9, 0), True),
        (2021, local(2021, 3, 1, 9, 0), True),
    ],
)
def test_a_budget_reported_after_the_deadline_is_flagged_late(ordos, department, year, submitted, late):
    budget = budget_submit(
        department=department,
        year=year,
        planned_trainees=100,
        amount=Decimal("120000.00"),
        actor=None,
        submitted_at=submitted,
    )
    assert (budget.deadline, budget.late) == (budget_deadline(programme=ordos, year=year), late)


def test_a_budget_reported_again_before_approval_replaces_the_figures(ordos, department):
    user = UserFactory(role=Role.DEPARTMENT_STAFF, organization=department)
    first = budget_submit(
        department=department,
        year=2020,
        planned_trainees=100,
        amount=Decimal("1.00"),
        actor=user,
        submitted_at=local(2020, 2, 20, 9),
    )
    again = budget_submit(
        department=department,
        year=2020,
        planned_trainees=120,
        amount=Decimal("2.00"),
        actor=user,
        submitted_at=local(2020, 3, 5, 9),
    )
    assert again.pk == first.pk and (again.planned_trainees, again.amount) == (120, Decimal("2.00"))
    assert not again.late  # reported on time; the correction does not make it late
    assert DepartmentBudget.objects.count() == 1
    record = AuditRecord.objects.get(action="budget.resubmit", target_id=str(first.pk))
    assert record.before["planned_trainees"] == 100 and record.after["planned_trainees"] == 120
    budget_approve(budget=again, actor=finance_officer())
    with pytest.raises(DomainError, match="budget_approved"):
        budget_submit(department=department, year=2020, planned_trainees=1, amount=Decimal("1.00"), actor=user)


def test_a_department_reports_only_its_own_budget(ordos, department):
    other = UserFactory(role=Role.DEPARTMENT_STAFF, organization=DepartmentFactory())
    with pytest.raises(DomainError, match="not_permitted"):
        budget_submit(department=department, year=2020, planned_trainees=1, amount=Decimal("1.00"), actor=other)
    with pytest.raises(DomainError, match="budget_department"):
        budget_submit(department=OrganizationFactory(), year=2020, planned_trainees=1, amount=Decimal("1"), actor=None)
    with pytest.raises(DomainError, match="budget_year"):
        budget_submit(department=department, year=2018, planned_trainees=1, amount=Decimal("1.00"), actor=None)
    with pytest.raises(DomainError, match="not_permitted"):
        budget_approve(
            budget=budget_submit(department=department, year=2020, planned_trainees=1, amount=Decimal("1"), actor=None),
            actor=UserFactory(role=Role.DEPARTMENT_STAFF, organization=department),
        )
    assert not Transaction.objects.exists()
