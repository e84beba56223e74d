"""Reads of training delivery: hours, attendance rate and completion, and the facts the rules
engine asks for (以工代训 months, clashing sessions)."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_DOWN, Decimal

from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Sum, Value, When

from skillfund.organizations.models import Organization
from skillfund.policy.parameters import default_parameters
from skillfund.registry.models import Person
from skillfund.training.models import Attendance, ClassPlan, ClassSession, Employment, Enrolment

HOUR = Decimal(3600)
CENTI = Decimal("0.01")
RATE_PLACES = Decimal("0.0001")


def planned_hours(class_plan: ClassPlan) -> Decimal:
    """The class hours of all the plan's sessions."""
    return ClassSession.objects.filter(class_plan=class_plan).aggregate(h=Sum("hours"))["h"] or Decimal(0)


def credited_hours(attendance: Attendance) -> Decimal:
    """The hours one attendance earns: the time present inside the session, never more than the
    session's class hours (so a session with a break still counts in full), to the 0.01 hour below."""
    session = attendance.session
    start = max(attendance.check_in, session.starts_at)
    end = min(attendance.check_out, session.ends_at)
    if end <= start:
        return Decimal(0)
    present = (Decimal((end - start).total_seconds()) / HOUR).quantize(CENTI, rounding=ROUND_DOWN)
    return min(present, session.hours)


def attended_hours(enrolment: Enrolment) -> Decimal:
    rows = Attendance.objects.filter(enrolment=enrolment).select_related("session")
    return sum((credited_hours(a) for a in rows), Decimal(0))


def attendance_rate(enrolment: Enrolment) -> Decimal:
    """Attended hours / planned hours, as an exact Decimal cut (never rounded up) to 4 places."""
    planned = planned_hours(enrolment.class_plan)
    if not planned:
        return Decimal(0)
    return (attended_hours(enrolment) / planned).quantize(RATE_PLACES, rounding=ROUND_DOWN)


def completed(enrolment: Enrolment, *, on: date) -> bool:
    """Whether attendance reaches the completion threshold in force on `on`
    (policy_data/parameters/attendance_threshold.yaml). Compared without division, so no rounding
    decides a borderline case."""
    if enrolment.status == Enrolment.Status.WITHDRAWN:
        return False
    planned = planned_hours(enrolment.class_plan)
    threshold = default_parameters().value("attendance_threshold", on=on)
    return bool(planned) and attended_hours(enrolment) >= threshold * planned


def work_training_months(employment: Employment) -> int:
    """How many months of 以工代训 are on record (the engine applies the §3.3.g limit)."""
    return employment.training_months.count()


def clashing_session(*, person: Person, class_plan: ClassPlan) -> ClassSession | None:
    """A session of another class the person is (or was) enrolled in that overlaps in time with
    one of `class_plan`'s sessions; None if there is none."""
    overlapping_here = ClassSession.objects.filter(
        class_plan=class_plan, starts_at__lt=OuterRef("ends_at"), ends_at__gt=OuterRef("starts_at")
    )
    return (
        ClassSession.objects.filter(
            class_plan__enrolments__person=person, class_plan__enrolments__status__in=Enrolment.ACTIVE
        )
        .exclude(class_plan=class_plan)
        .filter(Exists(overlapping_here))
        .select_related("class_plan")
        .order_by("starts_at")
        .first()
    )


def classes_open_to(person: Person, *, today: date) -> QuerySet[ClassPlan]:
    """Approved classes a worker may still join on their own (actions.enrolment.worker_enrol: an
    individual or project class, no enterprise's order, not started, a place left), nearest
    first: a class in the county where they live, are registered or seek work, then one in the
    same prefecture (§3.3.a's places), then the rest; sooner classes first within each.
    Annotated: `taken` (places held) and `nearness` (0 county, 1 prefecture, 2 elsewhere)."""
    from skillfund.training.actions.enrolment import SELF_ENROLMENT_MODES

    places = [p for p in (person.residence_region, person.hukou_region, person.job_region) if p]
    prefectures = sorted({p[:4] for p in places})
    taken = Count("enrolments", filter=Q(enrolments__status__in=Enrolment.ACTIVE))
    return (
        ClassPlan.objects.filter(
            status=ClassPlan.Status.APPROVED,
            funding_mode__in=SELF_ENROLMENT_MODES,
            enterprise_order__isnull=True,
            start_date__gt=today,
            institution__status=Organization.Status.ACTIVE,
        )
        .annotate(
            taken=taken,
            nearness=Case(
                When(region__in=places, then=Value(0)),
                *[When(region__startswith=p, then=Value(1)) for p in prefectures],
                default=Value(2),
                output_field=IntegerField(),
            ),
        )
        .filter(taken__lt=F("capacity"))
        .select_related("catalog_item__occupation", "institution")
        .order_by("nearness", "start_date", "code")
    )
