"""Departments' annual training plans and subsidy budgets (§4.2.b): the reporting deadline, the
report (and re-report until approval) and finance's approval. Each write is one transaction leaving
one audit record.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from skillfund.accounts.models import Role
from skillfund.accounts.scoping import role_of
from skillfund.core import audit
from skillfund.core.errors import DomainError
from skillfund.funds.ledger import ZERO, _money, _user
from skillfund.funds.models import DepartmentBudget
from skillfund.organizations.models import Organization
from skillfund.programme.models import Programme
from skillfund.programme.selectors import programme_of_department


def budget_deadline(*, programme: Programme, year: int) -> date:
    """§4.2.b as the programme file states it: the last day of the month its deadline row for the
    year names (Ordos: November for 2019, February from 2020)."""
    rows = [d for d in programme.budget_deadlines.all() if d.from_year <= year]
    if not rows:
        raise DomainError(
            "budget_year",
            f"{programme.name} 的预算报送期限自 {programme.start_year} 年起，没有 {year} 年的期限",
            f"{programme.name} sets budget deadlines from {programme.start_year}, none for {year}",
            clause="§4.2.b",
        )
    month = rows[-1].month
    return date(year, month, calendar.monthrange(year, month)[1])


def _ensure_acts_for_department(actor: Any, department: Organization) -> None:
    if actor is None or role_of(actor) == Role.FINANCE_OFFICER:
        return
    if role_of(actor) == Role.DEPARTMENT_STAFF and actor.organization_id == department.pk:
        return
    raise DomainError(
        "not_permitted",
        f"用户 {getattr(actor, 'username', '')} 无权为 {department} 报送预算",
        f"user {getattr(actor, 'username', '')} may not submit {department}'s budget",
        clause="§4.2.b",
    )


@transaction.atomic
def budget_submit(
    *,
    department: Organization,
    year: int,
    planned_trainees: int,
    amount: Decimal,
    actor: Any,
    submitted_at: datetime | None = None,
) -> DepartmentBudget:
    """A department reports its annual training plan and subsidy budget (§4.2.b). Reporting again
    before finance approves replaces the figures; lateness is judged on the first report."""
    _ensure_acts_for_department(actor, department)
    if department.kind != Organization.Kind.GOVERNMENT:
        raise DomainError(
            "budget_department", f"{department} 不是政府部门", f"{department} is not a government department"
        )
    if isinstance(year, bool) or not isinstance(year, int):
        raise DomainError("budget_year", "预算年度须为年份", "the budget year must be a year")
    programme = programme_of_department(department=department, year=year)
    if isinstance(planned_trainees, bool) or not isinstance(planned_trainees, int) or planned_trainees < 0:
        raise DomainError("budget_trainees", "计划培训人次须为非负整数", "planned trainees must be a whole number ≥ 0")
    amount = _money(amount, name="补贴预算 / budget", at_least=ZERO)
    submitted_at = submitted_at or timezone.now()
    if timezone.is_naive(submitted_at):
        raise DomainError("time_naive", "报送时间须带时区", "the submission time needs a time zone")
    budget = DepartmentBudget.objects.select_for_update().filter(department=department, year=year).first()
    figures = {"planned_trainees": planned_trainees, "amount": amount}
    if budget is None:
        deadline = budget_deadline(programme=programme, year=year)
        budget = DepartmentBudget.objects.create(
            department=department,
            year=year,
            first_submitted_at=submitted_at,
            submitted_at=submitted_at,
            deadline=deadline,
            late=timezone.localdate(submitted_at) > deadline,
            submitted_by=_user(actor),
            **figures,
        )
        after = {**figures, "deadline": budget.deadline, "late": budget.late}
        audit.record(actor=actor, action="budget.submit", target=budget, after=after)
        return budget
    if budget.status == DepartmentBudget.Status.APPROVED:
        raise DomainError(
            "budget_approved",
            f"{department} {year} 年预算已批准，不能再修改",
            f"{department}'s {year} budget is approved and can no longer be changed",
        )
    if submitted_at < budget.submitted_at:
        raise DomainError("budget_time", "报送时间早于上次报送", "this submission is dated before the last one")
    before = audit.changes(budget, ["planned_trainees", "amount", "submitted_at"])
    budget.planned_trainees, budget.amount, budget.submitted_at = planned_trainees, amount, submitted_at
    budget.submitted_by = _user(actor)
    budget.save(update_fields=["planned_trainees", "amount", "submitted_at", "submitted_by"])
    audit.record(
        actor=actor,
        action="budget.resubmit",
        target=budget,
        before=before,
        after={**figures, "submitted_at": submitted_at},
    )
    return budget


@transaction.atomic
def budget_approve(*, budget: DepartmentBudget, actor: Any, now: datetime | None = None) -> DepartmentBudget:
    if actor is not None and role_of(actor) != Role.FINANCE_OFFICER:
        raise DomainError(
            "not_permitted", "只有财政部门可以批准预算", "only the finance bureau approves budgets", clause="§4.1"
        )
    budget = DepartmentBudget.objects.select_for_update().get(pk=budget.pk)
    if budget.status == DepartmentBudget.Status.APPROVED:
        raise DomainError("budget_approved", f"{budget} 预算已批准", f"the {budget} budget is already approved")
    budget.status, budget.approved_by, budget.approved_at = (
        DepartmentBudget.Status.APPROVED,
        _user(actor),
        now or timezone.now(),
    )
    budget.save(update_fields=["status", "approved_by", "approved_at"])
    audit.record(
        actor=actor, action="budget.approve", target=budget, after={"amount": budget.amount, "late": budget.late}
    )
    return budget
