"""The public portal: no sign-in, no personal data. Every page is the same for every visitor in a
language, so a browser may keep it a few minutes (signed-in users get no-store from
accounts.middleware.NoStoreMiddleware, which runs after these views).

Each view parses the query, calls selectors, renders. Bad filter values are reported at the field
and the list is shown without that filter: a public page never answers 500 to a query string.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.paginator import Paginator
from django.db.models import Prefetch, prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_cookie

from skillfund.catalog.selectors import catalog_default_year, catalog_items, catalog_years
from skillfund.notices.selectors import open_notice_count
from skillfund.policy.parameters import default_parameters
from skillfund.portal.document import policy_document
from skillfund.portal.forms import CatalogFilter, ClassFilter
from skillfund.programme.models import Programme, RatioTarget, Stage
from skillfund.programme.selectors import programme_default, programmes_of_region
from skillfund.reports.progress import public_progress
from skillfund.training.open_classes import (
    class_sessions,
    districts_of,
    open_class_occupations,
    open_class_plan,
    open_class_plans,
    region_names,
)
from skillfund.web.dashboard import tables as progress_tables

PER_PAGE = 25
CACHE_SECONDS = 300


def public_page(view):
    """GET only, the same for everyone in a language: browsers may keep it for a few minutes."""
    return require_GET(vary_on_cookie(cache_control(max_age=CACHE_SECONDS)(view)))


def _english() -> bool:
    return (get_language() or "").startswith("en")


def worker_url() -> str:
    """Where a worker signs in: the worker pages' sign-in once they have one, else their home."""
    for name in ("web:worker:login", "web:worker:home"):
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return "/me/"


def _programme() -> Programme | None:
    programme = programme_default(year=timezone.localdate().year)
    if programme is not None:
        prefetch_related_objects(
            [programme],
            Prefetch("stages", queryset=Stage.objects.order_by("number")),
            Prefetch("ratio_targets", queryset=RatioTarget.objects.order_by("code")),
        )
    return programme


@public_page
def home(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    context = {
        "programme": _programme(),
        "open_classes": open_class_plans(today=today).count(),
        "open_notices": open_notice_count(today=today),
        "worker_url": worker_url(),
    }
    return render(request, "portal/home.html", context)


@public_page
def policy(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/policy.html", {"document": policy_document(), "english": _english()})


@public_page
def catalog(request: HttpRequest) -> HttpResponse:
    years = catalog_years()
    default_year = catalog_default_year(years=years, today=timezone.localdate())
    data = request.GET.copy()
    if not data.get("year") and default_year:
        data["year"] = str(default_year)  # shown as chosen in the year picker
    form = CatalogFilter(data, years=years)
    chosen = form.chosen()
    year = chosen.get("year") or default_year
    items = catalog_items(year=year, search=chosen.get("q", ""), training_type=chosen.get("type", "")) if year else None
    page = Paginator(items, PER_PAGE).get_page(request.GET.get("page")) if items is not None else None
    context = {"form": form, "year": year, "years": years, "page": page, "query": form.query_without_page()}
    return render(request, "portal/catalog.html", context)


@public_page
def classes(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    # The banners and districts of the area the deployment's programme covers.
    programme = programme_default(year=today.year)
    districts = districts_of(programme.region_prefix) if programme else []
    form = ClassFilter(request.GET or None, districts=districts, occupations=open_class_occupations(today=today))
    chosen = form.chosen() if form.is_bound else {}
    plans = open_class_plans(today=today, region=chosen.get("district", ""), occupation=chosen.get("occupation", ""))
    page = Paginator(plans, PER_PAGE).get_page(request.GET.get("page"))
    names = region_names({plan.region for plan in page})
    for plan in page:
        plan.region_place = names.get(plan.region)
    context = {
        "form": form,
        "page": page,
        "query": form.query_without_page(),
        "worker_url": worker_url(),
        "today": today,
    }
    return render(request, "portal/classes.html", context)


@public_page
def class_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One open class: what it trains, where and when, each session. A class that is not open
    (not approved, started, full, or no such code) is not found."""
    today = timezone.localdate()
    plan = open_class_plan(code=code[:40], today=today)
    if plan is None:
        raise Http404
    sessions = class_sessions(plan)
    context = {
        "plan": plan,
        "place": region_names({plan.region}).get(plan.region),
        "sessions": sessions,
        "hours": sum((s.hours for s in sessions), Decimal(0)),
        "worker_url": worker_url(),
    }
    return render(request, "portal/class_detail.html", context)


def _shown(table: progress_tables.Table) -> dict:
    """A progress table as the page prints it (the dashboard's definition of each table)."""
    return {
        "key": table.key,
        "title": table.title,
        "heads": [(c.head, c.numeric) for c in table.columns],
        "lines": [
            {
                "level": line.level,
                "cells": [(progress_tables.text(v), c.numeric) for v, c in zip(line.cells, table.columns, strict=True)],
            }
            for line in table.lines
        ],
        "total": table.total
        and [(progress_tables.text(v), c.numeric) for v, c in zip(table.total, table.columns, strict=True)],
    }


@public_page
def progress(request: HttpRequest) -> HttpResponse:
    """Progress against the targets (§2, Annex): the stages, the total and each department's
    person-times — the public summary of the target dashboards (reports.progress.public_progress)."""
    today = timezone.localdate()
    default = programme_default(year=today.year)
    programmes = programmes_of_region(default.region) if default else []
    code = request.GET.get("programme", "")
    chosen = next((p for p in programmes if p.code == code), default)
    context: dict = {"programme": chosen, "programmes": programmes}
    if chosen is not None:
        summary = public_progress(programme=chosen, today=today)
        context.update(
            {
                "summary": summary,
                "tables": [
                    _shown(progress_tables.stage_table(summary)),
                    _shown(progress_tables.department_table(summary)),
                ],
                "count_note": progress_tables.count_note(),
                "forecast_note": progress_tables.forecast_note(),
            }
        )
    return render(request, "portal/progress.html", context)


@public_page
def how_to_apply(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    parameters = default_parameters()
    values = {}
    for name in ("annual_cap", "attendance_threshold", "advance_ratio", "work_training_max_months"):
        try:
            values[name] = parameters.value(name, on=today)
        except LookupError:  # not in force today: the page says the rule without the figure
            values[name] = None
    context = {
        "annual_cap": values["annual_cap"],
        "attendance_percent": values["attendance_threshold"] and round(values["attendance_threshold"] * 100),
        "advance_percent": values["advance_ratio"] and round(values["advance_ratio"] * 100),
        "work_months": values["work_training_max_months"],
        "worker_url": worker_url(),
    }
    return render(request, "portal/apply.html", context)
