"""The dashboard's tables, defined once for the page and the .xlsx export, in the active language.
A cell is an int (person-times), a Decimal (a percentage), text (names, clauses) or None ("—")."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from skillfund.reports.progress import Forecast, Progress, Row

Cell = int | Decimal | str | None


@dataclass(frozen=True)
class Column:
    head: str
    numeric: bool = True
    percent: bool = False


@dataclass(frozen=True)
class Line:
    cells: list[Cell]
    level: int = 0  # 1: a sub-item of the line above


@dataclass(frozen=True)
class Table:
    key: str  # the xlsx sheet's English key
    title: str
    columns: list[Column]
    lines: list[Line]
    total: list[Cell] | None = None
    notes: list[str] = field(default_factory=list)


def lang() -> str:
    return "en" if (get_language() or "").startswith("en") else "zh"


def years_label(progress: Progress) -> str:
    if progress.year is not None:
        return _("year %(year)s") % {"year": progress.year}
    first, last = progress.years[0], progress.years[-1]
    return _("year %(year)s") % {"year": first} if first == last else f"{first}–{last}"


def programme_name(progress: Progress) -> str:
    p = progress.programme
    return p.name_en if lang() == "en" and p.name_en else p.name


def title(progress: Progress) -> str:
    return _("%(programme)s: progress against the targets, %(years)s") % {
        "programme": programme_name(progress),
        "years": years_label(progress),
    }


def _share(part: int, whole: int) -> Decimal | None:
    return (Decimal(part * 100) / whole).quantize(Decimal("0.1")) if whole else None


def _forecast_cells(f: Forecast | None) -> list[Cell]:
    return [None, None, None] if f is None else [f.expected, f.low, f.high]


def _forecast_columns() -> list[Column]:
    return [Column(_("Year-end forecast")), Column(_("90% band: low")), Column(_("90% band: high"))]


def stage_table(progress: Progress) -> Table:
    lg = lang()
    lines = [
        Line([r.label(lg), r.detail, r.clause, r.target, r.actual, r.percent, *_forecast_cells(r.forecast)])
        for r in progress.stages
    ]
    total = None
    if progress.total is not None:
        t = progress.total
        p = progress.programme
        span = str(p.start_year) if p.start_year == p.end_year else f"{p.start_year}–{p.end_year}"
        total = [_("Programme total"), span, t.clause, t.target, t.actual, t.percent, *_forecast_cells(t.forecast)]
    return Table(
        "stages",
        _("Stages and the total target (§2.a, §2.c, §2.d, §2.e)"),
        [
            Column(_("Stage"), numeric=False),
            Column(_("Year"), numeric=False),
            Column(_("Clause"), numeric=False),
            Column(_("Target (person-times)")),
            Column(_("Person-times")),
            Column(_("Achieved (%)"), percent=True),
            *_forecast_columns(),
        ],
        lines,
        total,
    )


def monthly_table(progress: Progress) -> Table | None:
    """A single year's months: the numbers behind the run-rate chart."""
    if progress.year is None:
        return None
    months = progress.monthly.get(progress.year, {})
    last = 12 if progress.as_of.year > progress.year else progress.as_of.month
    running, lines = 0, []
    for month in range(1, 13):
        if progress.as_of.year < progress.year or month > last:
            lines.append(Line([_("Month %(month)s") % {"month": month}, None, None]))
            continue
        running += months.get(month, 0)
        lines.append(Line([_("Month %(month)s") % {"month": month}, months.get(month, 0), running]))
    return Table(
        "months",
        _("Person-times by month, %(year)s") % {"year": progress.year},
        [Column(_("Month"), numeric=False), Column(_("Person-times")), Column(_("Cumulative"))],
        lines,
        [_("Total"), progress.persons, None],
    )


def _department_line(row: Row, *, level: int, with_forecast: bool) -> Line:
    lg = lang()
    cells: list[Cell] = [row.label(lg), row.detail_label(lg), row.clause, row.target, row.actual, row.percent]
    if with_forecast:
        cells += _forecast_cells(row.forecast)
    return Line(cells, level)


def department_table(progress: Progress) -> Table:
    with_forecast = any(r.forecast for r in progress.by_department)
    lines = []
    for row in progress.by_department:
        lines.append(_department_line(row, level=0, with_forecast=with_forecast))
        lines += [_department_line(sub, level=1, with_forecast=with_forecast) for sub in row.sub_rows]
    target = sum(r.target or 0 for r in progress.by_department)
    total: list[Cell] = [
        _("Total"),
        "",
        "Annex",
        target or None,
        progress.persons,
        _share(progress.persons, target) if target else None,
    ]
    if with_forecast:
        total += [None, None, None]
    return Table(
        "departments",
        _("By department: the annex's annual tasks and the HR bureau's sub-items (Annex)"),
        [
            Column(_("Department / sub-item"), numeric=False),
            Column(_("Training"), numeric=False),
            Column(_("Clause"), numeric=False),
            Column(_("Task (person-times)")),
            Column(_("Person-times")),
            Column(_("Achieved (%)"), percent=True),
            *(_forecast_columns() if with_forecast else []),
        ],
        lines,
        total,
        [
            _(
                "A task shown for several years is the annual task times the years. A sub-item counts the "
                "claims whose class plan names it; the rest of the unit's person-times is under “no sub-item "
                "named”."
            )
        ],
    )


