"""One application under review (§4.3.d): each claim line's decision with every check and its
clause, the person's history and §3.3.b quota beside it, the materials beside the application,
and only the steps the review chain's table allows this user now."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from skillfund.accounts.scoping import applications_visible_to, objections_visible_to, role_of, visible
from skillfund.catalog.models import Occupation
from skillfund.claims import selectors
from skillfund.claims.decisions import decision_lines
from skillfund.claims.models import Application, Claim
from skillfund.claims.names import decision_names, occupation_names
from skillfund.claims.review import application_step
from skillfund.claims.workflow import STEPS
from skillfund.core.errors import DomainError
from skillfund.materials.actions import material_download_record
from skillfund.materials.models import Material
from skillfund.materials.selectors import material_for
from skillfund.notices import selectors as notice_selectors
from skillfund.training.models import Certificate, ClassPlan, Enrolment
from skillfund.web.review.common import english, occupation_name, reviewer_required, said
from skillfund.web.review.forms import StepForm

_MARK = {"pass": "✓", "fail": "✗", "outcome": "→", "not_applicable": "–"}
INLINE_IMAGES = frozenset({"image/jpeg", "image/png"})  # checked by content at upload (materials.actions)
# Steps these pages take: the forward and side steps of reviewers. "pay" is the finance pages'.
PAGE_STEPS = frozenset({"verify", "check", "approve", "return", "reject", "publish"})


def _application(user: Any, pk: int) -> Application:
    """The application if the user's scope holds it: another department's is not found (404)."""
    found = applications_visible_to(user).select_related("department", "applicant", "person", "class_plan")
    return get_object_or_404(selectors.with_amounts(found), pk=pk)


def _occupations(codes: set[str]) -> dict[str, Occupation]:
    return {o.code: o for o in Occupation.objects.filter(code__in=codes).only("code", "name", "name_en")}


def occupation_label(code: str, occupations: dict[str, Occupation]) -> str:
    found = occupations.get(code)
    return occupation_name(found) if found is not None else code


def _lines(application: Application, user: Any) -> list[dict[str, Any]]:
    lines = selectors.claim_lines(application)
    year = max((line.claim.end_date.year for line in lines), default=timezone.localdate().year)
    histories = selectors.person_histories(
        user, [line.claim.person_id for line in lines], year=year, exclude_application=application.pk
    )
    codes = {line.claim.subject for line in lines}
    for history in histories.values():
        codes |= {g.subject for g in history.grants} | {c.subject for c in history.claims}
    occupations = _occupations(codes)
    names = decision_names((line.decision for line in lines), known=occupation_names(occupations.values()))
    en = english()
    shown = []
    for line in lines:
        checks = (
            [
                {"mark": _MARK[c.status], "status": c.status, "clause": c.clause, "text": c.en if en else c.zh}
                for c in decision_lines(line.decision, names)
            ]
            if line.decision
            else []
        )
        history = histories[line.claim.person_id]
        for grant in history.grants:
            grant.occupation_label = occupation_label(grant.subject, occupations)
        for claim in history.claims:
            claim.occupation_label = occupation_label(claim.subject, occupations)
        shown.append(
            {
                "claim": line.claim,
                "decision": line.decision,
                "checks": checks,
                "occupation": occupation_label(line.claim.subject, occupations),
                "history": history,
            }
        )
    return shown


def _materials(application: Application, user: Any) -> list[Material]:
    """The proofs of the application, its claims, its class plan, the claims' enrolments and
    certificates — those the user may see (materials follow their record's scope). Withdrawn ones
    stay on record in the back office, not beside the application."""
    enrolments = application.claims.filter(enrolment__isnull=False).values("enrolment_id")
    linked: list[tuple[Any, Any]] = [
        (Application, [application.pk]),
        (Claim, application.claims.values("pk")),
        (Enrolment, enrolments),
        (Certificate, Certificate.objects.filter(enrolment_id__in=enrolments).values("pk")),
        (ClassPlan, [application.class_plan_id] if application.class_plan_id else []),
    ]
    condition = Q(pk__in=[])
    for model, ids in linked:
        if not isinstance(ids, list) or ids:
            condition |= Q(linked_type=ContentType.objects.get_for_model(model), linked_id__in=ids)
    found = list(visible(Material, user).filter(condition, withdrawn_at__isnull=True).order_by("kind", "-uploaded_at"))
    for material in found:
        material.inline = material.content_type in INLINE_IMAGES
    return found


def _steps(application: Application, user: Any) -> list[dict[str, Any]]:
    steps = [s for s in selectors.steps_available(application, user) if s.name in PAGE_STEPS]
    if any(s.name == "approve" for s in steps) and not _approvable(application, user):
        # Approval waits for the notice to close and its objections to be decided (the action
        # refuses it before then): the approve queue's own condition says whether it is time.
        steps = [s for s in steps if s.name != "approve"]
    return [
        {
            "name": s.name,
            "label": s.en if english() else s.zh,
            "side": s.name in selectors.SIDE_STEPS,
            "reason_required": s.reason_required,
        }
        for s in steps
    ]


def _approvable(application: Application, user: Any) -> bool:
    return Application.objects.filter(pk=application.pk).filter(selectors.waiting_for(user, "approve")).exists()


def _objections(application: Application, user: Any) -> list[Any]:
    found = list(
        objections_visible_to(user)
        .filter(application=application)
        .select_related("group__decision")
        .order_by("filed_at")
    )
    for objection in found:
        objection.outcome = notice_selectors.objection_outcome_label(objection)
    return found


def _render(
    request: HttpRequest,
    application: Application,
    form: StepForm | None = None,
    failed_step: str = "",
    status: int = 200,
) -> HttpResponse:
    user = request.user
    events = list(application.events.select_related("actor").order_by("at", "id"))
    for event in events:
        step = STEPS.get(event.step)
        event.label = (step.en if english() else step.zh) if step else event.step
    notice = notice_selectors.current_notice(application.pk)
    steps = _steps(application, user)
    context = {
        "application": application,
        "lines": _lines(application, user),
        "materials": _materials(application, user),
        "steps": steps,
        "required_for": "、".join(s["label"] for s in steps if s["reason_required"])
        if not english()
        else ", ".join(s["label"] for s in steps if s["reason_required"]),
        "form": form or StepForm(),
        "failed_step": failed_step,
        "events": events,
        "notice": notice,
        "notice_open": notice is not None and notice_selectors.notice_is_open(notice),
        "objections": _objections(application, user),
        "may_decide_objections": role_of(user) == "hr_staff",
    }
    return render(request, "web/review/application.html", context, status=status)


@reviewer_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render(request, _application(request.user, pk))


@require_POST
@reviewer_required
def step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """Take one step from the item page: the form says what is missing at the field; the action
    (application_step) decides, and refuses an empty reason itself too."""
    application = _application(request.user, pk)
    spec = STEPS.get(step)
    if spec is None or step not in PAGE_STEPS:
        raise Http404
    if step == "publish":  # published with a notice: the page's button posts to the bulk confirmation
        return redirect("web:review:application", pk=application.pk)
    form = StepForm(request.POST, reason_required=spec.reason_required)
    if form.is_valid():
        try:
            application_step(application=application, step=step, actor=request.user, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            if exc.code == "reason_required":
                form.add_error("reason", said(exc))
            else:
                form.add_error(None, said(exc))
        else:
            label = spec.en if english() else spec.zh
            messages.success(request, f"{application.reference}: {label} ✓")
            return redirect("web:review:application", pk=application.pk)
    return _render(request, application, form=form, failed_step=step, status=400)


@never_cache
@require_GET
@reviewer_required
def material_image(request: HttpRequest, pk: int) -> FileResponse:
    """A JPEG or PNG proof shown inline beside the application: only to a user who sees the record
    it proves, with the type checked at upload, sandboxed, and logged as a download is."""
    material = material_for(request.user, pk)
    if material is None or material.content_type not in INLINE_IMAGES or material.withdrawn_at:
        raise Http404
    handle = material.file.storage.open(material.file.name, "rb")
    try:
        material_download_record(material=material, actor=request.user)
    except BaseException:
        handle.close()
        raise
    response = FileResponse(handle, content_type=material.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
