"""Reads of the classes open for enrolment: approved class plans (§4.3.d) that have not started and
still have places. The public portal lists them; a worker's page can narrow them to the worker.

Kept apart from selectors.py (hours, attendance, the rules engine's facts) because it answers a
different reader: the public, who see no person and no enrolment, only counts of places.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Count, F, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from skillfund.regions.models import Region
from skillfund.training.models import ClassPlan, ClassSession, Enrolment


def _places_taken() -> Coalesce:
    taken = (
        Enrolment.objects.filter(class_plan=OuterRef("pk"), status__in=Enrolment.ACTIVE)
        .order_by()
        .values("class_plan")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(taken, output_field=IntegerField()), Value(0))


def open_class_plans(*, today: date, region: str = "", occupation: str = "") -> QuerySet[ClassPlan]:
    """Approved classes starting today or later with a place left, soonest first; `region` a
    county code (or a prefix of one: "1506" is all of Ordos), `occupation` an occupation code.
    Each carries `places_left`."""
    plans = (
        ClassPlan.objects.filter(status=ClassPlan.Status.APPROVED, start_date__gte=today)
        .annotate(places_left=F("capacity") - _places_taken())
        .filter(places_left__gt=0)
        .select_related("catalog_item__occupation", "institution")
        .order_by("start_date", "code")
    )
    if region:
        plans = plans.filter(region__startswith=region)
    if occupation:
        plans = plans.filter(catalog_item__occupation__code=occupation)
    return plans


def open_class_plan(*, code: str, today: date) -> ClassPlan | None:
    """One open class by its code, or None when there is none open by that code."""
    return open_class_plans(today=today).filter(code=code).first()


def class_sessions(class_plan: ClassPlan) -> list[ClassSession]:
    """The class's sessions in time order: when, how many class hours, the topic (no teacher)."""
    return list(class_plan.sessions.order_by("starts_at").only("starts_at", "ends_at", "hours", "topic", "class_plan"))


def open_class_occupations(*, today: date) -> list[tuple[str, str, str]]:
    """(code, name, English name) of the occupations that open classes train, by code."""
    return list(
        open_class_plans(today=today)
        .filter(catalog_item__occupation__isnull=False)
        .order_by("catalog_item__occupation__code")
        .values_list(
            "catalog_item__occupation__code", "catalog_item__occupation__name", "catalog_item__occupation__name_en"
        )
        .distinct()
    )


def districts_of(prefix: str) -> list[Region]:
    """The banners and districts (county level) of an area, by code."""
    return list(Region.objects.filter(level=Region.Level.COUNTY, code__startswith=prefix).order_by("code"))


def region_names(codes: set[str]) -> dict[str, Region]:
    """The regions of a page's rows in one query."""
    return {r.code: r for r in Region.objects.filter(code__in=codes)}
