"""Target dashboards (§2, Annex, §4.4.d): progress by stage and year, department, banner/district and
training type, the §2.b skill ratios and the year-end forecast; the .xlsx for reporting upward; the
HR bureau's yearly employed-person figures. Figures come from `reports.progress` only; a department
sees its own rows (the selector scopes them)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from skillfund.accounts.scoping import workforce_figures_visible_to
from skillfund.core.errors import DomainError, InvalidInput
from skillfund.programme.actions import may_record_workforce, workforce_figures_record
from skillfund.programme.models import Programme
from skillfund.programme.selectors import programme_default, programme_for
from skillfund.regions.models import Region
from skillfund.reports import progress as selectors
from skillfund.reports.progress import Progress
from skillfund.web.dashboard import export, tables
from skillfund.web.dashboard.forms import WorkforceForm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ALL = "all"
PER_PAGE = 25


def _reader(request: HttpRequest) -> Any:
    if not selectors.may_read(request.user):
        raise PermissionDenied
    return request.user


def _programmes(user: Any) -> list[Programme]:
    """The programmes the user may choose: every one for the city-wide roles; a department's those
    of its region."""
    found = list(Programme.objects.order_by("-start_year", "code"))
    if selectors.city_wide(user):
        return found
    region = getattr(user.organization, "region", "") or ""
    return [p for p in found if region.startswith(p.region_prefix)]


def _chosen(request: HttpRequest, user: Any) -> tuple[Programme | None, int | None, list[Programme]]:
    """(programme, year or None for all its years, the choices) from ?programme=&year=; a code or
    year that is not one of the choices is a 404."""
    today = timezone.localdate()
    choices = _programmes(user)
    code = request.GET.get("programme", "")
    if code:
        programme = next((p for p in choices if p.code == code), None)
        if programme is None:
            raise Http404
    elif selectors.city_wide(user):
        programme = programme_default(year=today.year)
    else:
        programme = programme_for(region=user.organization.region, year=today.year)
    if programme is None or programme not in choices:
        return None, None, choices
    years = selectors.programme_years(programme)
    text = request.GET.get("year", "")
    if text == "":
        return programme, (today.year if today.year in years else None), choices
    if text == ALL:
        return programme, None, choices
    if not (text.isascii() and text.isdigit() and len(text) == 4) or int(text) not in years:
        raise Http404
    return programme, int(text), choices


def _query(programme: Programme, year: int | None) -> str:
    return urlencode({"programme": programme.code, "year": ALL if year is None else year})


def _lang_name(obj: Any, lang: str) -> str:
    return obj.name_en if lang == "en" and getattr(obj, "name_en", "") else obj.name


def _shown(table: tables.Table) -> dict[str, Any]:
    """A table as the template prints it: text cells (clause IDs linked there), numbers right-aligned."""
    return {
        "key": table.key,
        "title": table.title,
        "heads": [(c.head, c.numeric) for c in table.columns],
        "lines": [
            {
                "level": line.level,
                "cells": [(tables.text(v), c.numeric) for v, c in zip(line.cells, table.columns, strict=True)],
            }
            for line in table.lines
        ],
        "total": table.total and [(tables.text(v), c.numeric) for v, c in zip(table.total, table.columns, strict=True)],
        "notes": table.notes,
    }


def _ints(values: list[Any]) -> list[Any]:
    return [int(v) if isinstance(v, int | Decimal) else v for v in values]


def _charts(progress: Progress) -> dict[str, Any]:
    """The data the charts draw (static/web/dashboard.js); every number is also in a table."""
    lang = tables.lang()
    target, actual = _("Target"), _("Person-times")
    charts: dict[str, Any] = {}
    if progress.stages:
        rows = [*progress.stages, *([progress.total] if progress.total else [])]
        charts["stages"] = {
            "kind": "bar",
            "categories": [
                f"{r.label(lang)} {r.detail}" if r is not progress.total else _("Programme total") for r in rows
            ],
            "series": [
                {"name": target, "role": "target", "data": [r.target for r in rows]},
                {"name": actual, "role": "actual", "data": [r.actual for r in rows]},
                {
                    "name": _("Year-end forecast"),
                    "role": "forecast",
                    "data": [r.forecast.expected if r.forecast else None for r in rows],
                },
            ],
        }
    if progress.year is not None:
        charts["months"] = _month_chart(progress)
    annex = [r for r in progress.by_department if r.target]
    if annex:
        charts["departments"] = {
            "kind": "bar",
            "horizontal": True,
            "categories": [r.label(lang) for r in annex],
            "series": [
                {"name": target, "role": "target", "data": [r.target for r in annex]},
                {"name": actual, "role": "actual", "data": [r.actual for r in annex]},
            ],
        }
    for key, rows in (("districts", progress.by_district), ("types", progress.by_type)):
        charts[key] = {
            "kind": "bar",
            "horizontal": True,
            "categories": [r.label(lang) for r in rows],
            "series": [{"name": actual, "role": "actual", "data": [r.actual for r in rows]}],
        }
    return charts


def _month_chart(progress: Progress) -> dict[str, Any]:
    """Cumulative person-times by month, the year's target, and the forecast line with its band
    from this month to December."""
    year = progress.year
    months = progress.monthly.get(year, {})
    today = progress.as_of
    last = 12 if today.year > year else (today.month if today.year == year else 0)
    cumulative, running = [], 0
    for month in range(1, 13):
        running += months.get(month, 0)
        cumulative.append(running if month <= last else None)
    series = [{"name": _("Person-times (cumulative)"), "role": "actual", "type": "line", "data": cumulative}]
    year_target = sum(s.target for s in progress.stages if s.detail == str(year)) if progress.stages else None
    if not year_target:
        year_target = sum(r.target or 0 for r in progress.by_department) or None
    if year_target:
        series.append(
            {"name": _("Target"), "role": "target", "type": "line", "dashed": True, "data": [year_target] * 12}
        )
    f = progress.forecast
    if f is not None:
        start = today.month

        def line(end: int) -> list[Any]:
            return [
                None if m < start else round(f.so_far + (end - f.so_far) * (m - start) / max(12 - start, 1))
                for m in range(1, 13)
            ]

        series += [
            {
                "name": _("Year-end forecast"),
                "role": "forecast",
                "type": "line",
                "dashed": True,
                "data": line(f.expected),
            },
            {"name": _("90% band: low"), "role": "band", "type": "line", "dotted": True, "data": line(f.low)},
            {"name": _("90% band: high"), "role": "band", "type": "line", "dotted": True, "data": line(f.high)},
        ]
    return {
        "kind": "line",
        "categories": [_("Month %(month)s") % {"month": m} for m in range(1, 13)],
        "series": series,
    }


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    user = _reader(request)
    programme, year, choices = _chosen(request, user)
    lang = tables.lang()
    context: dict[str, Any] = {
        "programme": programme,
        "programmes": [(p.code, _lang_name(p, lang)) for p in choices],
        "may_record": may_record_workforce(user),
    }
    if programme is None:
        return render(request, "web/dashboard/progress.html", context)
    progress = selectors.progress(programme=programme, user=user, year=year)
    shown = {t.key: _shown(t) for t in tables.tables(progress)}
    context.update(
        {
            "progress": progress,
            "title": tables.title(progress),
            "programme_name": _lang_name(programme, lang),
            "year": year,
            "years": selectors.programme_years(programme),
            "all": ALL,
            "tables": shown,
            "charts": _charts(progress),
            "count_note": tables.count_note(),
            "forecast_note": tables.forecast_note(),
            "export_url": f"{reverse('web:dashboard:export')}?{_query(programme, year)}",
            "lang": lang,
        }
    )
    return render(request, "web/dashboard/progress.html", context)


@login_required
@require_GET
def export_xlsx(request: HttpRequest) -> HttpResponse:
    user = _reader(request)
    programme, year, _choices = _chosen(request, user)
    if programme is None:
        raise Http404
    progress = selectors.progress(programme=programme, user=user, year=year)
    unit = user.organization
    unit_name = (unit.name_en or unit.name) if unit and tables.lang() == "en" else (unit.name if unit else "—")
    response = HttpResponse(export.render(progress, unit_name=unit_name), content_type=XLSX)
    span = str(year) if year is not None else f"{programme.start_year}-{programme.end_year}"
    response["Content-Disposition"] = f'attachment; filename="progress-{programme.code}-{span}.xlsx"'
    return response


def _regions(programme: Programme | None) -> list[tuple[str, str]]:
    if programme is None:
        return []
    lang = tables.lang()
    rows = Region.objects.filter(Q(code=programme.region) | Q(parent_id=programme.region)).order_by("code")
    return [(r.code, f"{_lang_name(r, lang)} ({r.code})") for r in rows]


@login_required
@require_http_methods(["GET", "POST"])
def workforce(request: HttpRequest) -> HttpResponse:
    """The yearly figures behind §2.b: the HR bureau records them; finance and the auditor read them."""
    user = _reader(request)
    if not selectors.city_wide(user):
        raise PermissionDenied
    today = timezone.localdate()
    programme = programme_default(year=today.year)
    may_record = may_record_workforce(user)
    form = None
    if may_record:
        regions = _regions(programme)
        initial = {"year": today.year - 1, "region": programme.region if programme else ""}
        form = WorkforceForm(request.POST or None, regions=regions, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                entry = workforce_figures_record(actor=user, **form.cleaned_data)
            except InvalidInput as exc:
                en = tables.lang() == "en"
                for problem in exc.problems:
                    field = problem.column if problem.column in form.fields else None
                    form.add_error(field, problem.en if en else problem.zh)
            except DomainError as exc:
                form.add_error(None, exc.en if tables.lang() == "en" else exc.zh)
            else:
                messages.success(
                    request,
                    _("Figures for %(region)s, %(year)s recorded.") % {"region": entry.region, "year": entry.year},
                )
                return redirect("web:dashboard:workforce")
    elif request.method == "POST":
        raise PermissionDenied
    entries = workforce_figures_visible_to(user).select_related("recorded_by").order_by("-year", "region")
    page = Paginator(entries, PER_PAGE).get_page(request.GET.get("page"))
    en = tables.lang() == "en"
    names = {
        code: (name_en if en and name_en else name)
        for code, name, name_en in Region.objects.filter(code__in=[e.region for e in page]).values_list(
            "code", "name", "name_en"
        )
    }
    rows = [{"entry": e, "region_name": names.get(e.region, e.region)} for e in page]
    context = {"form": form, "page": page, "rows": rows, "may_record": may_record, "programme": programme}
    return render(request, "web/dashboard/workforce.html", context)
