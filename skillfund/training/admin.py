"""Back office for training delivery. Every write goes through `training/actions/`: an add page
is a plain form whose data goes to the action (a refusal is shown on the form, nothing is
written), recorded sessions, attendance and results are read-only, and a class plan moves through
its workflow (file, approve, reject, close) only by the list actions and the decision page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import RelatedOnlyFieldListFilter
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from skillfund.accounts import scoping
from skillfund.accounts.admin_scoping import ReadOnlyInline, ScopedModelAdmin
from skillfund.catalog.models import CatalogItem, CertificateKind, Occupation, SkillLevel
from skillfund.claims.preview import enrolment_preview
from skillfund.core.errors import DomainError
from skillfund.organizations.models import Organization
from skillfund.programme.models import AnnexTask
from skillfund.registry.models import Person
from skillfund.training.actions.enrolment import attendance_record, enrolment_create
from skillfund.training.actions.plans import (
    EDITABLE,
    class_plan_add_session,
    class_plan_approve,
    class_plan_close,
    class_plan_create,
    class_plan_file,
    class_plan_reject,
    may_decide,
)
from skillfund.training.actions.results import assessment_record, certificate_record
from skillfund.training.actions.work import employment_create, work_training_month_record
from skillfund.training.models import (
    Assessment,
    Attendance,
    Certificate,
    ClassPlan,
    ClassSession,
    Employment,
    Enrolment,
    Teacher,
    WorkTrainingMonth,
)


def _message(exc: DomainError) -> str:
    return f"{exc.zh} / {exc.en}" + (f" ({exc.clause})" if exc.clause else "")


class ScopedForm(forms.Form):
    """A plain form whose record choices come from the user's scope, like every other query."""

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.ModelChoiceField):
                field.queryset = scoping.visible(field.queryset.model, user)

    def show(self, exc: DomainError) -> None:
        field = getattr(exc, "field", None)
        self.add_error(field if field in self.fields else None, _message(exc))


