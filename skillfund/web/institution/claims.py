"""The applicant's claim pages (§4.3.d), for a training institution and, mounted again under
/work/enterprise/, for an enterprise: its applications with their review status (the chain's step
names), the reasons for a return and the rules' decision on each claim with its clauses; applying
for a class's certified trainees; materials; submitting and resubmitting a returned application.

Each view takes `audience` ("institution" or "enterprise") from its URL pattern: the role it serves
and the namespace of its links. Reads go through `accounts.scoping` (another organization's
application is a 404) and the claims selectors; writes through the claims actions, which check
role, state and scope themselves (`applying.class_claim`, `claims.review.application_step`,
`applying.application_material_upload`). What a page offers comes from the same checks.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from skillfund.accounts import scoping
from skillfund.accounts.models import Role
from skillfund.claims import applying, selectors
from skillfund.claims.decisions import decision_lines
from skillfund.claims.models import Application, ApplicationEvent
from skillfund.claims.names import decision_names
from skillfund.claims.review import application_step, applications_step
from skillfund.claims.workflow import STEPS, Status, Step
from skillfund.core.errors import DomainError
from skillfund.materials.models import Material
from skillfund.materials.selectors import materials_of
from skillfund.notices import selectors as notice_selectors
from skillfund.training.models import ClassPlan

ROLES = {"institution": Role.INSTITUTION_OPERATOR, "enterprise": Role.ENTERPRISE_OPERATOR}
PER_PAGE = 25
MARKS = {"pass": "✓", "fail": "✗", "outcome": "→", "not_applicable": "–"}


# ---- shared helpers ------------------------------------------------------------------------------


def english() -> bool:
    return (get_language() or "").startswith("en")


def say(exc: DomainError) -> str:
    """A refusal in the reader's language, with its clause."""
    text = exc.en if english() else exc.zh
    return f"{text} ({exc.clause})" if exc.clause else text


def step_label(step: Step | str) -> str:
    step = STEPS.get(step, None) if isinstance(step, str) else step
    if step is None:
        return ""
    return step.en if english() else step.zh


def next_step(application: Application) -> Step | None:
    """The forward step of the chain (§4.3.d) that the application waits for now, if any."""
    for step in STEPS.values():
        if step.name in selectors.SIDE_STEPS or step.name == "reopen":
            continue
        if application.status in step.sources.get(application.path, ()):
            return step
    return None


def ns(request: HttpRequest) -> str:
    """The URL namespace these pages are mounted under ("web:institution" or "web:enterprise")."""
    return request.resolver_match.namespace


def operator(request: HttpRequest, audience: str) -> Any:
    """The signed-in user, if their role is the one these pages serve (else 403)."""
    user = request.user
    if scoping.role_of(user) != ROLES[audience]:
        raise PermissionDenied
    return user


def return_reason() -> Subquery:
    """The reason of the application's latest return for correction or rejection."""
    returns = ApplicationEvent.objects.filter(application=OuterRef("pk"), step__in=("return", "reject")).order_by(
        "-at", "-id"
    )
    return Subquery(returns.values("reason")[:1])


def latest_step_at() -> Subquery:
    return Subquery(ApplicationEvent.objects.filter(application=OuterRef("pk")).order_by("-at", "-id").values("at")[:1])


# ---- the list ------------------------------------------------------------------------------------


class ListFilter(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("all")), *Status.choices])
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("all")), *Application.Kind.choices])
    q = forms.CharField(label=_("Reference"), required=False, max_length=60)


def own_applications(user: Any) -> QuerySet[Application]:
    return scoping.applications_visible_to(user)


