"""Class plans (开班计划, §4.3.d) from the institution's screen: the list, a new draft, editing it
until it is filed, the session-schedule generator, one session's edit, filing.

Views parse and render; the training actions check role, state and scope. Which buttons show comes
from `training.steps.plan_steps`, the same checks the actions make. A plan the user does not see
(another institution's) is a 404.
"""

from __future__ import annotations

from datetime import time
from decimal import Decimal
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, QuerySet, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from skillfund.accounts.models import Role
from skillfund.accounts.scoping import class_plans_visible_to, role_of
from skillfund.core.errors import DomainError
from skillfund.organizations.models import Organization
from skillfund.training import schedule, steps
from skillfund.training.actions.plans import (
    PLAN_FIELDS,
    class_plan_add_session,
    class_plan_create,
    class_plan_file,
    class_plan_schedule,
    class_plan_update,
    class_session_delete,
    class_session_update,
)
from skillfund.training.models import ClassPlan, ClassSession, Enrolment
from skillfund.web.institution.forms import PlanForm, ScheduleForm, SessionForm, error_text, show_error

PER_PAGE = 25
MAX_ID = 2**63 - 1  # a larger id in a URL is no record (and would overflow the database's integer)


def scoped_plan(user: Any, pk: int) -> ClassPlan:
    """The plan if the user sees it (accounts.scoping), else 404 — never another organization's data."""
    if pk > MAX_ID:
        raise Http404
    return get_object_or_404(
        class_plans_visible_to(user).select_related(
            "institution", "catalog_item__occupation", "department", "annex_task__programme", "enterprise_order"
        ),
        pk=pk,
    )


class StepClosed(Exception):
    """The step is not open to this user on this plan now (`training.steps.plan_steps`)."""

    def __init__(self, plan: ClassPlan) -> None:
        super().__init__(plan.code)
        self.plan = plan


def require_step(user: Any, plan: ClassPlan, step: str) -> frozenset[str]:
    allowed = steps.plan_steps(user=user, plan=plan)
    if step not in allowed:
        raise StepClosed(plan)
    return allowed


def step_view(view):
    """A page of one step: when the step is closed (a filed plan's edit page, opened by URL), back
    to the plan with a message saying why, instead of an error page."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except StepClosed as closed:
            messages.warning(
                request,
                _("This plan is %(status)s: that step is not open to you now.")
                % {"status": closed.plan.get_status_display()},
            )
            return redirect("web:institution:plan_detail", pk=closed.plan.pk)

    return wrapped


def own_provider(user: Any) -> Organization | None:
    """The training institution or school an operator works for; None for anyone else."""
    if role_of(user) != Role.INSTITUTION_OPERATOR:
        return None
    org = user.organization
    return org if org is not None and org.kind in Organization.TRAINING_PROVIDERS else None


def _int(value: str | None) -> int | None:
    try:
        number = int(value or "")
    except ValueError:
        return None
    return number if 0 < number < 10_000 else None


def plans_page(user: Any, params: Any) -> dict[str, Any]:
    """The list's rows, filters and counts: a constant number of queries whatever the rows."""
    plans: QuerySet[ClassPlan] = class_plans_visible_to(user)
    year = _int(params.get("year"))
    status = params.get("status") or ""
    if status not in ClassPlan.Status.values:
        status = ""
    years = sorted(
        {d.year for d in plans.dates("start_date", "year")},
        reverse=True,
    )
    in_year = plans.filter(start_date__year=year) if year else plans
    counts = {row["status"]: row["n"] for row in in_year.order_by().values("status").annotate(n=Count("pk"))}
    shown = in_year.filter(status=status) if status else in_year
    shown = shown.select_related("catalog_item__occupation", "department", "annex_task").order_by("-start_date", "code")
    page = Paginator(shown, PER_PAGE).get_page(params.get("page"))
    # The page's plans' sessions, hours and enrolments: two grouped queries over the page's ids,
    # never a join of sessions × enrolments over every plan.
    ids = [plan.pk for plan in page.object_list]
    sessions = {
        row["class_plan"]: row
        for row in ClassSession.objects.filter(class_plan__in=ids)
        .order_by()
        .values("class_plan")
        .annotate(n=Count("pk"), hours=Sum("hours"))
    }
    enrolled = dict(
        Enrolment.objects.filter(class_plan__in=ids, status__in=Enrolment.ACTIVE)
        .order_by()
        .values("class_plan")
        .annotate(n=Count("pk"))
        .values_list("class_plan", "n")
    )
    for plan in page.object_list:
        row = sessions.get(plan.pk, {})
        plan.session_count, plan.hours = row.get("n", 0), row.get("hours") or Decimal(0)
        plan.enrolled = enrolled.get(plan.pk, 0)
    return {
        "page": page,
        "year": year,
        "years": years,
        "status": status,
        "statuses": [(value, label, counts.get(value, 0)) for value, label in ClassPlan.Status.choices],
        "total": sum(counts.values()),
        "pager_query": "".join(f"{k}={v}&" for k, v in (("year", year), ("status", status)) if v),
    }


