"""The public disclosure of fund use (§4.3.a): money received by source, money used by department,
training type and district, and person-times trained against the annex's annual tasks.

Money comes only from the ledger's postings (the ledger is the source of truth for money), in the
period by booking time (Asia/Shanghai days):

- *subsidies paid (net)* — postings on `expense:subsidies`: payments (subsidies and living
  allowances), settlements of classes, offsets, less §4.3.b recoveries; reversals net out;
- *advances not yet settled* — postings on `advance:*` (§3.3.h). An advance counts in the period it
  is paid, toward the class plan's department, type and district. When the class is settled the
  settlement moves the advance into subsidies paid, so in a later period the column falls by the
  advance (it can be negative) while subsidies paid rises by the class's whole total;
- *total used* = the two together: the money that left the special account for that row.

Each row of money is the postings of one (department, subject) group, placed by what the
transaction paid for: a class plan, a claim or an application (its class, or its claims when they
agree). Money whose subject names no training goes to a row "not attributed", so every table sums
to the same total. The totals are read from the ledger separately and the rows must add up to
them; the account as a whole reconciles as

    opening balance + received − subsidies paid − advances − recoveries owed = closing balance

because every transaction is double-entry over cash, fund, advance, receivable and expense.

Person-times are granted claims whose training ended in the period, by the claim's department,
catalog item training type and training region — counts only; no name, ID or phone is read.

Every figure is the named programme's (programme/selectors.py picks the default): its title, its
document and its annex's tasks; money and person-times attributed to the government units of its
area (`departments_of`); its area's banners and districts. The special account is one ledger per
deployment: money booked without a department (funds received, unattributed payments) belongs to
the city the deployment serves (`home_region`), so another city's disclosure never shows it.

Small cells (PIPL): in the training-type and district tables a row about one or two persons
(persons trained in the period, persons paid, and the trainees behind its classes and claims,
counted once) publishes neither its count ("<3") nor its money ("—"). Then, so that the hidden row
cannot be recovered by subtracting the other rows from the total, further rows are hidden ("—"),
fewest persons first, until at least two rows covering three or more persons are hidden.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, DecimalField, Min, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone, translation

from skillfund.catalog.models import TrainingType
from skillfund.claims.models import Application, Claim, Grant
from skillfund.funds.models import MONEY, FundSource, Posting
from skillfund.funds.selectors import ZERO, cents
from skillfund.organizations.models import Organization
from skillfund.programme.models import AnnexTask, Programme
from skillfund.programme.selectors import departments_of, home_region
from skillfund.regions.models import Region
from skillfund.training.models import ClassPlan

CLAUSE = "§4.3.a"
SMALL_CELL = 3  # fewest persons a published type or district row may be about

EXPENSE = "expense:subsidies"
ADVANCE_PREFIX = "advance:"
UNATTRIBUTED = "unattributed"
OUTSIDE = "outside"

HIDDEN_SMALL = "small"  # shown as "<3"
HIDDEN_COMPLEMENT = "complement"  # shown as "—"

_SUBJECT_PLAN = ClassPlan._meta.label_lower
_SUBJECT_CLAIM = Claim._meta.label_lower
_SUBJECT_APPLICATION = Application._meta.label_lower


# ---- the published figures -------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceRow:
    code: str
    name: str
    name_en: str
    received: Decimal


@dataclass(frozen=True)
class UseRow:
    """One row of a fund-use table. For a hidden row (see the module docstring) the numbers are
    None: they are never handed to a renderer."""

    key: str
    name: str
    name_en: str
    paid: Decimal | None
    advanced: Decimal | None
    persons: int | None
    hidden: str = ""

    @property
    def total(self) -> Decimal | None:
        return None if self.paid is None or self.advanced is None else self.paid + self.advanced

    @property
    def persons_text(self) -> str:
        if self.hidden == HIDDEN_SMALL:
            return f"<{SMALL_CELL}"
        if self.hidden:
            return "—"
        return str(self.persons)


@dataclass(frozen=True)
class DepartmentRow(UseRow):
    persons_year: int | None = None  # from 1 January to the end of the period
    annual_task: int | None = None  # the annex's annual task (person-times)

    @property
    def task_percent(self) -> Decimal | None:
        if not self.annual_task or self.persons_year is None:
            return None
        return (Decimal(self.persons_year * 100) / self.annual_task).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class Disclosure:
    programme: str  # the programme's code
    title: str  # the programme file's disclosure title, without the period
    title_en: str
    document: str  # the programme's document number
    region: str  # the programme's GB/T 2260 code
    year: int | None
    period_start: date
    period_end: date
    sources: list[SourceRow]
    received: Decimal
    by_department: list[DepartmentRow]
    by_type: list[UseRow]
    by_district: list[UseRow]
    paid: Decimal  # subsidies paid, net, read from the ledger
    advanced: Decimal  # change in advances not yet settled
    recoveries_owed: Decimal  # change in recoveries owed to the account and not yet collected
    opening_balance: Decimal  # the special account's cash at the start of the period
    closing_balance: Decimal
    persons: int
    clause: str = CLAUSE
    small_cell: int = SMALL_CELL

    @property
    def used(self) -> Decimal:
        return self.paid + self.advanced

    @property
    def is_empty(self) -> bool:
        return not (self.received or self.paid or self.advanced or self.recoveries_owed or self.persons)

    def problems(self) -> list[str]:
        """What does not add up, in words; empty when the report reconciles."""
        problems = []
        if sum((s.received for s in self.sources), ZERO) != self.received:
            problems.append("sources do not sum to the money received")
        expected = self.opening_balance + self.received - self.paid - self.advanced - self.recoveries_owed
        if expected != self.closing_balance:
            problems.append(f"closing balance {self.closing_balance}, the movements say {expected}")
        for name, rows in (("department", self.by_department), ("type", self.by_type), ("district", self.by_district)):
            if (total := _hidden_total(rows, "persons")) is not None and total != self.persons:
                problems.append(f"persons by {name} sum to {total}, not {self.persons}")
            for column, whole in (("paid", self.paid), ("advanced", self.advanced)):
                if (total := _hidden_total(rows, column)) is not None and total != whole:
                    problems.append(f"{column} by {name} sums to {total}, not {whole}")
        return problems


def _hidden_total(rows: list[UseRow], column: str) -> Decimal | int | None:
    """The sum of a column, or None when a hidden row makes it unknowable from the published rows."""
    values = [getattr(r, column) for r in rows]
    return None if any(v is None for v in values) else sum(values)


# ---- periods ----------------------------------------------------------------------------------------


def period_of(year: int, quarter: int | None = None) -> tuple[date, date]:
    """The calendar year, or its quarter 1–4."""
    if quarter is None:
        return date(year, 1, 1), date(year, 12, 31)
    start = date(year, 3 * quarter - 2, 1)
    end = date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1) - timedelta(days=1)
    return start, end


def years_available(*, programme: Programme, today: date | None = None, region_wide: bool = False) -> list[int]:
    """From this year back to the programme's first year; `region_wide`: back to the first year of
    any programme of its region (the default pages show each year's programme)."""
    first = programme.start_year
    if region_wide:
        first = Programme.objects.filter(region=programme.region).aggregate(first=Min("start_year"))["first"]
    return list(range((today or timezone.localdate()).year, first - 1, -1))


def latest_year(*, programme: Programme, today: date | None = None) -> int | None:
    """The programme's latest year that has begun: this year while the programme runs, its last
    year once it has ended; None before its first year."""
    this_year = (today or timezone.localdate()).year
    if this_year < programme.start_year:
        return None
    return min(this_year, programme.end_year)


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


# ---- the report ---------------------------------------------------------------------------------------


@dataclass
class _Cell:
    paid: Decimal = ZERO
    advanced: Decimal = ZERO
    persons: int = 0  # person-times trained in the period
    people: set[int] = field(default_factory=set)  # everyone the row's figures are about


@dataclass(frozen=True)
class _Place:
    """Where a subject of the ledger trained: catalog training type and region code."""

    training_type: str | None
    region: str
    people: frozenset[int]


_NOWHERE = _Place(UNATTRIBUTED, "", frozenset())
_SUM = Coalesce(Sum("amount"), Value(ZERO), output_field=DecimalField(**MONEY))


def _scope(programme: Programme, department: str, *, home: bool) -> Q:
    """Rows attributed (through the `department` field) to the programme's units; rows attributed to
    no department too when `home`: the programme is of the city the deployment serves."""
    scope = Q(**{f"{department}__in": departments_of(programme)})
    return (scope | Q(**{f"{department}__isnull": True})) if home else scope


def disclosure(*, programme: Programme, year: int | None, period_start: date, period_end: date) -> Disclosure:
    """The programme's report for the days period_start..period_end; `year` names the annex's
    annual tasks to compare with (None: no comparison)."""
    since, until = _start_of(period_start), _start_of(period_end + timedelta(days=1))
    home = (home_region() or "").startswith(programme.region_prefix)
    ledger = Posting.objects.filter(_scope(programme, "transaction__department", home=home))
    postings = ledger.filter(transaction__at__gte=since, transaction__at__lt=until)

    sources = _received(postings)
    received = -cents(postings.filter(account__fund_source__isnull=False).aggregate(t=_SUM)["t"])  # credits
    paid = cents(postings.filter(account__code=EXPENSE).aggregate(t=_SUM)["t"])
    advanced = cents(postings.filter(account__code__startswith=ADVANCE_PREFIX).aggregate(t=_SUM)["t"])
    owed = cents(postings.filter(account__code__startswith="receivable:").aggregate(t=_SUM)["t"])
    cash = ledger.filter(account__code="cash")
    opening = cents(cash.filter(transaction__at__lt=since).aggregate(t=_SUM)["t"])
    closing = cents(cash.filter(transaction__at__lt=until).aggregate(t=_SUM)["t"])

    departments: dict[int | None, _Cell] = defaultdict(_Cell)
    types: dict[str, _Cell] = defaultdict(_Cell)
    districts: dict[str, _Cell] = defaultdict(_Cell)

    groups = list(
        postings.filter(Q(account__code=EXPENSE) | Q(account__code__startswith=ADVANCE_PREFIX))
        .values("transaction__department_id", "transaction__subject_type", "transaction__subject_id")
        .annotate(
            paid=Coalesce(Sum("amount", filter=Q(account__code=EXPENSE)), Value(ZERO)),
            advanced=Coalesce(Sum("amount", filter=Q(account__code__startswith=ADVANCE_PREFIX)), Value(ZERO)),
        )
        .order_by()
    )
    payees = _person_payees(postings)
    places = _places({(g["transaction__subject_type"], g["transaction__subject_id"]) for g in groups})
    for g in groups:
        subject = (g["transaction__subject_type"], g["transaction__subject_id"])
        place = places.get(subject, _NOWHERE)
        people = place.people | payees.get(subject, frozenset())
        for cell in (
            departments[g["transaction__department_id"]],
            types[_type_key(place.training_type)],
            districts[_district_key(place.region, programme)],
        ):
            cell.paid += cents(g["paid"])
            cell.advanced += cents(g["advanced"])
        types[_type_key(place.training_type)].people |= people
        districts[_district_key(place.region, programme)].people |= people

    # Persons this programme subsidized: past subsidies recorded from elsewhere (history grants) are not.
    granted = Grant.objects.filter(_scope(programme, "claim__department", home=home), origin=Grant.Origin.POLICY)
    trained = granted.filter(end_date__gte=period_start, end_date__lte=period_end)
    persons = 0
    for department_id, training_type, region, person_id in trained.values_list(
        "claim__department_id", "claim__catalog_item__training_type", "claim__training_region", "person_id"
    ).order_by():
        persons += 1
        departments[department_id].persons += 1
        for cell in (types[_type_key(training_type)], districts[_district_key(region, programme)]):
            cell.persons += 1
            cell.people.add(person_id)

    return Disclosure(
        programme=programme.code,
        title=programme.disclosure_title,
        title_en=programme.disclosure_title_en or programme.disclosure_title,
        document=programme.document_number,
        region=programme.region,
        year=year,
        period_start=period_start,
        period_end=period_end,
        sources=sources,
        received=received,
        by_department=_department_rows(
            departments, programme=programme, granted=granted, year=year, period_end=period_end
        ),
        by_type=_published(_type_rows(types)),
        by_district=_published(_district_rows(districts, programme=programme)),
        paid=paid,
        advanced=advanced,
        recoveries_owed=owed,
        opening_balance=opening,
        closing_balance=closing,
        persons=persons,
    )


def _received(postings) -> list[SourceRow]:
    """Every fund source (§4.2.c), with what it put in during the period (credits, so negated)."""
    sums = dict(
        postings.filter(account__fund_source__isnull=False)
        .values_list("account__fund_source_id")
        .annotate(t=Sum("amount"))
        .order_by()
    )
    return [
        SourceRow(s.code, s.name, s.name_en or s.name, -cents(sums.get(s.pk)))
        for s in FundSource.objects.order_by("code")
    ]


def _person_payees(postings) -> dict[tuple[str, str], frozenset[int]]:
    """Persons paid directly, by the subject they were paid for."""
    found: dict[tuple[str, str], set[int]] = defaultdict(set)
    rows = (
        postings.filter(transaction__person__isnull=False)
        .values_list("transaction__subject_type", "transaction__subject_id", "transaction__person_id")
        .distinct()
        .order_by()
    )
    for subject_type, subject_id, person_id in rows:
        found[(subject_type, subject_id)].add(person_id)
    return {k: frozenset(v) for k, v in found.items()}


def _ids(subjects: Iterable[tuple[str, str]], kind: str) -> list[int]:
    return [int(pk) for t, pk in subjects if t == kind and pk.isdigit()]


def _places(subjects: set[tuple[str, str]]) -> dict[tuple[str, str], _Place]:
    """What each subject paid for trained, and the persons it concerns (granted claims only)."""
    granted = Claim.objects.filter(status=Claim.Status.GRANTED)
    places: dict[tuple[str, str], _Place] = {}

    plan_ids = _ids(subjects, _SUBJECT_PLAN)
    trainees: dict[int, set[int]] = defaultdict(set)
    for plan_id, person_id in granted.filter(enrolment__class_plan_id__in=plan_ids).values_list(
        "enrolment__class_plan_id", "person_id"
    ):
        trainees[plan_id].add(person_id)
    for pk, training_type, region in ClassPlan.objects.filter(pk__in=plan_ids).values_list(
        "pk", "catalog_item__training_type", "region"
    ):
        places[(_SUBJECT_PLAN, str(pk))] = _Place(training_type, region, frozenset(trainees[pk]))

    for pk, training_type, region, person_id in Claim.objects.filter(pk__in=_ids(subjects, _SUBJECT_CLAIM)).values_list(
        "pk", "catalog_item__training_type", "training_region", "person_id"
    ):
        places[(_SUBJECT_CLAIM, str(pk))] = _Place(training_type, region, frozenset({person_id}))

    application_ids = _ids(subjects, _SUBJECT_APPLICATION)
    lines: dict[int, list[tuple[str, str, int, str]]] = defaultdict(list)
    for row in Claim.objects.filter(application_id__in=application_ids).values_list(
        "application_id", "catalog_item__training_type", "training_region", "person_id", "status"
    ):
        lines[row[0]].append(row[1:])
    for pk, training_type, region in Application.objects.filter(pk__in=application_ids).values_list(
        "pk", "class_plan__catalog_item__training_type", "class_plan__region"
    ):
        claims = lines[pk]
        people = frozenset(p for _t, _r, p, status in claims if status == Claim.Status.GRANTED)
        # An application without a class: its claims' type and region when they all agree.
        training_type = training_type or _only({t for t, _r, _p, _s in claims})
        region = region or _only({r for _t, r, _p, _s in claims}) or ""
        places[(_SUBJECT_APPLICATION, str(pk))] = _Place(training_type, region, people)
    return places


def _only(values: set) -> str | None:
    return next(iter(values)) if len(values) == 1 else None


def _type_key(training_type: str | None) -> str:
    return training_type if training_type in TrainingType.values else UNATTRIBUTED


def _district_key(region: str | None, programme: Programme) -> str:
    if not region:
        return UNATTRIBUTED
    return region if region.startswith(programme.region_prefix) else OUTSIDE


_FIXED = {UNATTRIBUTED: ("未归属", "not attributed"), OUTSIDE: ("市外", "outside the city")}


def _type_rows(cells: dict[str, _Cell]) -> list[tuple[str, str, str, _Cell]]:
    """Every training type of the catalog (§3.1.2, §3.1.3), then not attributed when not empty."""
    rows = []
    for value, label in TrainingType.choices:
        with translation.override("zh-hans"):
            zh = str(label)
        with translation.override("en"):
            en = str(label)
        rows.append((value, zh, en, cells.get(value) or _Cell()))
    if (cell := cells.get(UNATTRIBUTED)) and (cell.paid or cell.advanced or cell.persons):
        rows.append((UNATTRIBUTED, *_FIXED[UNATTRIBUTED], cell))
    return rows


def _district_rows(cells: dict[str, _Cell], *, programme: Programme) -> list[tuple[str, str, str, _Cell]]:
    """The programme area's banners and districts (every one, even with nothing to show), then
    outside the area, then not attributed when there is something in them."""
    inside = [k for k in cells if k.startswith(programme.region_prefix)]
    names = {
        r.code: (r.name, r.name_en or r.name)
        for r in Region.objects.filter(Q(parent_id=programme.region) | Q(code__in=inside))
    }
    codes = sorted({c for c in names if c != programme.region} | set(inside))
    rows = [(code, *names.get(code, (code, code)), cells.get(code) or _Cell()) for code in codes]
    rows.append((OUTSIDE, *_FIXED[OUTSIDE], cells.get(OUTSIDE) or _Cell()))
    if (cell := cells.get(UNATTRIBUTED)) and (cell.paid or cell.advanced or cell.persons):
        rows.append((UNATTRIBUTED, *_FIXED[UNATTRIBUTED], cell))
    return rows


def hidden_keys(rows: list[tuple[str, set[int], Decimal]]) -> dict[str, str]:
    """Which rows (key, persons the row is about, money) are not published, and why. Rows about
    one or two persons are hidden; then further rows, fewest persons and least money first (rows
    about nobody only when no other is left: hiding them protects little), until at least two
    hidden rows cover three or more persons — or every row is hidden."""
    hidden = {key: HIDDEN_SMALL for key, people, _ in rows if 0 < len(people) < SMALL_CELL}
    if not hidden:
        return {}
    covered = set().union(*(people for key, people, _ in rows if key in hidden))
    others = sorted((r for r in rows if r[0] not in hidden), key=lambda r: (not r[1], len(r[1]), abs(r[2]), r[0]))
    for key, people, _money in others:
        if len(hidden) >= 2 and len(covered) >= SMALL_CELL:
            break
        hidden[key] = HIDDEN_COMPLEMENT
        covered |= people
    return hidden


def _published(rows: list[tuple[str, str, str, _Cell]]) -> list[UseRow]:
    hidden = hidden_keys([(key, cell.people, cell.paid + cell.advanced) for key, _zh, _en, cell in rows])
    published = []
    for key, zh, en, cell in rows:
        if key in hidden:
            published.append(UseRow(key, zh, en, paid=None, advanced=None, persons=None, hidden=hidden[key]))
        else:
            published.append(UseRow(key, zh, en, paid=cell.paid, advanced=cell.advanced, persons=cell.persons))
    return published


def _department_rows(
    cells: dict[int | None, _Cell],
    *,
    programme: Programme,
    granted: QuerySet[Grant],
    year: int | None,
    period_end: date,
) -> list[DepartmentRow]:
    """The annex's departments first (in the annex's order, even with nothing to show; only for a
    year the programme runs), then any other department with money or trainees, then money
    attributed to no department."""
    tasks: dict[int, int] = defaultdict(int)
    order: list[int] = []
    if year is not None and programme.start_year <= year <= programme.end_year:
        for unit_id, target in (
            AnnexTask.objects.filter(programme=programme, parent__isnull=True)
            .order_by("number")
            .values_list("unit_id", "annual_target")
        ):
            tasks[unit_id] += target
            if unit_id not in order:
                order.append(unit_id)
    so_far: dict[int | None, int] = {}
    if year is not None:
        so_far = dict(
            granted.filter(end_date__gte=date(year, 1, 1), end_date__lte=period_end)
            .values_list("claim__department_id")
            .annotate(n=Count("id"))
            .order_by()
        )
    ids = [pk for pk in cells if pk is not None]
    orgs = {o.pk: o for o in Organization.objects.filter(pk__in=[*order, *ids])}
    others = sorted((pk for pk in ids if pk not in tasks), key=lambda pk: orgs[pk].name)
    rows = []
    for pk in [*order, *others]:
        org, cell = orgs[pk], cells.get(pk) or _Cell()
        rows.append(
            DepartmentRow(
                str(pk),
                org.name,
                org.name_en or org.name,
                paid=cell.paid,
                advanced=cell.advanced,
                persons=cell.persons,
                persons_year=so_far.get(pk, 0) if year is not None else None,
                annual_task=tasks.get(pk),
            )
        )
    if None in cells:
        cell = cells[None]
        rows.append(
            DepartmentRow(
                UNATTRIBUTED,
                *_FIXED[UNATTRIBUTED],
                paid=cell.paid,
                advanced=cell.advanced,
                persons=cell.persons,
                persons_year=so_far.get(None, 0) if year is not None else None,
            )
        )
    return rows
