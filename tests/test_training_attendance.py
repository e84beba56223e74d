"""Attendance per session (§4.3.d authenticity): device or manual check-in and check-out inside the
session's day, the attendance rate in exact Decimals, completion against the dated threshold."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from skillfund.accounts.models import Role
from skillfund.core.errors import DomainError
from skillfund.core.models import AuditRecord
from skillfund.policy.parameters import default_parameters
from skillfund.training import selectors
from skillfund.training.actions.enrolment import attendance_record, enrolment_create
from skillfund.training.models import Attendance
from tests.factories import CLASS_START, UserFactory, at, make_class_plan, make_person

pytestmark = pytest.mark.django_db

AFTER_CLASS = at(CLASS_START + timedelta(days=10), 9)


@pytest.fixture
def enrolment():
    plan = make_class_plan()  # 5 sessions, 09:00–12:00, 3 hours each
    return enrolment_create(
        class_plan=plan, person=make_person(), actor=None, now=at(CLASS_START - timedelta(days=2), 9)
    )


def sessions(enrolment):
    return list(enrolment.class_plan.sessions.order_by("starts_at"))


def counts() -> tuple[int, int]:
    return AuditRecord.objects.count(), Attendance.objects.count()


def attend(enrolment, session, *, check_in=None, check_out=None, method="face", actor=None, **kwargs):
    day = session.starts_at
    return attendance_record(
        enrolment=enrolment,
        session=session,
        check_in=check_in or day - timedelta(minutes=5),
        check_out=check_out or session.ends_at + timedelta(minutes=2),
        method=method,
        actor=actor,
        now=kwargs.pop("now", AFTER_CLASS),
        **kwargs,
    )


def test_device_check_in_is_recorded_with_an_audit_record(enrolment):
    first = sessions(enrolment)[0]
    attendance = attend(enrolment, first, method="fingerprint")
    assert (attendance.method, attendance.operator) == ("fingerprint", None)
    assert AuditRecord.objects.latest("id").action == "attendance.record"


def test_manual_attendance_needs_operator_and_reason(enrolment):
    first = sessions(enrolment)[0]
    before = counts()
    with pytest.raises(DomainError) as exc:
        attend(enrolment, first, method="manual", reason="设备故障")
    assert (exc.value.code, exc.value.field) == ("manual_needs_operator", "operator")
    operator = UserFactory(role=Role.INSTITUTION_OPERATOR, organization=enrolment.class_plan.institution)
    with pytest.raises(DomainError) as exc:
        attend(enrolment, first, method="manual", actor=operator, reason=" ")
    assert (exc.value.code, exc.value.field) == ("reason_required", "reason")
    assert counts() == before

    attendance = attend(enrolment, first, method="manual", actor=operator, reason="人脸设备故障，纸质签到表补录")
    assert (attendance.operator, attendance.reason) == (operator, "人脸设备故障，纸质签到表补录")


def test_database_refuses_a_manual_record_without_operator(enrolment):
    attendance = attend(enrolment, sessions(enrolment)[0])
    with pytest.raises(IntegrityError), transaction.atomic():
        Attendance.objects.filter(pk=attendance.pk).update(method="manual")


def test_attendance_outside_class_dates_refused(enrolment):
    first = sessions(enrolment)[0]
    day_before = first.starts_at - timedelta(days=1)
    before = counts()
    with pytest.raises(DomainError) as exc:
        attend(enrolment, first, check_in=day_before, check_out=day_before + timedelta(hours=3))
    assert (exc.value.code, exc.value.field) == ("outside_class_dates", "check_in")
    assert enrolment.class_plan.code in exc.value.en and enrolment.person.name in exc.value.zh
    assert counts() == before


def test_attendance_on_another_day_of_the_class_refused(enrolment):
    first, second = sessions(enrolment)[:2]
    before = counts()
    with pytest.raises(DomainError) as exc:
        attend(enrolment, first, check_in=second.starts_at, check_out=second.ends_at)
    assert exc.value.code == "outside_session_date"
    assert counts() == before


def test_future_dates_refused(enrolment):
    last = sessions(enrolment)[-1]
    before = counts()
    with pytest.raises(DomainError) as exc:
        attend(enrolment, last, now=last.starts_at + timedelta(hours=1))  # checks out in two hours' time
    assert (exc.value.code, exc.value.field) == ("future_date", "check_out")
    assert counts() == before


def test_check_out_before_check_in_refused(enrolment):
    first = sessions(enrolment)[0]
    with pytest.raises(DomainError) as exc:
        attend(enrolment, first, check_in=first.ends_at, check_out=first.starts_at)
    assert (exc.value.code, exc.value.field) == ("check_out_before_check_in", "check_out")


def test_one_record_per_session_and_only_sessions_of_the_class(enrolment):
    first = sessions(enrolment)[0]
    attend(enrolment, first)
    with pytest.raises(DomainError) as exc:
        attend(enrolment, first)
    assert exc.value.code == "attendance_exists"
    other_session = make_class_plan().sessions.first()
    with pytest.raises(DomainError) as exc:
        attend(enrolment, other_session)
    assert (exc.value.code, exc.value.field) == ("session_not_in_class", "session")


def test_attendance_rate_and_completion_threshold(enrolment):
    """12 of 15 hours is 80%: the threshold in force (0.80 since 2019-11-28) is met exactly."""
    all_sessions = sessions(enrolment)
    for session in all_sessions[:4]:
        attend(enrolment, session)
    assert selectors.attended_hours(enrolment) == Decimal("12.00")
    assert selectors.attendance_rate(enrolment) == Decimal("0.8000")
    assert default_parameters().value("attendance_threshold", on=date(2020, 6, 5)) == Decimal("0.80")
    assert selectors.completed(enrolment, on=date(2020, 6, 5))


def test_late_arrival_earns_only_the_time_present(enrolment):
    """Three full sessions and one attended from 10:20 to 12:00: 9 + 1.66 of 15 hours."""
    all_sessions = sessions(enrolment)
    for session in all_sessions[:3]:
        attend(enrolment, session)
    last_but_one = all_sessions[3]
    attend(enrolment, last_but_one, check_in=last_but_one.starts_at + timedelta(minutes=80))
    assert selectors.attended_hours(enrolment) == Decimal("10.66")
    assert selectors.attendance_rate(enrolment) == Decimal("0.7106")
    assert not selectors.completed(enrolment, on=date(2020, 6, 5))


def test_attendance_rate_reads_two_queries(enrolment, django_assert_num_queries):
    for session in sessions(enrolment):
        attend(enrolment, session)
    with django_assert_num_queries(2):
        assert selectors.attendance_rate(enrolment) == Decimal("1.0000")