@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    context = plans_page(request.user, request.GET)
    context["may_create"] = own_provider(request.user) is not None
    return render(request, "web/institution/plan_list.html", context)


def _plan_fields(data: dict[str, Any]) -> dict[str, Any]:
    return {name: data[name] for name in PLAN_FIELDS}


@login_required
def plan_create(request: HttpRequest) -> HttpResponse:
    institution = own_provider(request.user)
    if institution is None:
        raise PermissionDenied
    today = timezone.localdate()
    initial = {
        "code": f"{today:%Y%m%d}-{class_plans_visible_to(request.user).count() + 1:03d}",
        "region": institution.region,
        "funding_mode": ClassPlan.FundingMode.INDIVIDUAL,
        "capacity": 30,
    }
    form = PlanForm(request.POST or None, user=request.user, institution=institution, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            plan = class_plan_create(
                actor=request.user, institution=institution, teachers=data["teachers"], **_plan_fields(data)
            )
        except DomainError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("Draft saved. Now plan its sessions."))
            return redirect("web:institution:plan_schedule", pk=plan.pk)
    return render(request, "web/institution/plan_form.html", {"form": form, "plan": None})


@login_required
@step_view
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = scoped_plan(request.user, pk)
    require_step(request.user, plan, steps.EDIT)
    initial = {name: getattr(plan, name) for name in PLAN_FIELDS}
    initial["teachers"] = list(plan.teachers.all())
    form = PlanForm(request.POST or None, user=request.user, institution=plan.institution, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            class_plan_update(class_plan=plan, actor=request.user, teachers=data["teachers"], **_plan_fields(data))
        except DomainError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("web:institution:plan_detail", pk=plan.pk)
    return render(request, "web/institution/plan_form.html", {"form": form, "plan": plan})


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = scoped_plan(request.user, pk)
    sessions = list(plan.sessions.select_related("teacher").order_by("starts_at"))
    planned = sum((s.hours for s in sessions), Decimal(0))
    allowed = steps.plan_steps(user=request.user, plan=plan)
    context = {
        "plan": plan,
        "sessions": sessions,
        "planned_hours": planned,
        "short_of_hours": planned < plan.catalog_item.min_hours,
        "teachers": list(plan.teachers.all()),
        "enrolled": plan.enrolments.filter(status__in=Enrolment.ACTIVE).count(),
        "steps": allowed,
        "late": plan.status in ("draft", "rejected") and timezone.localdate() >= plan.start_date,
    }
    return render(request, "web/institution/plan_detail.html", context)


@login_required
@require_POST
def plan_file(request: HttpRequest, pk: int) -> HttpResponse:
    plan = scoped_plan(request.user, pk)
    try:
        class_plan_file(class_plan=plan, actor=request.user)
    except DomainError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(
            request, _("Filed with %(department)s for approval (§4.3.d).") % {"department": plan.department}
        )
    return redirect("web:institution:plan_detail", pk=plan.pk)


def _schedule_initial(plan: ClassPlan) -> dict[str, Any]:
    hours = plan.catalog_item.min_hours
    return {
        "first_day": plan.start_date,
        "weekdays": [0, 1, 2, 3, 4],
        "start": time(9, 0),
        "end": time(12, 0),
        "hours_per_session": Decimal(3),
        "total_hours": Decimal(hours),
        "skip_holidays": True,
        "replace": True,
        "adjust_end": True,
    }


@login_required
@step_view
def plan_schedule(request: HttpRequest, pk: int) -> HttpResponse:
    """The generator: the form, then a preview of the sessions, then save (all in one action)."""
    plan = scoped_plan(request.user, pk)
    require_step(request.user, plan, steps.SCHEDULE)
    form = ScheduleForm(request.POST or None, initial=_schedule_initial(plan))
    generated = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            generated = schedule.generate(
                first_day=data["first_day"],
                weekdays=set(data["weekdays"]),
                start=data["start"],
                end=data["end"],
                hours_per_session=data["hours_per_session"],
                total_hours=data["total_hours"],
                tz=timezone.get_current_timezone(),
                skip_holidays=data["skip_holidays"],
                topic=data["topic"],
            )
        except DomainError as exc:
            show_error(form, exc)
        if generated is not None and "save" in request.POST:
            try:
                class_plan_schedule(
                    class_plan=plan,
                    sessions=generated.sessions,
                    actor=request.user,
                    replace=data["replace"],
                    end_date=generated.last_day if data["adjust_end"] else None,
                )
            except DomainError as exc:
                show_error(form, exc)
            else:
                messages.success(
                    request,
                    _("%(n)s sessions saved, %(hours)s class hours.")
                    % {"n": len(generated.sessions), "hours": generated.hours},
                )
                return redirect("web:institution:plan_detail", pk=plan.pk)
    context = {
        "plan": plan,
        "form": form,
        "generated": generated,
        "existing": plan.sessions.count(),
        "past_end": generated is not None
        and generated.last_day is not None
        and generated.last_day > plan.end_date
        and not form.cleaned_data.get("adjust_end"),
    }
    return render(request, "web/institution/plan_schedule.html", context)


def _scoped_session(request: HttpRequest, pk: int, session_pk: int) -> tuple[ClassPlan, ClassSession]:
    plan = scoped_plan(request.user, pk)
    if session_pk > MAX_ID:
        raise Http404
    return plan, get_object_or_404(plan.sessions.select_related("teacher"), pk=session_pk)


@login_required
@step_view
def session_edit(request: HttpRequest, pk: int, session_pk: int) -> HttpResponse:
    plan, session = _scoped_session(request, pk, session_pk)
    require_step(request.user, plan, steps.SCHEDULE)
    starts, ends = timezone.localtime(session.starts_at), timezone.localtime(session.ends_at)
    initial = {
        "day": starts.date(),
        "start": starts.time(),
        "end": ends.time(),
        "hours": session.hours,
        "topic": session.topic,
        "teacher": session.teacher,
    }
    form = SessionForm(request.POST or None, user=request.user, institution=plan.institution, initial=initial)
    if request.method == "POST" and form.is_valid():
        starts_at, ends_at = form.times()
        try:
            class_session_update(
                session=session,
                actor=request.user,
                starts_at=starts_at,
                ends_at=ends_at,
                hours=form.cleaned_data["hours"],
                topic=form.cleaned_data["topic"],
                teacher=form.cleaned_data["teacher"],
            )
        except DomainError as exc:
            show_error(form, exc, aliases={"starts_at": "start", "ends_at": "end"})
        else:
            messages.success(request, _("Session saved."))
            return redirect("web:institution:plan_detail", pk=plan.pk)
    return render(request, "web/institution/plan_session_form.html", {"plan": plan, "session": session, "form": form})


@login_required
@step_view
def session_add(request: HttpRequest, pk: int) -> HttpResponse:
    """One session added by hand (a make-up lesson, an extra practice day)."""
    plan = scoped_plan(request.user, pk)
    require_step(request.user, plan, steps.SCHEDULE)
    initial = {"day": plan.start_date, "start": time(9), "end": time(12), "hours": Decimal(3)}
    form = SessionForm(request.POST or None, user=request.user, institution=plan.institution, initial=initial)
    if request.method == "POST" and form.is_valid():
        starts_at, ends_at = form.times()
        try:
            class_plan_add_session(
                class_plan=plan,
                actor=request.user,
                starts_at=starts_at,
                ends_at=ends_at,
                hours=form.cleaned_data["hours"],
                topic=form.cleaned_data["topic"],
                teacher=form.cleaned_data["teacher"],
            )
        except DomainError as exc:
            show_error(form, exc, aliases={"starts_at": "start", "ends_at": "end"})
        else:
            messages.success(request, _("Session saved."))
            return redirect("web:institution:plan_detail", pk=plan.pk)
    return render(request, "web/institution/plan_session_form.html", {"plan": plan, "session": None, "form": form})


@login_required
@require_POST
def session_delete(request: HttpRequest, pk: int, session_pk: int) -> HttpResponse:
    plan, session = _scoped_session(request, pk, session_pk)
    try:
        class_session_delete(session=session, actor=request.user)
    except DomainError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("Session removed."))
    return redirect("web:institution:plan_detail", pk=plan.pk)