@login_required
def application_list(request: HttpRequest, audience: str) -> HttpResponse:
    """The organization's own applications, every status by default (no filter hides one), with a
    count per status, the next step each waits for and the reason of a return."""
    user = operator(request, audience)
    own = own_applications(user)
    counts = dict(own.order_by().values_list("status").annotate(n=Count("pk")))
    status_counts = [(value, label, counts.get(value, 0)) for value, label in Status.choices if counts.get(value)]
    total = sum(counts.values())
    form = ListFilter(request.GET or None)
    rows = own
    if form.is_valid():
        if status := form.cleaned_data["status"]:
            rows = rows.filter(status=status)
        if kind := form.cleaned_data["kind"]:
            rows = rows.filter(kind=kind)
        if q := form.cleaned_data["q"].strip():
            rows = rows.filter(reference__icontains=q)
    filtered = rows is not own
    rows = (
        rows.annotate(return_reason=return_reason(), last_step_at=latest_step_at())
        .select_related("department", "class_plan", "person")
        .order_by("-created_at", "-pk")
    )
    paginator = Paginator(rows, PER_PAGE)
    if not filtered:  # the total above, not a second COUNT of the same rows
        paginator.count = total
    page = paginator.get_page(request.GET.get("page"))
    selectors.set_amounts(list(page))  # the page's rows only, not every row its OFFSET skips
    for application in page:
        application.waits_for = step_label(next_step(application)) if next_step(application) else ""
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "audience": audience,
        "form": form,
        "page": page,
        "total": total,
        "shown": page.paginator.count,
        "status_counts": status_counts,
        "query": query.urlencode(),
        "detail": f"{ns(request)}:application",
        "new_url": reverse(f"{ns(request)}:claim_new"),
        "employments_url": reverse(f"{ns(request)}:employments") if audience == "enterprise" else "",
        "drafts_on_page": any(a.status == Status.DRAFT for a in page),
        "bulk_url": reverse(f"{ns(request)}:claims_submit"),
    }
    return render(request, "web/institution/claim_list.html", context)


