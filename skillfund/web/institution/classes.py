"""A class once approved, from the institution's screen: its enrolment roster (imported from .xlsx,
with what the rules would decide for each trainee), attendance by session (a persons × sessions
grid, and each session's sheet: present with times, or absent with the reason), results and
certificates. Every write is a training action; a class the user does not see is a 404."""

from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from skillfund.core.errors import DomainError, InvalidInput
from skillfund.training import selectors, steps
from skillfund.training.actions.enrolment import SheetLine, enrolment_withdraw, session_attendance_record
from skillfund.training.actions.results import assessment_record, certificate_record
from skillfund.training.importing import enrol_one, enrolment_import, template_bytes
from skillfund.training.models import Absence, Assessment, Attendance, ClassPlan, Enrolment
from skillfund.web.institution.forms import (
    AssessmentForm,
    CertificateForm,
    EnrolOneForm,
    RosterUploadForm,
    SheetForm,
    error_text,
    show_error,
)
from skillfund.web.institution.plans import MAX_ID, require_step, scoped_plan, step_view

PER_PAGE = 50
PROBLEMS_SHOWN = 200


# ---- enrolment roster --------------------------------------------------------------------------


@login_required
@step_view
def roster(request: HttpRequest, pk: int) -> HttpResponse:
    """The class's trainees with the rules' preview; the import form while the class takes enrolments."""
    plan = scoped_plan(request.user, pk)
    allowed = steps.plan_steps(user=request.user, plan=plan)
    one = "enrol_one" in request.POST
    form = RosterUploadForm(None if one else (request.POST or None), None if one else (request.FILES or None))
    one_form = EnrolOneForm(request.POST if one else None, prefix="one")
    problems: list = []
    if request.method == "POST":
        require_step(request.user, plan, steps.ENROL)
        if one:
            if one_form.is_valid():
                try:
                    enrolment = enrol_one(class_plan=plan, actor=request.user, **one_form.cleaned_data)
                except DomainError as exc:
                    show_error(one_form, exc)
                else:
                    messages.success(request, _("%(name)s enrolled.") % {"name": enrolment.person.name})
                    return redirect("web:institution:class_roster", pk=plan.pk)
        elif form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = enrolment_import(class_plan=plan, actor=request.user, file=upload, file_name=upload.name)
            except InvalidInput as exc:
                problems = exc.problems
            except DomainError as exc:
                show_error(form, exc)
            else:
                messages.success(request, _("%(n)s trainees enrolled.") % {"n": len(result.enrolled)})
                return redirect("web:institution:class_roster", pk=plan.pk)
    enrolments = plan.enrolments.select_related("person").order_by("id")
    page = Paginator(enrolments, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "plan": plan,
        "steps": allowed,
        "form": form,
        "one_form": one_form,
        "page": page,
        "problems": problems[:PROBLEMS_SHOWN],
        "problem_count": len(problems),
        "taken": plan.enrolments.filter(status__in=Enrolment.ACTIVE).count(),
        # enrolment_withdraw takes the institution's users; the roster offers it to them alone.
        "may_withdraw": steps.ATTENDANCE in allowed,
    }
    return render(request, "web/institution/class_roster.html", context)


