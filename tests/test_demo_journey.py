"""The demo runs on any date (issue 9, point 5): on a database set up by `setup_demo` on that date, a
newcomer files a class for next week and walks it to payment through the actions the pages and the
admin call. The clock is moved (time-machine) to three dates in three different years, none of
which the demo's data names; 2028 and 2031 are not in the working-day calendar, so the notice is
counted Monday to Friday and says so."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import Q
from django.utils import timezone

from skillfund.accounts.models import User
from skillfund.catalog.models import CatalogItem
from skillfund.claims.applying import class_claim
from skillfund.claims.models import Decision, Grant
from skillfund.claims.review import application_step
from skillfund.claims.workflow import Status
from skillfund.core import audit
from skillfund.demo.year import programme_code
from skillfund.funds.models import Account
from skillfund.funds.payments import payment_batch_create, payment_batch_pay
from skillfund.funds.selectors import ledger_problems
from skillfund.notices.actions import notice_publish
from skillfund.notices.workdays import fallback_warning
from skillfund.organizations.models import Organization
from skillfund.programme.models import AnnexTask
from skillfund.registry.models import Person
from skillfund.training.actions.enrolment import attendance_record, enrolment_create
from skillfund.training.actions.plans import (
    class_plan_add_session,
    class_plan_approve,
    class_plan_create,
    class_plan_file,
)
from skillfund.training.actions.results import assessment_record, certificate_record
from skillfund.training.models import Attendance, ClassPlan
from skillfund.training.selectors import clashing_session

# Payments commit line by line (funds/payments.py), so this runs outside a test transaction.
pytestmark = pytest.mark.django_db(transaction=True)

LOCAL = ZoneInfo("Asia/Shanghai")
# Setup date, and the years of the notice's count that the calendar file does not have.
DATES = [
    (datetime(2026, 12, 2, 9, 0, tzinfo=LOCAL), []),
    (datetime(2028, 3, 15, 9, 0, tzinfo=LOCAL), [2028]),
    (datetime(2031, 7, 1, 9, 0, tzinfo=LOCAL), [2031]),
]
ITEM = "security-guard"  # 40 hours: five days of eight


def _at(day, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=LOCAL)


def _candidates(plan: ClassPlan, n: int) -> list[Person]:
    """Registered, living or seeking work where the class is held (§3.3.a), with a status on its first day."""
    on = plan.start_date
    local = Q(hukou_region=plan.region) | Q(residence_region=plan.region) | Q(job_region=plan.region)
    holding = Q(statuses__valid_from__lte=on) & (Q(statuses__valid_to__isnull=True) | Q(statuses__valid_to__gte=on))
    persons = Person.objects.filter(local, holding, receives_pension=False).exclude(enrolments__isnull=False)
    return [p for p in persons.distinct().order_by("pk") if clashing_session(person=p, class_plan=plan) is None][:n]


@pytest.mark.parametrize(("start", "counted_monday_to_friday"), DATES, ids=[d.date().isoformat() for d, _ in DATES])
def test_a_newcomer_walks_a_class_filed_for_next_week_to_payment(start, counted_monday_to_friday):
    with time_machine.travel(start, tick=True) as clock:
        call_command("setup_demo", persons=300)
        today = timezone.localdate()
        users = {u.username: u for u in User.objects.all()}
        institution = users["institution"].organization
        department = Organization.objects.get(unit_code="hrss")

        # The year's demo programme and catalog are there, labelled, with the institution approved.
        begins = today + timedelta(days=7)
        item = CatalogItem.objects.get(year=begins.year, code=ITEM)
        assert "演示" in item.title and item.approved_institutions.filter(pk=institution.pk).exists()
        task = AnnexTask.objects.get(programme__code=programme_code(begins.year), code="hrss-urban")
        assert "演示" in task.programme.name and str(begins.year) in task.programme.name

        # File a class starting next week; the department approves it.
        days = [begins + timedelta(days=i) for i in range(5)]
        plan = class_plan_create(
            actor=users["institution"],
            code=f"JOURNEY-{today:%Y}",
            institution=institution,
            catalog_item=item,
            department=department,
            annex_task=task,
            funding_mode=ClassPlan.FundingMode.PROJECT,
            region=institution.region,
            venue="华夏培训学校 实训楼",
            start_date=days[0],
            end_date=days[-1],
            capacity=30,
        )
        for day in days:
            class_plan_add_session(
                class_plan=plan,
                starts_at=_at(day, 8),
                ends_at=_at(day, 16),
                hours=Decimal(8),
                topic="保安员实务",
                actor=users["institution"],
            )
        class_plan_file(class_plan=plan, actor=users["institution"])
        class_plan_approve(class_plan=plan, actor=users["dept_hrss"])
        enrolments = [
            enrolment_create(class_plan=plan, person=person, actor=users["institution"])
            for person in _candidates(plan, 3)
        ]
        assert enrolments

        # After the class: attendance, assessment, certificates.
        clock.move_to(_at(days[-1] + timedelta(days=1), 9))
        for n, enrolment in enumerate(enrolments):
            for session in plan.sessions.order_by("starts_at"):
                attendance_record(
                    enrolment=enrolment,
                    session=session,
                    check_in=session.starts_at,
                    check_out=session.ends_at,
                    method=Attendance.Method.FACE,
                    actor=users["institution"],
                )
            assessment_record(enrolment=enrolment, result="pass", assessed_on=days[-1], actor=users["institution"])
            certificate_record(
                person=enrolment.person,
                enrolment=enrolment,
                kind=item.certificate_kind,
                number=f"{plan.code}-{n + 1:03d}",
                occupation=item.occupation,
                level=item.level,
                issue_date=timezone.localdate(),
                issuing_body=institution.name,
                actor=users["institution"],
            )

        # Claim (the "apply for a class" page), verify, check, publish.
        [application] = class_claim(class_plan=plan, actor=users["institution"])
        application = application_step(application=application, step="verify", actor=users["dept_hrss"])
        application = application_step(application=application, step="check", actor=users["hr"])
        notice = notice_publish(applications=[application], actor=users["hr"], title="演示公示", contact="0477-8580000")
        assert notice.calendar_fallback_years == counted_monday_to_friday
        assert notice.calendar_warnings == [fallback_warning(y) for y in counted_monday_to_friday]

        # After the notice: approve and pay; the money booked is the decided amount.
        clock.move_to(_at(notice.closes_on + timedelta(days=1), 9))
        application = application_step(application=application, step="approve", actor=users["hr_approver"])
        decided = Decision.objects.filter(claim__application=application, purpose=Decision.Purpose.GRANT, eligible=True)
        expected = sum((d.subsidy + d.living_allowance for d in decided), Decimal("0.00"))
        assert expected > 0 and Grant.objects.filter(claim__application=application).count() == decided.count()
        assert expected == sum((e.amount for e in notice.entries.all()), Decimal("0.00"))
        cash_before = Account.objects.get(code="cash").balance
        batch = payment_batch_create(applications=[application], actor=users["finance"])
        assert not payment_batch_pay(batch=batch, actor=users["finance"]).refused
        application.refresh_from_db()
        assert application.status == Status.PAID
        assert batch.lines.get().amount == expected
        assert cash_before - Account.objects.get(code="cash").balance == expected
        assert ledger_problems() == [] and list(audit.verify()) == []
