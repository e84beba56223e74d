"""以工代训 (§3.3.g): an employer's employment of a person it trains on the job, and the monthly
records of that training."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from skillfund.accounts.models import Role
from skillfund.accounts.scoping import persons_visible_to, role_of
from skillfund.core import audit
from skillfund.organizations.models import Organization
from skillfund.registry.models import Person
from skillfund.training.actions._shared import RecordError, _ensure_acts_for, _ensure_not_future, _now, _user
from skillfund.training.models import Employment, WorkTrainingMonth

# ---- 以工代训 (§3.3.g) ----------------------------------------------------------------------------


@transaction.atomic
def employment_create(
    *,
    employer: Organization,
    person: Person,
    start_date: date,
    actor: Any,
    end_date: date | None = None,
    now: datetime | None = None,
) -> Employment:
    """An employer (enterprise, cooperative, poverty-alleviation workshop) employs a person it
    trains on the job. Who qualifies for the subsidy is the rules engine's to judge."""
    today = timezone.localdate(_now(now))
    ref = (f"{employer} 用工 {person.name}", f"employment of {person.name} at {employer}")
    _ensure_acts_for(actor, employer, record=ref)
    # An employer names only people on its own real-name roster (§4.4.d); HR acts for every employer.
    if (
        actor is not None
        and role_of(actor) != Role.HR_STAFF
        and not persons_visible_to(actor).filter(pk=person.pk).exists()
    ):
        raise RecordError(
            "person_not_on_roster",
            record=ref,
            field="person",
            zh="该人员不在本单位的实名花名册中，请先导入花名册",
            en="the person is not on your organization's roster: import a roster first",
            clause="§4.4.d",
        )
    if employer.kind not in Organization.EMPLOYERS:
        raise RecordError(
            "not_an_employer",
            record=ref,
            field="employer",
            zh=f"{employer} 不是企业、合作社或扶贫车间",
            en=f"{employer} is not an enterprise, cooperative or poverty-alleviation workshop",
            clause="§3.3.g",
        )
    _ensure_not_future(start_date, today=today, record=ref, field="start_date")
    if end_date is not None and end_date < start_date:
        raise RecordError("dates_ordered", record=ref, field="end_date", zh="离职早于入职", en="ends before it starts")
    if Employment.objects.filter(employer=employer, person=person, start_date=start_date).exists():
        raise RecordError("employment_exists", record=ref, field="start_date", zh="已登记", en="already on record")
    employment = Employment.objects.create(employer=employer, person=person, start_date=start_date, end_date=end_date)
    audit.record(
        actor=actor,
        action="employment.create",
        target=employment,
        after={"employer": employer.pk, "person": person.pk, "start_date": start_date, "end_date": end_date},
    )
    return employment


@transaction.atomic
def work_training_month_record(
    *,
    employment: Employment,
    month: date,
    hours: Decimal,
    content: str,
    actor: Any,
    now: datetime | None = None,
) -> WorkTrainingMonth:
    """One month of on-the-job training; `month` is the month's first day."""
    today = timezone.localdate(_now(now))
    employment = Employment.objects.select_for_update().select_related("employer", "person").get(pk=employment.pk)
    ref = (f"{employment} 以工代训 {month:%Y-%m}", f"{employment}, training month {month:%Y-%m}")
    _ensure_acts_for(actor, employment.employer, record=ref)
    if month.day != 1:
        raise RecordError(
            "month_not_first_day", record=ref, field="month", zh="须为当月1日", en="use the month's 1st day"
        )
    if month < employment.start_date.replace(day=1):
        raise RecordError(
            "before_employment_start",
            record=ref,
            field="month",
            zh=f"早于入职日期 {employment.start_date}",
            en=f"before the employment started on {employment.start_date}",
            clause="§3.3.g",
        )
    if employment.end_date is not None and month > employment.end_date:
        raise RecordError(
            "after_employment_end",
            record=ref,
            field="month",
            zh=f"晚于离职日期 {employment.end_date}",
            en=f"after the employment ended on {employment.end_date}",
            clause="§3.3.g",
        )
    _ensure_not_future(month, today=today.replace(day=1), record=ref, field="month")
    if hours <= 0:
        raise RecordError("hours", record=ref, field="hours", zh="学时须大于0", en="hours must be positive")
    if not content.strip():
        raise RecordError("required", record=ref, field="content", zh="须填写培训内容", en="describe the training")
    if WorkTrainingMonth.objects.filter(employment=employment, month=month).exists():
        raise RecordError(
            "month_exists", record=ref, field="month", zh="该月已登记", en="this month is already on record"
        )
    row = WorkTrainingMonth.objects.create(
        employment=employment, month=month, hours=hours, content=content.strip(), recorded_by=_user(actor)
    )
    audit.record(
        actor=actor,
        action="work_training_month.record",
        target=employment,
        after={"month": month, "hours": hours},
    )
    return row
