"""Back office for claims, decisions and applications. Claims and decisions are read-only here
(written by the batch command and the review chain), every decision's checks rendered as plain
messages citing their clauses. Applications move through the review chain (§4.3.d) only by the
step pages, which call the actions: `application_step`, `notice_publish`, the finance payment."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from skillfund.accounts import scoping
from skillfund.accounts.admin_scoping import ReadOnlyInline, ScopedModelAdmin
from skillfund.accounts.models import Role
from skillfund.claims import applying, selectors
from skillfund.claims.decisions import decision_lines
from skillfund.claims.models import Application, Claim, Decision, Grant, QuotaTally
from skillfund.claims.names import decision_names
from skillfund.claims.review import application_step
from skillfund.claims.workflow import STEPS, Status, Step
from skillfund.core.audit_names import role_label
from skillfund.core.errors import DomainError
from skillfund.funds import payments
from skillfund.notices import selectors as notice_selectors
from skillfund.notices.actions import notice_publish
from skillfund.notices.models import Objection
from skillfund.notices.workdays import fallback_warning, notice_period
from skillfund.policy.parameters import ParameterNotInForce, default_parameters
from skillfund.training.admin import ScopedForm
from skillfund.training.models import ClassPlan

_MARK = {"pass": "✓", "fail": "✗", "outcome": "→", "not_applicable": "–"}


class ReadOnlyAdmin(ScopedModelAdmin):
    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class DecisionInline(ReadOnlyInline):
    model = Decision
    fields = ("decided_at", "purpose", "eligible", "subsidy", "living_allowance", "advance", "rules_version")
    readonly_fields = fields


@admin.register(Claim)
class ClaimAdmin(ReadOnlyAdmin):
    list_display = ("reference", "person", "kind", "catalog_item", "end_date", "department", "status")
    list_filter = ("status", "kind", "department")
    list_select_related = ("person", "catalog_item", "department")
    search_fields = ("reference", "person__name", "batch")
    date_hierarchy = "end_date"
    inlines = [DecisionInline]


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ("claim", "purpose", "eligible", "subsidy", "trainee_share", "living_allowance", "decided_at")
    list_filter = ("eligible", "purpose")
    list_select_related = ("claim", "claim__person")
    search_fields = ("claim__reference",)
    fields = (
        "claim",
        "purpose",
        "decided_at",
        "rules_version",
        "eligible",
        "subsidy",
        "trainee_share",
        "living_allowance",
        "advance",
        "months_subsidized",
        "free",
        "explanation",
    )
    readonly_fields = fields

    @admin.display(description=_("checks and outcomes"))
    def explanation(self, obj: Decision) -> str:
        english = (get_language() or "").startswith("en")
        rows = ((_MARK[line.status], line.clause, line.en if english else line.zh) for line in decision_lines(obj))
        return format_html(
            "<table>{}</table>", format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", rows)
        )


@admin.register(Grant)
class GrantAdmin(ReadOnlyAdmin):
    list_display = ("person", "origin", "subject", "level_key", "year", "amount", "source_system", "granted_at")
    list_filter = ("origin", "year", "kind")
    list_select_related = ("person",)


@admin.register(QuotaTally)
class QuotaTallyAdmin(ReadOnlyAdmin):
    list_display = ("person", "year", "used", "cap")
    list_filter = ("year",)
    list_select_related = ("person",)


# ---- applications and the review chain (§4.3.d) ----------------------------------------------------


def _message(exc: DomainError) -> str:
    return f"{exc.zh} / {exc.en}" + (f" ({exc.clause})" if exc.clause else "")


def _calendar_warnings_today() -> list[tuple[str, str]]:
    """What a notice published today would say about years counted Monday to Friday."""
    today = timezone.localdate()
    try:
        days = default_parameters()["notice_working_days"].at(today)
    except ParameterNotInForce:
        return []  # publishing says why it is refused
    return [fallback_warning(year) for year in notice_period(today, int(days.value))[2]]


def _english() -> bool:
    return (get_language() or "").startswith("en")


def _step_label(step: Step) -> str:
    return f"{step.zh} / {step.en}"


class MyWorkFilter(admin.SimpleListFilter):
    """待办: by default the list shows what waits for the user's role (claims/selectors.my_work)."""

    title = _("my work (待办)")
    parameter_name = "work"

    def lookups(self, request, model_admin):
        return [("mine", _("waiting for me")), ("all", _("all applications"))]

    def _current(self, request) -> str:
        # An applicant's list opens on all of its own applications: "waiting for me" would hide the
        # ones under review (an enterprise saw "0 of 1"). Reviewers open on what waits for them.
        applicant = request.user.role in (Role.INSTITUTION_OPERATOR, Role.ENTERPRISE_OPERATOR)
        return self.value() or ("all" if applicant else "mine")

    def queryset(self, request, queryset):
        if self._current(request) == "all":
            return queryset
        return queryset.filter(selectors.my_work(request.user))

    def choices(self, changelist):
        current = self._current(self.request)
        for value, label in self.lookup_choices:
            yield {
                "selected": current == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }


class ApplyForClassForm(ScopedForm):
    class_plan = forms.ModelChoiceField(
        ClassPlan.objects.filter(status__in=applying.CLAIMABLE),
        label=_("class plan"),
        help_text=_(
            "Every trainee of the class who obtained a certificate and has no claim yet is claimed; "
            "the applications are submitted to the review chain (§4.3.d)."
        ),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["class_plan"].queryset = scoping.visible(ClassPlan, user).filter(status__in=applying.CLAIMABLE)


class StepForm(forms.Form):
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)

    def __init__(self, *args: Any, step: Step, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = step.reason_required
        if step.reason_required:
            self.fields["reason"].help_text = _("Required for this step: say why (the applicant reads it).")


class PublishForm(forms.Form):
    title = forms.CharField(label=_("notice title"), max_length=200)
    contact = forms.CharField(
        label=_("how to object"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Telephone, address or office that takes objections during the notice"),
    )


@admin.register(Application)
class ApplicationAdmin(ScopedModelAdmin):
    """Applications move only through the review chain's actions: the change page shows the
    application and a button for each step the table allows this user now; each button opens a
    step page that calls `application_step` (or `notice_publish`, or the finance payment)."""

    audited_by_action = True
    list_display = ("reference", "kind", "applicant_display", "department", "status", "amount_display")
    list_filter = (MyWorkFilter, "status", "kind", "path", ("department", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("department", "applicant", "person")
    search_fields = ("reference", "applicant__name", "person__name")
    actions = ("publish_notice",)

    def get_queryset(self, request):
        return selectors.with_amounts(super().get_queryset(request))

    def has_change_permission(self, request, obj=None):
        return False  # steps, not edits

    def has_delete_permission(self, request, obj=None):
        return False

    def has_publish_permission(self, request):
        return any(step.name == "publish" for step in STEPS.values() if scoping.role_of(request.user) in step.roles)

    @admin.display(description=_("applicant"))
    def applicant_display(self, obj: Application) -> str:
        if obj.person_id and obj.applicant_id:
            return f"{obj.person.name}（{obj.applicant.short_name or obj.applicant.name}）"
        return str(obj.applicant.short_name or obj.applicant.name) if obj.applicant_id else obj.person.name

    @admin.display(description=_("amount (CNY)"), ordering="amount")
    def amount_display(self, obj: Application) -> str:
        return f"{obj.amount:,.2f}"

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/step/<slug:step>/", view(self.step_view), name="claims_application_step"),
            path("<path:object_id>/publish/", view(self.publish_view), name="claims_application_publish"),
            *super().get_urls(),
        ]

    # ---- pages -------------------------------------------------------------------------------

    def _context(self, request, original: Application | None, title: str, **extra: Any) -> dict[str, Any]:
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": original,
            "title": title,
            **extra,
        }

    def add_view(self, request, form_url="", extra_context=None):
        """Apply for a class: claim its certified trainees and submit (claims/applying.py)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ApplyForClassForm(request.POST or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            try:
                created = applying.class_claim(class_plan=form.cleaned_data["class_plan"], actor=request.user)
            except DomainError as exc:
                form.show(exc)
            else:
                refs = "、".join(a.reference for a in created)
                self.message_user(request, f"{_('Submitted')}: {refs}", messages.SUCCESS)
                if len(created) == 1:
                    return redirect(reverse("admin:claims_application_change", args=[created[0].pk]))
                return redirect(reverse("admin:claims_application_changelist") + "?work=all")
        title = _("Apply for a class")
        return TemplateResponse(
            request, "training/admin/action_form.html", self._context(request, None, title, form=form)
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        application = self.get_object(request, unquote(object_id))  # 404 outside the user's scope
        if not self.has_view_permission(request, application):
            raise PermissionDenied
        application = selectors.with_amounts(Application.objects.filter(pk=application.pk)).select_related(
            "department", "applicant", "person", "class_plan", "created_by"
        )[0]
        english = _english()
        lines = []
        claim_lines = selectors.claim_lines(application)
        names = decision_names(line.decision for line in claim_lines)
        for line in claim_lines:
            checks = (
                [(_MARK[c.status], c.clause, c.en if english else c.zh) for c in decision_lines(line.decision, names)]
                if line.decision
                else []
            )
            lines.append({"claim": line.claim, "decision": line.decision, "checks": checks})
        steps = [
            {
                "label": _step_label(step),
                "url": reverse(
                    "admin:claims_application_publish" if step.name == "publish" else "admin:claims_application_step",
                    args=[application.pk] if step.name == "publish" else [application.pk, step.name],
                ),
                "side": step.name in selectors.SIDE_STEPS,
            }
            for step in selectors.steps_available(application, request.user)
        ]
        notice = notice_selectors.current_notice(application.pk)
        events = list(application.events.select_related("actor").order_by("at", "id"))
        for event in events:
            event.label = _step_label(STEPS[event.step]) if event.step in STEPS else event.step
            event.role_label = role_label(event.actor_role) if event.actor_role else ""
        context = self._context(
            request,
            application,
            f"{application.reference} · {application.get_kind_display()}",
            application=application,
            lines=lines,
            steps=steps,
            events=events,
            notice=notice,
            notice_open=notice is not None and notice_selectors.notice_is_open(notice),
            objections=self._objections(request, application),
            statuses=Status,
        )
        return TemplateResponse(request, "claims/admin/application_detail.html", context)

    @staticmethod
    def _objections(request, application: Application) -> list[Objection]:
        """The application's objections in the user's scope, each with its outcome and, while
        undecided, the page that decides it (for the HR bureau)."""
        found = list(
            scoping.visible(Objection, request.user)
            .filter(application=application)
            .select_related("group__decision")
            .order_by("filed_at")
        )
        for objection in found:
            objection.outcome = notice_selectors.objection_outcome_label(objection)
            undecided = notice_selectors.objection_outcome(objection) == "undecided"
            objection.decide_url = (
                reverse("admin:notices_objection_decide", args=[objection.pk])
                if undecided and scoping.role_of(request.user) == Role.HR_STAFF
                else ""
            )
        return found

    def step_view(self, request, object_id, step):
        application = self.get_object(request, unquote(object_id))  # 404 outside the user's scope
        spec = STEPS.get(step)
        if spec is None or (spec.internal and step not in selectors.OFFERED_INTERNAL):
            raise Http404
        if step == "publish":
            return redirect(reverse("admin:claims_application_publish", args=[application.pk]))
        form = StepForm(request.POST or None, step=spec)
        if request.method == "POST" and form.is_valid():
            try:
                if step == "pay":
                    self._pay(application, request.user)
                else:
                    application_step(
                        application=application, step=step, actor=request.user, reason=form.cleaned_data["reason"]
                    )
            except DomainError as exc:
                form.add_error(None, _message(exc))
            else:
                self.message_user(request, f"{application.reference}: {_step_label(spec)} ✓", messages.SUCCESS)
                return redirect(reverse("admin:claims_application_change", args=[application.pk]))
        note = f"{application.get_status_display()} → {Status(spec.target).label} ({spec.clause})"
        context = self._context(request, application, _step_label(spec), form=form, note=note)
        return TemplateResponse(request, "training/admin/action_form.html", context, status=400 if form.errors else 200)

    @staticmethod
    def _pay(application: Application, user: Any) -> None:
        """Finance pays through a payment batch of one (funds/payments.py): ledger, payment line and
        the review chain's "pay" step together. An unpaid line left from a refused attempt is paid
        again rather than batched twice."""
        refused = selectors.step_refusal(application, "pay", user)  # the table first: no batch if not
        if refused is not None:
            raise refused
        line = selectors.live_payment_line(application)
        batch = line.batch if line else payments.payment_batch_create(applications=[application], actor=user)
        result = payments.payment_batch_pay(batch=batch, actor=user)
        if result.refused:
            raise next(iter(result.refused.values()))

    def publish_view(self, request, object_id):
        application = self.get_object(request, unquote(object_id))
        return self._publish(request, [application], back=application)

    @admin.action(
        description=_("Publish the selected checked applications in a public notice"), permissions=["publish"]
    )
    def publish_notice(self, request, queryset):
        return self._publish(request, list(queryset), back=None)

    def _publish(self, request, applications: list[Application], back: Application | None):
        """A notice's title and how to object, then `notice_publish` (which holds every rule)."""
        applying_now = request.method == "POST" and "title" in request.POST
        units = sorted({a.department.short_name or a.department.name for a in applications})
        office = request.user.organization
        phone = getattr(office, "contact_phone", "")
        initial = {
            "title": f"职业技能培训补贴公示（{'、'.join(units)}）",
            "contact": f"{office.name} 电话 {phone}" if office is not None and phone else "",
        }
        form = PublishForm(request.POST if applying_now else None, initial=initial)
        if applying_now and form.is_valid():
            try:
                notice = notice_publish(
                    applications=applications,
                    actor=request.user,
                    title=form.cleaned_data["title"],
                    contact=form.cleaned_data["contact"],
                )
            except DomainError as exc:
                form.add_error(None, _message(exc))
            else:
                url = reverse("notices:detail", args=[notice.reference])
                self.message_user(
                    request,
                    format_html(
                        "{} {} ({} – {}) <a href='{}'>{}</a>",
                        _("Published"),
                        notice.reference,
                        notice.opens_on,
                        notice.closes_on,
                        url,
                        _("public page"),
                    ),
                    messages.SUCCESS,
                )
                for zh, en in notice.calendar_warnings:
                    self.message_user(request, en if _english() else zh, messages.WARNING)
                if back is not None:
                    return redirect(reverse("admin:claims_application_change", args=[back.pk]))
                return redirect(reverse("admin:claims_application_changelist") + "?work=all")
        note = "、".join(f"{a.reference}（{a.get_status_display()}）" for a in applications)
        context = self._context(
            request,
            back,
            _("Publish in a public notice (公示)"),
            form=form,
            note=note,
            selected=[a.pk for a in applications] if back is None else [],
            calendar_warnings=[en if _english() else zh for zh, en in _calendar_warnings_today()],
        )
        return TemplateResponse(request, "claims/admin/publish_form.html", context, status=400 if form.errors else 200)