class ActionAdmin(ScopedModelAdmin):
    """A record written only by an action; once written, it is read-only here."""

    audited_by_action = True
    add_form: type[ScopedForm]

    def write(self, request, data: dict[str, Any]) -> Model:
        raise NotImplementedError

    def get_readonly_fields(self, request, obj=None):
        return self.fields or ()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        no_save = {"show_save": False, "show_save_and_continue": False, "show_save_and_add_another": False}
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **no_save})

    def save_model(self, request, obj, form, change):
        """Nothing to save: every field here is read-only; changes are the actions' business."""

    def save_related(self, request, form, formsets, change):
        pass

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = self.add_form(request.POST or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            try:
                obj = self.write(request, form.cleaned_data)
            except DomainError as exc:
                form.show(exc)
            else:
                self.message_user(request, _("Saved."), messages.SUCCESS)
                return redirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[obj.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Add %(name)s") % {"name": self.opts.verbose_name},
            "form": form,
        }
        return TemplateResponse(request, "training/admin/action_form.html", context)


DATETIME = forms.SplitDateTimeField


# ---- class plans ---------------------------------------------------------------------------------


class ClassPlanForm(ScopedForm):
    code = forms.CharField(label=_("class code"), max_length=40)
    institution = forms.ModelChoiceField(Organization.objects, label=_("training institution"))
    catalog_item = forms.ModelChoiceField(CatalogItem.objects, label=_("catalog item"))
    department = forms.ModelChoiceField(Organization.objects, label=_("responsible department"))
    annex_task = forms.ModelChoiceField(AnnexTask.objects, label=_("annex task"), required=False)
    funding_mode = forms.ChoiceField(label=_("funding mode"), choices=ClassPlan.FundingMode.choices)
    region = forms.CharField(label=_("region"), max_length=6)
    venue = forms.CharField(label=_("venue"), max_length=200)
    start_date = forms.DateField(label=_("start date"))
    end_date = forms.DateField(label=_("end date"))
    # The column's own range (the database's integer limits), so no number overflows it on save.
    capacity = forms.IntegerField(
        label=_("capacity"), min_value=1, validators=ClassPlan._meta.get_field("capacity").validators
    )
    fee = forms.DecimalField(label=_("fee per trainee (CNY)"), max_digits=10, decimal_places=2, required=False)
    enterprise_order = forms.ModelChoiceField(Organization.objects, label=_("ordering enterprise"), required=False)
    teachers = forms.ModelMultipleChoiceField(Teacher.objects, label=_("teachers"), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        # Departments and employers are a public directory: an institution files with a
        # department and names the enterprise that ordered the class, whatever its own scope.
        self.fields["department"].queryset = Organization.objects.filter(kind=Organization.Kind.GOVERNMENT)
        self.fields["enterprise_order"].queryset = Organization.objects.filter(kind__in=Organization.EMPLOYERS)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(label=_("decision"), choices=[("approve", _("approve")), ("reject", _("reject"))])
    reason = forms.CharField(
        label=_("reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required to reject, and to approve a plan on or after its start date (§4.3.d)"),
    )


class SessionInline(ReadOnlyInline):
    model = ClassSession
    fields = ("starts_at", "ends_at", "hours", "topic", "teacher")
    readonly_fields = fields


@admin.register(ClassPlan)
class ClassPlanAdmin(ActionAdmin):
    add_form = ClassPlanForm
    list_display = ("code", "institution", "catalog_item", "department", "start_date", "end_date", "status")
    list_filter = ("status", "funding_mode", ("department", RelatedOnlyFieldListFilter))
    list_select_related = ("institution", "catalog_item", "department")
    search_fields = ("code", "venue")
    date_hierarchy = "start_date"
    inlines = (SessionInline,)
    actions = ("file_plans", "close_plans")
    fields = (
        "code",
        "institution",
        "catalog_item",
        "department",
        "annex_task",
        "funding_mode",
        "region",
        "venue",
        "start_date",
        "end_date",
        "capacity",
        "fee",
        "enterprise_order",
        "teachers",
        "status",
        "filed_at",
        "approved_by",
        "approved_at",
        "late_reason",
        "rejection_reason",
        "decide_link",
    )

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else ()

    def get_fields(self, request, obj=None):
        # "Approve or reject" is offered only to a user the decision actions accept.
        fields = super().get_fields(request, obj)
        if obj is None or not may_decide(request.user, obj):
            fields = [f for f in fields if f != "decide_link"]
        return fields

    def write(self, request, data):
        return class_plan_create(actor=request.user, **data)

    @admin.display(description=_("decision"))
    def decide_link(self, obj):
        if obj.status not in (ClassPlan.Status.FILED, *EDITABLE):
            return "—"
        url = reverse("admin:training_classplan_decide", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Approve or reject"))

    def _each(self, request, queryset, step) -> None:
        for plan in queryset:
            try:
                step(plan)
            except DomainError as exc:
                self.message_user(request, _message(exc), messages.ERROR)
            else:
                self.message_user(request, f"{plan.code}: {_('done')}", messages.SUCCESS)

    @admin.action(description=_("File the selected plans with their department"), permissions=["change"])
    def file_plans(self, request, queryset):
        self._each(request, queryset, lambda plan: class_plan_file(class_plan=plan, actor=request.user))

    @admin.action(description=_("Close the selected classes"), permissions=["change"])
    def close_plans(self, request, queryset):
        self._each(request, queryset, lambda plan: class_plan_close(class_plan=plan, actor=request.user))

    def get_urls(self):
        decide = path(
            "<path:object_id>/decide/", self.admin_site.admin_view(self.decide_view), name="training_classplan_decide"
        )
        return [decide, *super().get_urls()]

    def decide_view(self, request, object_id):
        plan = self.get_object(request, unquote(object_id))  # 404 outside the user's scope
        if not self.has_change_permission(request, plan):
            raise PermissionDenied
        form = DecisionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            reason = form.cleaned_data["reason"]
            try:
                if form.cleaned_data["decision"] == "approve":
                    class_plan_approve(class_plan=plan, actor=request.user, late_reason=reason)
                else:
                    class_plan_reject(class_plan=plan, actor=request.user, reason=reason)
            except DomainError as exc:
                form.add_error(None, _message(exc))
            else:
                self.message_user(request, _("Decision recorded."), messages.SUCCESS)
                return redirect(reverse("admin:training_classplan_change", args=[plan.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": plan,
            "title": _("Approve or reject"),
            "note": f"{plan.get_status_display()} · {plan.start_date}–{plan.end_date}",
            "form": form,
        }
        return TemplateResponse(request, "training/admin/action_form.html", context)


class SessionForm(ScopedForm):
    class_plan = forms.ModelChoiceField(ClassPlan.objects, label=_("class plan"))
    starts_at = DATETIME(label=_("starts at"))
    ends_at = DATETIME(label=_("ends at"))
    hours = forms.DecimalField(label=_("class hours"), max_digits=5, decimal_places=2)
    topic = forms.CharField(label=_("topic"), max_length=200, required=False)
    teacher = forms.ModelChoiceField(Teacher.objects, label=_("teacher"), required=False)


@admin.register(ClassSession)
class ClassSessionAdmin(ActionAdmin):
    add_form = SessionForm
    list_display = ("class_plan", "starts_at", "ends_at", "hours", "topic", "teacher")
    list_select_related = ("class_plan", "teacher")
    search_fields = ("class_plan__code", "topic")
    fields = ("class_plan", "starts_at", "ends_at", "hours", "topic", "teacher")

    def write(self, request, data):
        return class_plan_add_session(actor=request.user, **data)


@admin.register(Teacher)
class TeacherAdmin(ScopedModelAdmin):
    """Teachers are reference data of their organization: edits are audited by `record_save`."""

    list_display = ("name", "qualification", "certificate_number", "organization")
    list_select_related = ("organization",)
    search_fields = ("name", "certificate_number")
    fields = ("name", "qualification", "certificate_number", "organization")


# ---- trainees ------------------------------------------------------------------------------------


class EnrolmentForm(ScopedForm):
    class_plan = forms.ModelChoiceField(ClassPlan.objects, label=_("class plan"))
    person = forms.ModelChoiceField(Person.objects, label=_("person"))


@admin.register(Enrolment)
class EnrolmentAdmin(ActionAdmin):
    add_form = EnrolmentForm
    list_display = ("class_plan", "person", "enrolled_at", "status")
    list_filter = ("status",)
    list_select_related = ("class_plan", "person")
    search_fields = ("class_plan__code", "person__name")
    fields = ("class_plan", "person", "enrolled_at", "status", "withdrawn_reason", "rules_preview")

    def write(self, request, data):
        # The enrolment shows what the rules would decide (§3.3), so nobody trains expecting a
        # subsidy they cannot get.
        return enrolment_create(actor=request.user, preview=enrolment_preview, **data)


class ManualAttendanceForm(ScopedForm):
    """The back office only enters attendance by hand; devices report through the action directly."""

    enrolment = forms.ModelChoiceField(Enrolment.objects, label=_("enrolment"))
    session = forms.ModelChoiceField(ClassSession.objects, label=_("class session"))
    check_in = DATETIME(label=_("check-in"))
    check_out = DATETIME(label=_("check-out"))
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 2}))


@admin.register(Attendance)
class AttendanceAdmin(ActionAdmin):
    add_form = ManualAttendanceForm
    list_display = ("enrolment", "session", "check_in", "check_out", "method", "operator")
    list_filter = ("method",)
    list_select_related = ("enrolment__class_plan", "enrolment__person", "session", "operator")
    search_fields = ("enrolment__person__name", "enrolment__class_plan__code")
    fields = ("enrolment", "session", "check_in", "check_out", "method", "operator", "reason", "recorded_at")

    def write(self, request, data):
        return attendance_record(actor=request.user, method=Attendance.Method.MANUAL, **data)


class AssessmentForm(ScopedForm):
    enrolment = forms.ModelChoiceField(Enrolment.objects, label=_("enrolment"))
    result = forms.ChoiceField(label=_("result"), choices=Assessment.Result.choices)
    assessed_on = forms.DateField(label=_("assessed on"))
    note = forms.CharField(label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


@admin.register(Assessment)
class AssessmentAdmin(ActionAdmin):
    add_form = AssessmentForm
    list_display = ("enrolment", "result", "assessed_on")
    list_filter = ("result",)
    list_select_related = ("enrolment__class_plan", "enrolment__person")
    search_fields = ("enrolment__person__name", "enrolment__class_plan__code")
    fields = ("enrolment", "result", "assessed_on", "note", "recorded_at")

    def write(self, request, data):
        return assessment_record(actor=request.user, **data)


class CertificateForm(ScopedForm):
    person = forms.ModelChoiceField(Person.objects, label=_("person"))
    enrolment = forms.ModelChoiceField(Enrolment.objects, label=_("enrolment"), required=False)
    kind = forms.ChoiceField(label=_("certificate kind"), choices=CertificateKind.choices)
    number = forms.CharField(label=_("certificate number"), max_length=60)
    occupation = forms.ModelChoiceField(Occupation.objects, label=_("occupation"), required=False)
    level = forms.TypedChoiceField(
        label=_("skill level"), choices=[("", "—"), *SkillLevel.choices], coerce=int, empty_value=None, required=False
    )
    issue_date = forms.DateField(label=_("issue date"))
    issuing_body = forms.CharField(label=_("issuing body"), max_length=120)


@admin.register(Certificate)
class CertificateAdmin(ActionAdmin):
    add_form = CertificateForm
    list_display = ("number", "person", "kind", "occupation", "level", "issue_date", "issuing_body")
    list_filter = ("kind", "level")
    list_select_related = ("person", "occupation")
    search_fields = ("number", "person__name")
    fields = ("number", "person", "enrolment", "kind", "occupation", "level", "issue_date", "issuing_body")

    def write(self, request, data):
        return certificate_record(actor=request.user, **data)


# ---- 以工代训 (§3.3.g) ----------------------------------------------------------------------------


class EmploymentForm(ScopedForm):
    employer = forms.ModelChoiceField(Organization.objects, label=_("employer"))
    person = forms.ModelChoiceField(Person.objects, label=_("person"))
    start_date = forms.DateField(label=_("start date"))
    end_date = forms.DateField(label=_("end date"), required=False)


@admin.register(Employment)
class EmploymentAdmin(ActionAdmin):
    add_form = EmploymentForm
    list_display = ("employer", "person", "start_date", "end_date")
    list_select_related = ("employer", "person")
    search_fields = ("person__name", "employer__name")
    fields = ("employer", "person", "start_date", "end_date")

    def write(self, request, data):
        return employment_create(actor=request.user, **data)


class WorkTrainingMonthForm(ScopedForm):
    employment = forms.ModelChoiceField(Employment.objects, label=_("employment"))
    month = forms.DateField(label=_("month"), help_text=_("The first day of the month"))
    hours = forms.DecimalField(label=_("training hours"), max_digits=5, decimal_places=1)
    content = forms.CharField(label=_("training content"), widget=forms.Textarea(attrs={"rows": 2}))


@admin.register(WorkTrainingMonth)
class WorkTrainingMonthAdmin(ActionAdmin):
    add_form = WorkTrainingMonthForm
    list_display = ("employment", "month", "hours", "recorded_by")
    list_select_related = ("employment__employer", "employment__person", "recorded_by")
    fields = ("employment", "month", "hours", "content", "recorded_by", "recorded_at")

    def write(self, request, data):
        return work_training_month_record(actor=request.user, **data)