def _share_table(key: str, heading: str, first: str, rows: list[Row], progress: Progress, *, clause: bool) -> Table:
    lg = lang()
    columns = [Column(first, numeric=False)]
    if clause:
        columns.append(Column(_("Plan"), numeric=False))
    columns += [Column(_("Person-times")), Column(_("Share (%)"), percent=True)]
    lines = [
        Line([r.label(lg), *([r.clause] if clause else []), r.actual, _share(r.actual, progress.persons)]) for r in rows
    ]
    total = [_("Total"), *([""] if clause else []), progress.persons, _share(progress.persons, progress.persons)]
    return Table(key, heading, columns, lines, total)


def district_table(progress: Progress) -> Table:
    return _share_table(
        "districts",
        _("By banner and district (where the training took place)"),
        _("Banner / district"),
        progress.by_district,
        progress,
        clause=False,
    )


def type_table(progress: Progress) -> Table:
    return _share_table(
        "types",
        _("By training type and the plan it serves (§3.1.2, §3.1.3)"),
        _("Training type"),
        progress.by_type,
        progress,
        clause=True,
    )


def kind_table(progress: Progress) -> Table:
    return _share_table(
        "kinds", _("By kind of subsidy claimed"), _("Kind of claim"), progress.by_kind, progress, clause=False
    )


def ratio_table(progress: Progress) -> Table:
    lg = lang()
    lines = []
    for r in progress.ratios:
        figures = _("%(year)s: %(document)s") % {"year": r.base_year, "document": r.source_document}
        lines.append(
            Line(
                [
                    str(r.year),
                    r.label(lg),
                    figures if r.base_year else _("not entered"),
                    r.employed,
                    r.skilled_base,
                    r.certified,
                    r.skilled,
                    r.skilled_percent,
                    r.skilled_target,
                    r.high_skilled_base,
                    r.certified_high,
                    r.high_skilled,
                    r.high_percent,
                    r.high_target,
                ]
            )
        )
    return Table(
        "ratios",
        _("Skilled and high-skilled workers (§2.b)"),
        [
            Column(_("Year"), numeric=False),
            Column(_("Region"), numeric=False),
            Column(_("Figures used (year: source)"), numeric=False),
            Column(_("Employed persons")),
            Column(_("Skilled workers: base")),
            Column(_("+ certified by the programme")),
            Column(_("= skilled workers")),
            Column(_("Share of employed (%)"), percent=True),
            Column(_("Target ≥ (%)"), percent=True),
            Column(_("High-skilled: base")),
            Column(_("+ certified at levels 3–1")),
            Column(_("= high-skilled workers")),
            Column(_("Share of skilled (%)"), percent=True),
            Column(_("Target ≥ (%)"), percent=True),
        ],
        lines,
        notes=[ratio_note()],
    )


def ratio_note() -> str:
    return _(
        "Skilled workers = the base the HR bureau entered + persons certified at any skill level through the "
        "programme (a granted claim for a skill-level or qualification certificate, §3.3.a) since the base's "
        "year; high-skilled = 高级工, 技师 and 高级技师 (levels 3–1). A person the base already counted is "
        "counted again when certified, so the shares are an upper bound."
    )


def forecast_note() -> str:
    return _(
        "Forecast: person-times so far + the average complete month × the months left; the 90% band adds the "
        "month-to-month variation (at least a Poisson count's) and the uncertainty of that average."
    )


def count_note() -> str:
    return _(
        "A person-time is a granted claim (one person, one subsidized training approved on the platform), "
        "counted in the month its training ended. Claims still in review and past subsidies recorded from "
        "other systems are not counted."
    )


def tables(progress: Progress) -> list[Table]:
    """Every table of the dashboard, in the page's order."""
    found: list[Table | None] = []
    if progress.city_wide:
        found.append(stage_table(progress))
    found += [
        monthly_table(progress),
        department_table(progress),
        district_table(progress),
        type_table(progress),
        kind_table(progress),
    ]
    if progress.city_wide:
        found.append(ratio_table(progress))
    return [t for t in found if t is not None]


def text(cell: Cell) -> str:
    """A cell as printed on the page."""
    if cell is None:
        return "—"
    if isinstance(cell, int):
        return f"{cell:,}"
    return str(cell)
