"""以工代训 (§3.3.g): an employer records the person it employs and each month of on-the-job
training. The 6-month subsidy limit is the rules engine's; here the months are only counted."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from skillfund.accounts.models import Role
from skillfund.claims.actions import claim_submit
from skillfund.claims.models import Claim
from skillfund.core.errors import DomainError
from skillfund.core.models import AuditRecord
from skillfund.organizations.models import Organization
from skillfund.training import selectors
from skillfund.training.actions.work import employment_create, work_training_month_record
from skillfund.training.models import Employment, WorkTrainingMonth
from tests.factories import OrganizationFactory, UserFactory, make_catalog_item, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def workshop():
    return OrganizationFactory(name="扶贫车间", kind=Organization.Kind.POVERTY_WORKSHOP)


@pytest.fixture
def employment(workshop):
    return employment_create(employer=workshop, person=make_person(), start_date=date(2020, 3, 16), actor=None)


def counts() -> tuple[int, int, int]:
    return AuditRecord.objects.count(), Employment.objects.count(), WorkTrainingMonth.objects.count()


def record(employment, month: date, **fields) -> WorkTrainingMonth:
    values = {"hours": Decimal("40.0"), "content": "民族服饰缝制岗位实操", "actor": None}
    return work_training_month_record(employment=employment, month=month, **{**values, **fields})


def test_months_are_recorded_and_counted(employment):
    for month in (date(2020, 3, 1), date(2020, 4, 1), date(2020, 5, 1)):
        record(employment, month)
    assert selectors.work_training_months(employment) == 3
    assert AuditRecord.objects.latest("id").action == "work_training_month.record"


def test_more_than_six_months_are_recorded_the_engine_applies_the_limit(employment):
    for m in range(3, 11):
        record(employment, date(2020, m, 1))
    assert selectors.work_training_months(employment) == 8


def test_month_before_the_employment_start_refused(employment):
    before = counts()
    with pytest.raises(DomainError) as exc:
        record(employment, date(2020, 2, 1))
    assert (exc.value.code, exc.value.field, exc.value.clause) == ("before_employment_start", "month", "§3.3.g")
    assert counts() == before


def test_future_dates_refused(workshop, employment):
    next_month = (timezone.localdate().replace(day=1) + timedelta(days=32)).replace(day=1)
    person = make_person()
    before = counts()
    with pytest.raises(DomainError) as exc:
        record(employment, next_month)
    assert (exc.value.code, exc.value.field) == ("future_date", "month")
    with pytest.raises(DomainError) as exc:
        employment_create(
            employer=workshop, person=person, start_date=timezone.localdate() + timedelta(days=1), actor=None
        )
    assert (exc.value.code, exc.value.field) == ("future_date", "start_date")
    assert counts() == before


def test_month_is_given_by_its_first_day_and_recorded_once(employment):
    with pytest.raises(DomainError) as exc:
        record(employment, date(2020, 4, 15))
    assert exc.value.code == "month_not_first_day"
    record(employment, date(2020, 4, 1))
    with pytest.raises(DomainError) as exc:
        record(employment, date(2020, 4, 1))
    assert exc.value.code == "month_exists"


def test_month_after_the_employment_ended_refused(workshop):
    employment = employment_create(
        employer=workshop, person=make_person(), start_date=date(2020, 3, 1), end_date=date(2020, 5, 31), actor=None
    )
    with pytest.raises(DomainError) as exc:
        record(employment, date(2020, 6, 1))
    assert exc.value.code == "after_employment_end"


def test_only_enterprises_cooperatives_and_workshops_employ(institution):
    person = make_person()
    before = counts()
    with pytest.raises(DomainError) as exc:
        employment_create(employer=institution, person=person, start_date=date(2020, 3, 1), actor=None)
    assert (exc.value.code, exc.value.field, exc.value.clause) == ("not_an_employer", "employer", "§3.3.g")
    assert counts() == before


def test_one_employment_per_employer_person_and_start(workshop, employment):
    with pytest.raises(DomainError) as exc:
        employment_create(employer=workshop, person=employment.person, start_date=employment.start_date, actor=None)
    assert exc.value.code == "employment_exists"


def test_enterprise_operator_records_only_its_own_employees(employment):
    outsider = UserFactory(
        role=Role.ENTERPRISE_OPERATOR, organization=OrganizationFactory(kind=Organization.Kind.ENTERPRISE)
    )
    with pytest.raises(DomainError) as exc:
        record(employment, date(2020, 4, 1), actor=outsider)
    assert exc.value.code == "not_permitted"
    own = UserFactory(role=Role.ENTERPRISE_OPERATOR, organization=employment.employer)
    assert record(employment, date(2020, 4, 1), actor=own).recorded_by == own


# ---- a claim's months are the recorded ones (§3.3.g) ---------------------------------------------


def work_claim(employment, *, start: date, end: date, months: int = 0, person=None):
    return claim_submit(
        actor=None,
        person=person or employment.person,
        catalog_item=make_catalog_item(code="work-based", certificate_kind="training_completion", level=None),
        training_region="150602",
        start_date=start,
        end_date=end,
        kind=Claim.Kind.WORK_BASED,
        months=months,
        employment=employment,
        today=date(2021, 6, 30),
    )


def test_a_claim_is_for_the_recorded_months_of_its_period_each_claimed_once(employment):
    for month in (date(2020, 3, 1), date(2020, 4, 1), date(2020, 5, 1), date(2020, 11, 1)):
        record(employment, month)
    with pytest.raises(DomainError) as exc:  # six claimed, three on record in the period
        work_claim(employment, start=date(2020, 3, 16), end=date(2020, 8, 31), months=6)
    assert (exc.value.code, exc.value.clause) == ("work_training_months_differ", "§3.3.g")
    assert "3 on record (2020-03, 2020-04, 2020-05)" in exc.value.en
    assert Claim.objects.count() == 0

    claim = work_claim(employment, start=date(2020, 3, 16), end=date(2020, 8, 31))
    assert claim.months == 3
    with pytest.raises(DomainError) as exc:  # the same months again
        work_claim(employment, start=date(2020, 4, 1), end=date(2020, 5, 31))
    assert exc.value.code == "work_training_no_months"
    assert work_claim(employment, start=date(2020, 3, 16), end=date(2020, 12, 31)).months == 1  # only November
    with pytest.raises(DomainError) as exc:  # another person's employment
        work_claim(employment, start=date(2020, 3, 16), end=date(2020, 8, 31), person=make_person())
    assert exc.value.code == "claim_employment"
