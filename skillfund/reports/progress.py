"""Progress against a programme's targets (§2, Annex, §4.4.d): what the target dashboards show.

What counts (one definition for every table, chart and export):

- A **person-time** (人次: one person completing one subsidized training, the brief's glossary) is a
  granted claim: a subsidy approved on this platform (each granted claim has exactly one policy
  grant, claims/actions.py). It counts in the year and month its training ended, toward the claim's
  responsible department, training region (banner/district), catalog training type and claim kind.
  This is the disclosure's count of person-times (reports/selectors.py): past subsidies recorded
  from elsewhere (history grants) are not this programme's work, and a claim still in review is not
  yet a person-time.
- The programme's figures are the claims of the government units of its area (`departments_of`),
  and claims without a department when the deployment serves its city — as in the disclosure.
- **Stages** (§2.c–e) compare the year's person-times with the stage's target; the **total** (§2.a)
  all the programme's years with its total target.
- **Departments** (Annex): each annex row's unit, its annual task (× the years shown) and its
  person-times; a row's sub-items (the HR bureau's) count the claims whose class plan names the
  sub-item (`ClassPlan.annex_task`, matched by code); the rest of the unit's person-times is shown
  as "no sub-item named". Units outside the annex follow ("train as actual needs require").
- **§2.b skill ratios**: the HR bureau enters, per year and region, employed persons and the skilled
  and high-skilled workers the statistics count (programme.WorkforceFigures). The programme adds
  the persons it certified since: persons with a granted claim for a skill-level or qualification
  certificate (the levelled certificates of §3.3.a) — any level for skilled workers, levels 3–1
  (高级工, 技师, 高级技师: the glossary's 高技能, catalog.HIGH_SKILL_LEVELS) for high-skilled —
  counted once per year. A year without figures uses the latest earlier year's and adds every
  year's certified persons since. A person the base already counted is counted again when they
  are certified (an upper bound); so the dashboard says so.
- **Forecast** of a year in progress (`forecast`): person-times so far, plus the average complete
  month times the months left; the 90 % band adds the month-to-month variation (at least Poisson's,
  variance = mean) and the uncertainty of that average.

Everything is counted in the database: one GROUP BY over the granted claims (year, month,
department, region, training type, kind), one for the sub-items and one for the certified persons;
the groups are then rolled up into the tables. No query runs per row. Counting a million claims
takes seconds, so an answer is cached per scope (the city, or one department), keyed by the latest
grant and the latest figures entered (`_cached`): a new grant or new figures give a new key.
"""

from __future__ import annotations

import calendar
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import partial
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils import timezone, translation

from skillfund.accounts.models import Role
from skillfund.accounts.scoping import role_of
from skillfund.catalog.models import HIGH_SKILL_LEVELS, LEVELLED_CERTIFICATES, TrainingType
from skillfund.claims.models import Claim, Grant
from skillfund.organizations.models import Organization
from skillfund.programme.models import AnnexTask, Programme, RatioTarget, WorkforceFigures
from skillfund.programme.selectors import departments_of, home_region
from skillfund.regions.models import Region

# Who reads the dashboards: the HR bureau, departments (their own rows), finance and the auditor.
CITY_READERS = frozenset({Role.HR_STAFF, Role.FINANCE_OFFICER, Role.AUDITOR})
READERS = CITY_READERS | {Role.DEPARTMENT_STAFF}

UNATTRIBUTED = "unattributed"
OUTSIDE = "outside"
NO_SUB_ITEM = "no-sub-item"
Z90 = Decimal("1.645")  # two-sided 90 % normal quantile
SKILLED_SHARE, HIGH_SKILLED_SHARE = "skilled-share", "high-skilled-share"  # RatioTarget codes (§2.b)

# §3.1.2 lists pre-job, safety, job-transfer, skill-upgrading and apprenticeship training of enterprise
# employees; §3.1.3 employment skills of key groups, new professional farmers and entrepreneurship.
TYPE_PLAN = {
    TrainingType.EMPLOYMENT_SKILLS: "§3.1.3",
    TrainingType.ENTREPRENEURSHIP: "§3.1.3",
    TrainingType.FARMER: "§3.1.3",
    TrainingType.SKILL_UPGRADING: "§3.1.2",
    TrainingType.PRE_JOB: "§3.1.2",
    TrainingType.SAFETY_SKILLS: "§3.1.2",
    TrainingType.JOB_TRANSFER: "§3.1.2",
    TrainingType.APPRENTICESHIP: "§3.1.2",
}
_FIXED = {
    UNATTRIBUTED: ("未归属", "not attributed"),
    OUTSIDE: ("市外", "outside the area"),
    NO_SUB_ITEM: ("未指明子项", "no sub-item named"),
}