class BulkSubmit(forms.Form):
    applications = forms.ModelMultipleChoiceField(
        label=_("Drafts to submit"),
        queryset=Application.objects.none(),
        error_messages={
            "required": _("Choose at least one draft to submit."),
            "invalid_choice": _("Only your own drafts can be submitted."),
            "invalid_pk_value": _("Only your own drafts can be submitted."),
        },
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["applications"].queryset = own_applications(user).filter(status=Status.DRAFT)


@require_POST
@login_required
def applications_submit(request: HttpRequest, audience: str) -> HttpResponse:
    """Submit several drafts at once (an individual-mode class gives one application per trainee):
    the "submit" step for each, all or nothing (claims.review.applications_step)."""
    user = operator(request, audience)
    form = BulkSubmit(request.POST, user=user)
    back = reverse(f"{ns(request)}:claims") + "?status=draft"
    if not form.is_valid():
        for error in form.errors.get("applications", []):
            messages.error(request, error)
        return redirect(back)
    chosen = list(form.cleaned_data["applications"])
    try:
        applications_step(applications=chosen, step="submit", actor=user)
    except DomainError as exc:
        messages.error(request, say(exc))
        return redirect(back)
    refs = "、".join(a.reference for a in chosen)
    messages.success(request, _("Submitted for review: %(refs)s.") % {"refs": refs})
    return redirect(f"{ns(request)}:claims")


# ---- applying for a class ------------------------------------------------------------------------


def claimable_plans(user: Any, audience: str) -> QuerySet[ClassPlan]:
    """The user's classes that are claimed by class (approved or closed, not 以工代训) and for which
    its organization applies (claims.applying.applicant_of), with their unclaimed certified trainees."""
    plans = scoping.class_plans_visible_to(user).filter(
        status__in=applying.CLAIMABLE, funding_mode__in=list(applying.KIND_OF_MODE)
    )
    ordered = Q(funding_mode=ClassPlan.FundingMode.ENTERPRISE, enterprise_order__isnull=False)
    plans = plans.filter(ordered) if audience == "enterprise" else plans.exclude(ordered)
    waiting = Q(enrolments__certificates__isnull=False, enrolments__claims=None)
    return (
        plans.annotate(claimable=Count("enrolments", filter=waiting, distinct=True))
        .select_related("catalog_item", "department")
        .order_by("-end_date", "code")
    )


@login_required
def claim_new(request: HttpRequest, audience: str) -> HttpResponse:
    user = operator(request, audience)
    page = Paginator(claimable_plans(user, audience), PER_PAGE).get_page(request.GET.get("page"))
    context = {"audience": audience, "page": page, "class_url": f"{ns(request)}:claim_class"}
    return render(request, "web/institution/claim_new.html", context)


class ChooseTrainees(forms.Form):
    enrolments = forms.MultipleChoiceField(
        label=_("Trainees to claim for"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one trainee.")},
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["enrolments"].choices = choices


@login_required
def claim_class(request: HttpRequest, audience: str, plan_pk: int) -> HttpResponse:
    """Choose the class's certified trainees not claimed yet and create the application(s) as
    drafts, to add materials before submitting. An enterprise sees only how many there are (the
    trainees' records are the institution's, accounts.scoping) and claims for all of them."""
    user = operator(request, audience)
    plan = get_object_or_404(claimable_plans(user, audience), pk=plan_pk)
    enrolments = list(applying.claimable_enrolments(plan).prefetch_related("certificates"))
    shows_trainees = audience == "institution"
    choices = [(str(e.pk), str(e.pk)) for e in enrolments]
    form = (
        ChooseTrainees(request.POST if request.method == "POST" else None, choices=choices) if shows_trainees else None
    )
    error = ""
    if request.method == "POST" and (form is None or form.is_valid()):
        chosen = [int(pk) for pk in form.cleaned_data["enrolments"]] if form is not None else None
        try:
            created = applying.class_claim(class_plan=plan, actor=user, submit=False, enrolment_ids=chosen)
        except DomainError as exc:
            error = say(exc)
            if form is not None:
                form.add_error(None, error)
        else:
            refs = "、".join(a.reference for a in created)
            messages.success(request, _("Created as drafts: %(refs)s. Add materials, then submit.") % {"refs": refs})
            if len(created) == 1:
                return redirect(f"{ns(request)}:application", pk=created[0].pk)
            return redirect(reverse(f"{ns(request)}:claims") + "?status=draft")
    trainees = [
        {
            "pk": str(e.pk),
            "person": e.person,
            "certificate": next(iter(e.certificates.all()), None),
            "preview": (e.rules_preview or {}),
        }
        for e in enrolments
    ]
    chosen = set(form["enrolments"].value() or []) if form is not None and form.is_bound else set()
    context = {
        "audience": audience,
        "plan": plan,
        "form": form,
        "trainees": trainees,
        "chosen": chosen,
        "shows_trainees": shows_trainees,
        "error": error,
        "count": len(enrolments),
        "back": reverse(f"{ns(request)}:claim_new"),
    }
    return render(request, "web/institution/claim_class.html", context)


# ---- one application -----------------------------------------------------------------------------


class MaterialForm(forms.Form):
    kind = forms.ChoiceField(label=_("Material kind"), choices=Material.Kind.choices)
    file = forms.FileField(label=_("File (PDF, JPEG or PNG)"))


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Why it is withdrawn"), max_length=500)


class SubmitForm(forms.Form):
    note = forms.CharField(
        label=_("What was corrected (for the reviewer)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def detail_context(request: HttpRequest, audience: str, application: Application, **extra: Any) -> dict[str, Any]:
    user = request.user
    application = (
        selectors.with_amounts(Application.objects.filter(pk=application.pk))
        .select_related("department", "applicant", "person", "class_plan", "created_by")
        .get()
    )
    lines = []
    claim_lines = selectors.claim_lines(application)
    names = decision_names(line.decision for line in claim_lines)
    for line in claim_lines:
        checks = (
            [
                (MARKS[c.status], c.status, c.clause, c.en if english() else c.zh)
                for c in decision_lines(line.decision, names)
                if c.status != "not_applicable"
            ]
            if line.decision
            else []
        )
        lines.append({"claim": line.claim, "decision": line.decision, "checks": checks})
    events = list(application.events.select_related("actor").order_by("at", "id"))
    for event in events:
        event.label = step_label(event.step) or event.step
        event.role_label = Role(event.actor_role).label if event.actor_role in Role.values else ""
    returned = next((e for e in reversed(events) if e.step == "return"), None)
    rejected = next((e for e in reversed(events) if e.step == "reject"), None)
    may_submit = any(s.name == "submit" for s in selectors.steps_available(application, user))
    may_add = applying.applicant_may_change(application, user) is None
    waiting = next_step(application)
    notice = notice_selectors.current_notice(application.pk)
    return {
        "notice": notice,
        "notice_open": notice is not None and notice_selectors.notice_is_open(notice),
        "audience": audience,
        "application": application,
        "lines": lines,
        "events": events,
        "returned": returned if application.status == Status.RETURNED else None,
        "rejected": rejected if application.status == Status.REJECTED else None,
        "waits_for": step_label(waiting) if waiting else "",
        "materials": list(materials_of(application, user).select_related("uploaded_by")),
        "may_submit": may_submit,
        "may_add": may_add,
        "material_form": extra.pop("material_form", None) or (MaterialForm() if may_add else None),
        "submit_form": extra.pop("submit_form", None) or (SubmitForm() if may_submit else None),
        "list_url": reverse(f"{ns(request)}:claims"),
        "submit_url": reverse(f"{ns(request)}:application_submit", args=[application.pk]),
        "material_url": reverse(f"{ns(request)}:application_material", args=[application.pk]),
        "withdraw_name": f"{ns(request)}:application_material_withdraw",
        **extra,
    }


def scoped_application(user: Any, pk: int) -> Application:
    return get_object_or_404(own_applications(user), pk=pk)


@login_required
def application_detail(request: HttpRequest, audience: str, pk: int) -> HttpResponse:
    user = operator(request, audience)
    application = scoped_application(user, pk)
    return render(request, "web/institution/application_detail.html", detail_context(request, audience, application))


@require_POST
@login_required
def application_submit(request: HttpRequest, audience: str, pk: int) -> HttpResponse:
    """Submit a draft, or resubmit an application returned for correction (the "submit" step)."""
    user = operator(request, audience)
    application = scoped_application(user, pk)
    form = SubmitForm(request.POST)
    if form.is_valid():
        try:
            application_step(application=application, step="submit", actor=user, reason=form.cleaned_data["note"])
        except DomainError as exc:
            form.add_error(None, say(exc))
        else:
            messages.success(request, _("Submitted for review."))
            return redirect(f"{ns(request)}:application", pk=application.pk)
    context = detail_context(request, audience, application, submit_form=form)
    return render(request, "web/institution/application_detail.html", context, status=400)


@require_POST
@login_required
def application_material(request: HttpRequest, audience: str, pk: int) -> HttpResponse:
    user = operator(request, audience)
    application = scoped_application(user, pk)
    form = MaterialForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            applying.application_material_upload(
                application=application, file=form.cleaned_data["file"], kind=form.cleaned_data["kind"], actor=user
            )
        except DomainError as exc:
            form.add_error("file", say(exc))
        else:
            messages.success(request, _("Material added."))
            return redirect(f"{ns(request)}:application", pk=application.pk)
    context = detail_context(request, audience, application, material_form=form)
    return render(request, "web/institution/application_detail.html", context, status=400)


@require_POST
@login_required
def application_material_withdraw(request: HttpRequest, audience: str, pk: int, material_pk: int) -> HttpResponse:
    """Withdraw a material attached by mistake (it stays on record with the reason)."""
    user = operator(request, audience)
    application = scoped_application(user, pk)
    material = get_object_or_404(materials_of(application, user), pk=material_pk)
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            applying.application_material_withdraw(
                application=application, material=material, actor=user, reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            messages.error(request, say(exc))
        else:
            messages.success(request, _("Material withdrawn."))
    else:
        for error in form.errors.get("reason", []):
            messages.error(request, f"{_('Why it is withdrawn')}: {error}")
    return redirect(reverse(f"{ns(request)}:application", args=[application.pk]) + "#materials")