@login_required
def roster_template(request: HttpRequest, pk: int) -> HttpResponse:
    plan = scoped_plan(request.user, pk)
    response = HttpResponse(
        template_bytes(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="roster-{plan.pk}.xlsx"'
    return response


@login_required
@require_POST
def withdraw(request: HttpRequest, pk: int, enrolment_pk: int) -> HttpResponse:
    """A trainee leaves the class (退学), with the reason."""
    plan = scoped_plan(request.user, pk)
    enrolment = _scoped_enrolment(plan, enrolment_pk)
    try:
        enrolment_withdraw(enrolment=enrolment, actor=request.user, reason=request.POST.get("reason", "")[:500])
    except DomainError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("%(name)s withdrew from the class.") % {"name": enrolment.person.name})
    return redirect("web:institution:class_roster", pk=plan.pk)


# ---- attendance ----------------------------------------------------------------------------------


def _marks(plan: ClassPlan) -> tuple[dict, dict]:
    """(enrolment, session) → attendance / absence, in two queries."""
    present = {
        (a.enrolment_id, a.session_id): a
        for a in Attendance.objects.filter(enrolment__class_plan=plan).select_related("session")
    }
    absent = {(a.enrolment_id, a.session_id): a for a in Absence.objects.filter(enrolment__class_plan=plan)}
    return present, absent


@login_required
def attendance(request: HttpRequest, pk: int) -> HttpResponse:
    """Persons × sessions: ✓ present, ✗ absent (with the reason), blank not recorded."""
    plan = scoped_plan(request.user, pk)
    allowed = steps.plan_steps(user=request.user, plan=plan)
    sessions = list(plan.sessions.order_by("starts_at"))
    enrolments = list(plan.enrolments.select_related("person").order_by("id"))
    present, absent = _marks(plan)
    planned = sum((s.hours for s in sessions), Decimal(0))
    now = timezone.now()
    rows = []
    for enrolment in enrolments:
        cells, hours = [], Decimal(0)
        for session in sessions:
            mark = present.get((enrolment.pk, session.pk))
            if mark is not None:
                hours += selectors.credited_hours(mark)
                cells.append(("present", ""))
            elif (gone := absent.get((enrolment.pk, session.pk))) is not None:
                cells.append(("absent", gone.reason))
            else:
                cells.append(("", ""))
        rate = (hours / planned * 100).quantize(Decimal("0.1")) if planned else Decimal(0)
        rows.append({"enrolment": enrolment, "cells": cells, "hours": hours, "rate": rate})
    context = {
        "plan": plan,
        "steps": allowed,
        "sessions": [(s, s.starts_at <= now) for s in sessions],
        "rows": rows,
        "planned": planned,
    }
    return render(request, "web/institution/class_attendance.html", context)


def _parse_time(value: str) -> time | None:
    try:
        return time.fromisoformat(value.strip()) if len(value.strip()) == 5 else None
    except ValueError:
        return None


@login_required
@step_view
def session_sheet(request: HttpRequest, pk: int, session_pk: int) -> HttpResponse:
    """One session's sheet: each trainee present (check-in, check-out) or absent (reason)."""
    plan = scoped_plan(request.user, pk)
    require_step(request.user, plan, steps.ATTENDANCE)
    if session_pk > MAX_ID:
        raise Http404
    session = get_object_or_404(plan.sessions, pk=session_pk)
    present, absent = _marks(plan)
    enrolments = list(plan.enrolments.select_related("person").order_by("id"))
    form = SheetForm(request.POST or None)
    row_errors: dict[int, list[str]] = {}
    tz = timezone.get_current_timezone()
    day = timezone.localdate(session.starts_at)
    start, end = timezone.localtime(session.starts_at).time(), timezone.localtime(session.ends_at).time()
    rows = []
    lines: list[SheetLine] = []
    for enrolment in enrolments:
        key = (enrolment.pk, session.pk)
        recorded = present.get(key) or absent.get(key)
        prefix = f"p{enrolment.pk}"
        post = request.POST
        row = {
            "enrolment": enrolment,
            "prefix": prefix,
            "recorded": recorded,
            "is_present": key in present,
            "open": recorded is None and enrolment.status == Enrolment.Status.ENROLLED,
            "state": post.get(f"{prefix}-state", "present"),
            "check_in": post.get(f"{prefix}-in", f"{start:%H:%M}"),
            "check_out": post.get(f"{prefix}-out", f"{end:%H:%M}"),
            "reason": post.get(f"{prefix}-reason", ""),
        }
        rows.append(row)
        if request.method != "POST" or not row["open"] or row["state"] not in ("present", "absent"):
            continue
        if row["state"] == "present":
            check_in, check_out = _parse_time(row["check_in"]), _parse_time(row["check_out"])
            if check_in is None or check_out is None:
                row_errors[enrolment.pk] = [_("Write the times as HH:MM, e.g. 09:00.")]
                continue
            lines.append(
                SheetLine(
                    enrolment=enrolment,
                    present=True,
                    check_in=datetime.combine(day, check_in, tzinfo=tz),
                    check_out=datetime.combine(day, check_out, tzinfo=tz),
                )
            )
        else:
            lines.append(SheetLine(enrolment=enrolment, present=False, absence_reason=row["reason"][:500]))
    if request.method == "POST" and form.is_valid() and not row_errors:
        if not lines:
            form.add_error(None, _("Nothing to record: every trainee is recorded or left out."))
        else:
            try:
                n_present, n_absent = session_attendance_record(
                    session=session,
                    lines=lines,
                    method=form.cleaned_data["method"],
                    reason=form.cleaned_data["reason"],
                    actor=request.user,
                )
            except InvalidInput as exc:
                for problem in exc.problems:
                    row_errors.setdefault(problem.row, []).append(_pick(problem))
            except DomainError as exc:
                form.add_error(None, error_text(exc))
            else:
                messages.success(request, _("%(p)s present, %(a)s absent recorded.") % {"p": n_present, "a": n_absent})
                return redirect("web:institution:class_attendance", pk=plan.pk)
    for row in rows:
        row["errors"] = row_errors.get(row["enrolment"].pk, [])
    context = {"plan": plan, "session": session, "form": form, "rows": rows, "has_errors": bool(row_errors)}
    return render(request, "web/institution/class_session_sheet.html", context)


def _pick(problem: Any) -> str:
    return problem.en if (get_language() or "").startswith("en") else problem.zh


# ---- results and certificates (§3.3.a) -----------------------------------------------------------


def _results_context(request: HttpRequest, plan: ClassPlan, forms_for: dict | None = None) -> dict[str, Any]:
    allowed = steps.plan_steps(user=request.user, plan=plan)
    enrolments = list(
        plan.enrolments.select_related("person", "assessment").prefetch_related("certificates").order_by("id")
    )
    present, _absent = _marks(plan)
    planned = sum((s.hours for s in plan.sessions.all()), Decimal(0))
    hours: dict[int, Decimal] = {}
    for (enrolment_id, _session_id), mark in present.items():
        hours[enrolment_id] = hours.get(enrolment_id, Decimal(0)) + selectors.credited_hours(mark)
    item = plan.catalog_item
    default_issuer = plan.institution.name if item.certificate_kind == "training_completion" else ""
    today = timezone.localdate()
    rows = []
    forms_for = forms_for or {}
    for enrolment in enrolments:
        assessment = getattr(enrolment, "assessment", None)
        certificates = list(enrolment.certificates.all())
        rate = (hours.get(enrolment.pk, Decimal(0)) / planned * 100).quantize(Decimal("0.1")) if planned else 0
        row = {"enrolment": enrolment, "assessment": assessment, "certificates": certificates, "rate": rate}
        if steps.RESULTS in allowed and enrolment.status != Enrolment.Status.WITHDRAWN:
            if assessment is None:
                row["assessment_form"] = forms_for.get(("assessment", enrolment.pk)) or AssessmentForm(
                    prefix=f"a{enrolment.pk}", initial={"assessed_on": plan.end_date}
                )
            elif assessment.result == Assessment.Result.PASS and not certificates:
                row["certificate_form"] = forms_for.get(("certificate", enrolment.pk)) or CertificateForm(
                    prefix=f"c{enrolment.pk}", initial={"issue_date": today, "issuing_body": default_issuer}
                )
        rows.append(row)
    return {
        "plan": plan,
        "steps": allowed,
        "rows": rows,
        "item": item,
        "ended": today >= plan.end_date,
        "claim_url": _claim_url(plan) if any(row["certificates"] for row in rows) else None,
    }


def _claim_url(plan: ClassPlan) -> str | None:
    """The claims page of this class (web/institution/claims.py, the claims pages' own folder part),
    when it is installed."""
    try:
        return reverse("web:institution:claim_class", args=[plan.pk])
    except NoReverseMatch:
        return None


@login_required
def results(request: HttpRequest, pk: int) -> HttpResponse:
    plan = scoped_plan(request.user, pk)
    return render(request, "web/institution/class_results.html", _results_context(request, plan))


def _scoped_enrolment(plan: ClassPlan, enrolment_pk: int) -> Enrolment:
    if enrolment_pk > MAX_ID:
        raise Http404
    return get_object_or_404(plan.enrolments.select_related("person"), pk=enrolment_pk)


@login_required
@require_POST
@step_view
def assessment_save(request: HttpRequest, pk: int, enrolment_pk: int) -> HttpResponse:
    plan = scoped_plan(request.user, pk)
    require_step(request.user, plan, steps.RESULTS)
    enrolment = _scoped_enrolment(plan, enrolment_pk)
    form = AssessmentForm(request.POST, prefix=f"a{enrolment.pk}")
    if form.is_valid():
        data = form.cleaned_data
        try:
            assessment_record(
                enrolment=enrolment,
                result=data["result"],
                assessed_on=data["assessed_on"],
                score=data["score"],
                note=data["note"],
                actor=request.user,
            )
        except DomainError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("Result saved for %(name)s.") % {"name": enrolment.person.name})
            return redirect("web:institution:class_results", pk=plan.pk)
    context = _results_context(request, plan, {("assessment", enrolment.pk): form})
    return render(request, "web/institution/class_results.html", context, status=400)


@login_required
@require_POST
@step_view
def certificate_save(request: HttpRequest, pk: int, enrolment_pk: int) -> HttpResponse:
    plan = scoped_plan(request.user, pk)
    require_step(request.user, plan, steps.RESULTS)
    enrolment = _scoped_enrolment(plan, enrolment_pk)
    form = CertificateForm(request.POST, prefix=f"c{enrolment.pk}")
    item = plan.catalog_item
    if form.is_valid():
        data = form.cleaned_data
        try:
            certificate_record(
                person=enrolment.person,
                enrolment=enrolment,
                kind=item.certificate_kind,
                occupation=item.occupation,
                level=item.level,
                number=data["number"],
                issue_date=data["issue_date"],
                issuing_body=data["issuing_body"],
                actor=request.user,
            )
        except DomainError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("Certificate recorded for %(name)s.") % {"name": enrolment.person.name})
            return redirect("web:institution:class_results", pk=plan.pk)
    context = _results_context(request, plan, {("certificate", enrolment.pk): form})
    return render(request, "web/institution/class_results.html", context, status=400)