def may_read(user: Any) -> bool:
    return role_of(user) in READERS


def city_wide(user: Any) -> bool:
    """Whether the user reads the whole programme (stages, §2.b) or only its own department's rows."""
    return role_of(user) in CITY_READERS


# ---- the forecast ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Forecast:
    """Where a year in progress is expected to end (person-times), with a 90 % band."""

    year: int
    so_far: int
    expected: int
    low: int
    high: int
    months_observed: int  # complete months the average is taken over
    months_left: Decimal  # the rest of the current month and the months after it
    per_month: Decimal  # the average complete month


def _whole(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def forecast(*, year: int, monthly: dict[int, int], today: date) -> Forecast | None:
    """The year-end forecast from the run rate, or None for a year not in progress or before its
    first complete month. `monthly` maps month 1–12 to person-times.

    expected = so far + k·m̄, with m̄ the mean of the m complete months and k the months left
    (the current month's unelapsed part included); the band is ± 1.645·√(k·v + k²·v/m) with
    v = max(s², m̄): the variation of the k months to come plus the error of m̄, never below a
    Poisson count's."""
    if today.year != year or today.month == 1:
        return None
    m = today.month - 1
    counts = [Decimal(monthly.get(month, 0)) for month in range(1, m + 1)]
    so_far = sum(monthly.get(month, 0) for month in range(1, 13))
    mean = sum(counts, Decimal(0)) / m
    var = sum(((c - mean) ** 2 for c in counts), Decimal(0)) / (m - 1) if m > 1 else Decimal(0)
    v = max(var, mean)
    elapsed = Decimal(today.day - 1) / calendar.monthrange(today.year, today.month)[1]
    k = Decimal(12 - m) - elapsed
    expected = so_far + k * mean
    spread = Z90 * (k * v + k * k * v / m).sqrt()
    return Forecast(
        year=year,
        so_far=so_far,
        expected=_whole(expected),
        low=max(so_far, _whole(expected - spread)),
        high=_whole(expected + spread),
        months_observed=m,
        months_left=k.quantize(Decimal("0.01")),
        per_month=mean.quantize(Decimal("0.1")),
    )


# ---- the figures ------------------------------------------------------------------------------------


@dataclass
class Row:
    """One line of a progress table: person-times against a target (None: the policy sets none)."""

    key: str
    name: str
    name_en: str
    actual: int = 0
    target: int | None = None
    clause: str = ""
    detail: str = ""  # what the row's target is for (an annex row's training)
    detail_en: str = ""
    forecast: Forecast | None = None
    sub_rows: list[Row] = field(default_factory=list)

    @property
    def percent(self) -> Decimal | None:
        if not self.target:
            return None
        return (Decimal(self.actual * 100) / self.target).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    def label(self, lang: str) -> str:
        return self.name_en if lang == "en" and self.name_en else self.name

    def detail_label(self, lang: str) -> str:
        return self.detail_en if lang == "en" and self.detail_en else self.detail


@dataclass(frozen=True)
class Ratio:
    """One region's §2.b shares in one year."""

    year: int
    region: str
    name: str
    name_en: str
    base_year: int | None  # the year of the figures used (None: none entered yet)
    source_document: str
    employed: int | None
    skilled_base: int | None
    high_skilled_base: int | None
    certified: int  # persons the programme certified since the base year (any level)
    certified_high: int  # … at levels 3–1
    skilled_target: Decimal | None
    high_target: Decimal | None

    @property
    def skilled(self) -> int | None:
        return None if self.skilled_base is None else self.skilled_base + self.certified

    @property
    def high_skilled(self) -> int | None:
        return None if self.high_skilled_base is None else self.high_skilled_base + self.certified_high

    @property
    def skilled_percent(self) -> Decimal | None:
        if not self.employed or self.skilled is None:
            return None
        return _percent(self.skilled, self.employed)

    @property
    def high_percent(self) -> Decimal | None:
        if not self.skilled or self.high_skilled is None:
            return None
        return _percent(self.high_skilled, self.skilled)

    @property
    def skilled_met(self) -> bool | None:
        pct = self.skilled_percent
        return None if pct is None or self.skilled_target is None else pct >= self.skilled_target

    @property
    def high_met(self) -> bool | None:
        pct = self.high_percent
        return None if pct is None or self.high_target is None else pct >= self.high_target

    def label(self, lang: str) -> str:
        return self.name_en if lang == "en" and self.name_en else self.name


def _percent(part: int, whole: int) -> Decimal:
    return (Decimal(part * 100) / whole).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Progress:
    programme: Programme
    year: int | None  # None: every year of the programme
    years: list[int]  # the years shown
    as_of: date
    department: Organization | None  # set when the figures are one department's only
    persons: int  # person-times shown (the total of every table)
    stages: list[Row]
    total: Row | None  # §2.a, city-wide only
    by_department: list[Row]
    by_district: list[Row]
    by_type: list[Row]
    by_kind: list[Row]
    monthly: dict[int, dict[int, int]]  # year → month → person-times
    forecast: Forecast | None  # the shown year's, when it is in progress
    ratios: list[Ratio]

    @property
    def city_wide(self) -> bool:
        return self.department is None


def programme_years(programme: Programme) -> list[int]:
    return list(range(programme.start_year, programme.end_year + 1))


def granted_claims(*, programme: Programme, user: Any) -> QuerySet[Claim]:
    """The programme's person-times the user may read: the city's for HR, finance and the auditor,
    its own claims for a department (谁主管、谁负责, §4.3.c; as `claims_visible_to`), none for
    anyone else."""
    role = role_of(user)
    claims = _programme_claims(programme)
    if role in CITY_READERS:
        return claims
    if role == Role.DEPARTMENT_STAFF and user.organization_id is not None:
        return claims.filter(department_id=user.organization_id)
    return claims.none()


def _programme_claims(programme: Programme) -> QuerySet[Claim]:
    claims = Claim.objects.filter(
        status=Claim.Status.GRANTED,
        end_date__gte=date(programme.start_year, 1, 1),
        end_date__lte=date(programme.end_year, 12, 31),
    )
    scope = Q(department__in=departments_of(programme))
    if (home_region() or "").startswith(programme.region_prefix):
        scope |= Q(department__isnull=True)
    return claims.filter(scope)


def _within(claims: QuerySet[Claim], years: list[int]) -> QuerySet[Claim]:
    """Claims whose training ended in the (consecutive) years: a date range the database can index."""
    return claims.filter(end_date__gte=date(min(years), 1, 1), end_date__lte=date(max(years), 12, 31))


def district_of(region: str | None, programme: Programme) -> str:
    """The banner/district (a city's county-level code; a province's prefecture) a training region
    falls in, or OUTSIDE / UNATTRIBUTED."""
    if not region:
        return UNATTRIBUTED
    if not region.startswith(programme.region_prefix):
        return OUTSIDE
    if len(programme.region_prefix) == 2:
        return region[:4] + "00"
    return region


def progress(*, programme: Programme, user: Any, year: int | None, today: date | None = None) -> Progress:
    """The dashboard's figures for the programme (one year, or all its years when `year` is None)."""
    today = today or timezone.localdate()
    department = None if city_wide(user) else getattr(user, "organization", None)
    role = role_of(user)
    scope = "city" if role in CITY_READERS else (f"department:{user.organization_id}" if may_read(user) else None)
    compute = partial(
        _progress,
        programme=programme,
        claims=granted_claims(programme=programme, user=user),
        department=department,
        year=year,
        today=today,
    )
    return _cached(scope, programme, year, today, compute) if scope else compute()


CACHE_SECONDS = 300


def _cached(scope: str, programme: Programme, year: int | None, today: date, compute: Any) -> Progress:
    """The figures change only when a claim is granted (a new grant row) or figures are entered: the
    key names the latest of each, so a cached answer is never stale (and expires anyway, for a
    programme file loaded again). A million claims take seconds to count; a cached answer, two
    index lookups."""
    last_grant = Grant.objects.order_by("-pk").values_list("pk", "granted_at").first()
    last_figures = WorkforceFigures.objects.order_by("-recorded_at", "-pk").values_list("pk", "recorded_at").first()
    parts = (scope, programme.pk, year, today.isoformat(), last_grant, last_figures)
    key = "progress:" + hashlib.sha256(repr(parts).encode()).hexdigest()
    found = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found, CACHE_SECONDS)
    return found


