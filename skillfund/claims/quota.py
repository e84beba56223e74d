"""One person's §3.3.b standing, counted as the rules count it: the subsidies used and left in a
year, and the occupations and levels already subsidized (never subsidized twice).

The engine (policy/engine.py `_with_history`) counts a person's grants by the year their training
ended, leaves out training through work (§3.3.g is limited by months instead) and, for the yearly
cap, only grants from the day the cap came into force; past subsidies recorded as history grants
count like any other. These reads follow it, so the number a worker or reviewer sees is the number
the next decision will use.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet

from skillfund.catalog.models import CatalogItem, Occupation, SkillLevel
from skillfund.claims.models import Claim, Grant
from skillfund.policy.parameters import ParameterNotInForce, default_parameters
from skillfund.registry.models import Person

ITEM_PREFIX = "item:"  # a training without an occupation is keyed by its catalog item (claims.actions.subject_of)


@dataclass(frozen=True)
class YearQuota:
    year: int
    cap: int | None  # None: no cap in force on the day asked about
    used: int
    pending: int  # claims of the year still in review: not counted until granted

    @property
    def left(self) -> int | None:
        return None if self.cap is None else max(self.cap - self.used, 0)


def _counted(person: Person) -> QuerySet[Grant]:
    return Grant.objects.filter(person=person).exclude(kind=Claim.Kind.WORK_BASED)


def year_quota(person: Person, *, on: date) -> YearQuota:
    """§3.3.b on `on`: the cap in force, and the grants of `on`'s year that count against it."""
    params = default_parameters()
    try:
        cap = int(params.value("annual_cap", on))
    except ParameterNotInForce:
        cap = None
    cap_from = params["annual_cap"].values[0].since
    used = _counted(person).filter(year=on.year, end_date__gte=cap_from).count()
    pending = (
        Claim.objects.filter(
            person=person, end_date__year=on.year, status__in=[Claim.Status.SUBMITTED, Claim.Status.DECIDED]
        )
        .exclude(kind=Claim.Kind.WORK_BASED)
        .count()
    )
    return YearQuota(year=on.year, cap=cap, used=used, pending=pending)


@dataclass(frozen=True)
class Subsidized:
    """One occupation and level already subsidized: never again for this person (§3.3.b)."""

    subject: str
    code: str  # the occupation code, or "" for a training without one
    name: str
    level: int | None
    level_label: str
    year: int
    history: bool  # a past subsidy recorded from before the platform or another system


def subsidized(person: Person) -> list[Subsidized]:
    """Every occupation and level subsidized for the person, newest first, with names (two
    queries for the names, whatever the number of grants)."""
    grants = list(_counted(person).order_by("-end_date", "-id").values("subject", "level_key", "year", "origin"))
    codes = {g["subject"] for g in grants if not g["subject"].startswith(ITEM_PREFIX)}
    items = {g["subject"][len(ITEM_PREFIX) :] for g in grants if g["subject"].startswith(ITEM_PREFIX)}
    occupation_names = dict(Occupation.objects.filter(code__in=codes).values_list("code", "name"))
    item_titles = dict(CatalogItem.objects.filter(code__in=items).order_by("year").values_list("code", "title"))
    levels = dict(SkillLevel.choices)
    found = []
    for g in grants:
        subject, level = g["subject"], g["level_key"] or None
        if subject.startswith(ITEM_PREFIX):
            code, name = "", item_titles.get(subject[len(ITEM_PREFIX) :], subject[len(ITEM_PREFIX) :])
        else:
            code, name = subject, occupation_names.get(subject, subject)
        found.append(
            Subsidized(
                subject=subject,
                code=code,
                name=name,
                level=level,
                level_label=str(levels.get(level, "")) if level else "",
                year=g["year"],
                history=g["origin"] == Grant.Origin.HISTORY,
            )
        )
    return found
