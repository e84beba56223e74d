"""Application.status_since / approved_at / granted are stored copies (for the queues and the
payable list at 1,000,000 claims: a column sorts and sums through an index, a subquery per row does
not). They must equal what they copy: the latest review step, the latest approval step and the
grants of the application's claims (what a payment line pays)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import Max

from skillfund.accounts.models import Role
from skillfund.claims.models import Application, ApplicationEvent
from skillfund.claims.selectors import with_waiting_since
from skillfund.funds.batch_selectors import payable_applications
from skillfund.funds.payments import granted_amounts, payment_batch_create
from skillfund.training.models import ClassPlan
from tests.factories import UserFactory, make_class_plan
from tests.funds_helpers import finance_officer, fund
from tests.test_payments import approved_class, approved_individual

pytestmark = pytest.mark.django_db


def _latest(application: Application, **step):
    return ApplicationEvent.objects.filter(application=application, **step).aggregate(at=Max("at"))["at"]


def test_the_stored_columns_equal_the_steps_and_grants_they_copy():
    hr = UserFactory(role=Role.HR_STAFF, username="hr")
    finance = finance_officer()
    fund("100000.00", actor=finance)
    apps = [approved_individual(hr), approved_class(hr, make_class_plan(funding_mode=ClassPlan.FundingMode.ENTERPRISE))]
    amounts = granted_amounts([a.pk for a in apps])
    for application in apps:
        application.refresh_from_db()
        assert application.granted == amounts[application.pk] > Decimal("0.00")
        assert application.approved_at == _latest(application, step="approve") is not None
        assert application.status_since == _latest(application)
    listed = {a.pk: a for a in payable_applications(finance)}
    assert {pk: a.granted for pk, a in listed.items()} == amounts
    batch = payment_batch_create(applications=apps, actor=finance)
    assert {line.application_id: line.amount for line in batch.lines.all()} == amounts  # no advance here


def test_an_application_without_steps_waits_since_its_creation():
    hr = UserFactory(role=Role.HR_STAFF, username="hr")
    application = approved_individual(hr)
    Application.objects.filter(pk=application.pk).update(status_since=None)
    (row,) = with_waiting_since(Application.objects.filter(pk=application.pk))
    assert row.waiting_since == row.created_at