def public_progress(*, programme: Programme, year: int | None = None, today: date | None = None) -> Progress:
    """A summary the public portal may show: the stages, the total and the annex's departments, as
    the disclosure publishes each department's person-times (§4.3.a). The tables by district, type
    and kind are left out (a small district's count could point at a person; the disclosure
    withholds such cells), and so are the §2.b figures, which are the HR bureau's to publish."""
    today = today or timezone.localdate()
    compute = partial(
        _progress, programme=programme, claims=_programme_claims(programme), department=None, year=year, today=today
    )
    full = _cached("city", programme, year, today, compute)
    return replace(full, by_district=[], by_type=[], by_kind=[], ratios=[])


def _progress(
    *,
    programme: Programme,
    claims: QuerySet[Claim],
    department: Organization | None,
    year: int | None,
    today: date | None,
) -> Progress:
    today = today or timezone.localdate()
    years = programme_years(programme) if year is None else [year]

    # The catalog item's type, not the item: the join is to a small table and the groups are fewer.
    groups = list(
        claims.annotate(y=ExtractYear("end_date"), m=ExtractMonth("end_date"))
        .values("y", "m", "department_id", "training_region", "catalog_item__training_type", "kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    monthly: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    by_dept_month: dict[int | None, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    per_year: dict[int, int] = defaultdict(int)
    departments: dict[int | None, int] = defaultdict(int)
    districts: dict[str, int] = defaultdict(int)
    by_type: dict[str, int] = defaultdict(int)
    by_kind: dict[str, int] = defaultdict(int)
    for g in groups:
        n = g["n"]
        monthly[g["y"]][g["m"]] += n
        per_year[g["y"]] += n
        if g["y"] not in years:
            continue
        if g["y"] == today.year:
            by_dept_month[g["department_id"]][g["m"]] += n
        departments[g["department_id"]] += n
        districts[district_of(g["training_region"], programme)] += n
        training_type = g["catalog_item__training_type"]
        by_type[training_type if training_type in TrainingType.values else UNATTRIBUTED] += n
        by_kind[g["kind"] if g["kind"] in Claim.Kind.values else UNATTRIBUTED] += n
    persons = sum(per_year[y] for y in years)
    current = year if year is not None else (today.year if today.year in years else None)
    shown_forecast = forecast(year=current, monthly=monthly.get(current, {}), today=today) if current else None

    stages, total = [], None
    if department is None:
        stages = [
            Row(
                key=str(s.number),
                name=s.name,
                name_en=s.name_en,
                actual=per_year.get(s.year, 0),
                target=s.target,
                clause=s.clause,
                detail=str(s.year),
                detail_en=str(s.year),
                forecast=forecast(year=s.year, monthly=monthly.get(s.year, {}), today=today),
            )
            for s in programme.stages.order_by("number")
        ]
        running = forecast(year=today.year, monthly=monthly.get(today.year, {}), today=today)
        if today.year not in programme_years(programme):
            running = None
        total = Row(
            key="total",
            name=programme.name,
            name_en=programme.name_en,
            actual=sum(per_year.values()),
            target=programme.total_target,
            clause=programme.total_target_clause,
            forecast=running and _shifted(running, sum(per_year.values()) - running.so_far),
        )

    return Progress(
        programme=programme,
        year=year,
        years=years,
        as_of=today,
        department=department,
        persons=persons,
        stages=stages,
        total=total,
        by_department=_department_rows(
            programme=programme,
            claims=claims,
            years=years,
            counts=departments,
            monthly=by_dept_month,
            today=today,
            department=department,
        ),
        by_district=_district_rows(districts, programme=programme),
        by_type=_type_rows(by_type),
        by_kind=_kind_rows(by_kind),
        monthly={y: dict(months) for y, months in monthly.items()},
        forecast=shown_forecast,
        ratios=skill_ratios(programme=programme, claims=claims, today=today) if department is None else [],
    )


def _shifted(f: Forecast, earlier: int) -> Forecast:
    """A year's forecast as a forecast of the programme's total: the earlier years' person-times added."""
    return Forecast(
        year=f.year,
        so_far=f.so_far + earlier,
        expected=f.expected + earlier,
        low=f.low + earlier,
        high=f.high + earlier,
        months_observed=f.months_observed,
        months_left=f.months_left,
        per_month=f.per_month,
    )


def _department_rows(
    *,
    programme: Programme,
    claims: QuerySet[Claim],
    years: list[int],
    counts: dict[int | None, int],
    monthly: dict[int | None, dict[int, int]],
    today: date,
    department: Organization | None,
) -> list[Row]:
    """The annex's rows in its order (a unit's rows merged, as in the disclosure), each with its
    sub-items; then units outside the annex with person-times; then claims without a department."""
    tasks = list(
        AnnexTask.objects.filter(programme=programme).select_related("unit").order_by("parent_id", "number", "pk")
    )
    if department is not None:
        tasks = [t for t in tasks if t.unit_id == department.pk]
    times = len([y for y in years if programme.start_year <= y <= programme.end_year])
    rows: dict[int, Row] = {}
    parents: dict[int, int] = {}  # task id → unit id
    for task in (t for t in tasks if t.parent_id is None):
        parents[task.pk] = task.unit_id
        row = rows.get(task.unit_id)
        if row is None:
            unit = task.unit
            rows[task.unit_id] = Row(
                key=str(task.unit_id),
                name=unit.short_name or unit.name,
                name_en=unit.name_en or unit.name,
                actual=counts.get(task.unit_id, 0),
                target=task.annual_target * times,
                clause=task.clause,
                detail=task.training,
                detail_en=task.training_en,
            )
        else:
            row.target = (row.target or 0) + task.annual_target * times
            row.detail, row.detail_en = f"{row.detail}；{task.training}", f"{row.detail_en}; {task.training_en}"
    subs = [t for t in tasks if t.parent_id in parents]
    if subs:
        codes = [t.code for t in subs]
        sub_counts = {
            (department_id, code): n
            for department_id, code, n in _within(claims, years)
            .filter(enrolment__class_plan__annex_task__code__in=codes)
            .values_list("department_id", "enrolment__class_plan__annex_task__code")
            .annotate(n=Count("id"))
            .order_by()
        }
        for task in sorted(subs, key=lambda t: (len(t.number), t.number, t.pk)):
            unit_id = parents[task.parent_id]
            rows[unit_id].sub_rows.append(
                Row(
                    key=task.code,
                    name=task.training,
                    name_en=task.training_en,
                    actual=sub_counts.get((task.unit_id, task.code), 0),
                    target=task.annual_target * times,
                    clause=task.clause,
                )
            )
        for row in rows.values():
            if row.sub_rows:
                rest = row.actual - sum(r.actual for r in row.sub_rows)
                row.sub_rows.append(Row(NO_SUB_ITEM, *_FIXED[NO_SUB_ITEM], actual=rest))
    if years == [today.year]:  # a department's year-end against its annual task
        for unit_id, row in rows.items():
            row.forecast = forecast(year=today.year, monthly=monthly.get(unit_id, {}), today=today)
    others = [pk for pk in counts if pk is not None and pk not in rows and counts[pk]]
    if department is not None:
        others = [pk for pk in others if pk == department.pk]
    names = {o.pk: o for o in Organization.objects.filter(pk__in=others)}
    result = list(rows.values())
    for pk in sorted(others, key=lambda pk: names[pk].name):
        org = names[pk]
        result.append(Row(str(pk), org.short_name or org.name, org.name_en or org.name, actual=counts[pk]))
    if counts.get(None):
        result.append(Row(UNATTRIBUTED, *_FIXED[UNATTRIBUTED], actual=counts[None]))
    return result


def _district_rows(counts: dict[str, int], *, programme: Programme) -> list[Row]:
    """Every banner and district of the programme's area (even with nothing to show), by code; then
    outside the area and not attributed when they hold something."""
    regions = {r.code: r for r in Region.objects.filter(Q(parent_id=programme.region) | Q(code__in=list(counts)))}
    codes = sorted(
        {c for c, r in regions.items() if r.parent_id == programme.region}
        | {c for c in counts if c not in (OUTSIDE, UNATTRIBUTED)}
    )
    rows = []
    for code in codes:
        region = regions.get(code)
        name = region.name if region else code
        rows.append(Row(code, name, (region.name_en or region.name) if region else code, actual=counts.get(code, 0)))
    for key in (OUTSIDE, UNATTRIBUTED):
        if counts.get(key):
            rows.append(Row(key, *_FIXED[key], actual=counts[key]))
    return rows


def _labels(choice: Any) -> tuple[str, str]:
    with translation.override("zh-hans"):
        zh = str(choice.label)
    with translation.override("en"):
        en = str(choice.label)
    return zh, en


def _type_rows(counts: dict[str, int]) -> list[Row]:
    """Every catalog training type with the plan it serves (§3.1.2, §3.1.3), then not attributed."""
    rows = [Row(t.value, *_labels(t), actual=counts.get(t.value, 0), clause=TYPE_PLAN.get(t, "")) for t in TrainingType]
    if counts.get(UNATTRIBUTED):
        rows.append(Row(UNATTRIBUTED, *_FIXED[UNATTRIBUTED], actual=counts[UNATTRIBUTED]))
    return rows


def _kind_rows(counts: dict[str, int]) -> list[Row]:
    """Every claim kind (how the subsidy is claimed: individual, project, enterprise, 以工代训 …)."""
    rows = [Row(k.value, *_labels(k), actual=counts.get(k.value, 0)) for k in Claim.Kind]
    if counts.get(UNATTRIBUTED):
        rows.append(Row(UNATTRIBUTED, *_FIXED[UNATTRIBUTED], actual=counts[UNATTRIBUTED]))
    return rows


# ---- §2.b ------------------------------------------------------------------------------------------


def skill_ratios(*, programme: Programme, claims: QuerySet[Claim], today: date) -> list[Ratio]:
    """§2.b for each year of the programme up to today's: the programme's region, then each banner or
    district with figures of its own (see the module docstring)."""
    targets = {t.code: t.min_percent for t in RatioTarget.objects.filter(programme=programme)}
    last = min(programme.end_year, today.year)
    years = list(range(programme.start_year, last + 1))
    if not years:
        return []
    entries: dict[str, list[WorkforceFigures]] = defaultdict(list)
    for entry in WorkforceFigures.objects.filter(region__startswith=programme.region_prefix, year__lte=last).order_by(
        "region", "year"
    ):
        entries[entry.region].append(entry)
    first = min([programme.start_year, *(e.year for rows in entries.values() for e in rows)])
    # Persons certified at a level, once a year per region: any level, and levels 3–1.
    levelled = claims.filter(
        certificate_kind__in=sorted(LEVELLED_CERTIFICATES),
        level__isnull=False,
        end_date__gte=date(first, 1, 1),
        end_date__lte=date(last, 12, 31),
    ).filter(end_date__lte=today)
    high = Q(level__in=sorted(HIGH_SKILL_LEVELS))
    counted = {"any_level": Count("person_id", distinct=True), "high": Count("person_id", distinct=True, filter=high)}
    by_year = levelled.annotate(y=ExtractYear("end_date"))
    city_years = {
        row["y"]: (row["any_level"], row["high"]) for row in by_year.values("y").annotate(**counted).order_by()
    }
    district_years: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0, 0])
    if any(code != programme.region for code in entries):  # banners or districts with figures of their own
        for row in by_year.values("y", "training_region").annotate(**counted).order_by():
            cell = district_years[(district_of(row["training_region"], programme), row["y"])]
            cell[0] += row["any_level"]
            cell[1] += row["high"]
    regions = {r.code: r for r in Region.objects.filter(code__in=[programme.region, *entries])}
    result = []
    for code in [programme.region, *sorted(c for c in entries if c != programme.region)]:
        region = regions.get(code)
        name, name_en = (region.name, region.name_en or region.name) if region else (code, code)
        for year in years:
            base = next((e for e in reversed(entries.get(code, [])) if e.year <= year), None)
            since = range(base.year if base else year, year + 1)
            if code == programme.region:
                added = [city_years.get(y, (0, 0)) for y in since]
            else:
                added = [tuple(district_years.get((code, y), (0, 0))) for y in since]
            result.append(
                Ratio(
                    year=year,
                    region=code,
                    name=name,
                    name_en=name_en,
                    base_year=base.year if base else None,
                    source_document=base.source_document if base else "",
                    employed=base.employed if base else None,
                    skilled_base=base.skilled_base if base else None,
                    high_skilled_base=base.high_skilled_base if base else None,
                    certified=sum(a[0] for a in added),
                    certified_high=sum(a[1] for a in added),
                    skilled_target=targets.get(SKILLED_SHARE),
                    high_target=targets.get(HIGH_SKILLED_SHARE),
                )
            )
    return result
