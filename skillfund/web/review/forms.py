"""Forms of the review pages: they parse and say what is wrong at the field; the actions decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from skillfund.claims.models import Application
from skillfund.claims.workflow import Status
from skillfund.organizations.models import Organization

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
REASON_MAX = 2000


class QueueFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    department = forms.ModelChoiceField(
        label=_("Department"), required=False, queryset=Organization.objects.none(), empty_label=_("any department")
    )
    district = forms.ChoiceField(label=_("Banner / district"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    since = forms.DateField(label=_("Waiting since, from"), required=False, widget=DATE)
    until = forms.DateField(label=_("Waiting since, to"), required=False, widget=DATE)

    def __init__(
        self, *args: Any, departments: Any, districts: list[tuple[str, str]], with_status: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("any kind")), *Application.Kind.choices]
        self.fields["department"].queryset = departments
        self.fields["district"].choices = [("", _("any banner or district")), *districts]
        self.fields["status"].choices = [("", _("any status")), *Status.choices]
        if not with_status:
            del self.fields["status"]
        if departments.count() <= 1:
            del self.fields["department"]  # a department sees only its own

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end date is before the start date."))
        return data

    def valid_filters(self) -> dict[str, Any]:
        """The fields that parsed: a wrong value is shown at its field and filters nothing."""
        self.is_valid()
        return {
            k: v for k, v in getattr(self, "cleaned_data", {}).items() if v not in (None, "") and k not in self.errors
        }


class PlanFilterForm(forms.Form):
    district = forms.ChoiceField(label=_("Banner / district"), required=False)
    since = forms.DateField(label=_("Class starts, from"), required=False, widget=DATE)
    until = forms.DateField(label=_("Class starts, to"), required=False, widget=DATE)

    def __init__(self, *args: Any, districts: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["district"].choices = [("", _("any banner or district")), *districts]

    def valid_filters(self) -> dict[str, Any]:
        self.is_valid()
        return {
            k: v for k, v in getattr(self, "cleaned_data", {}).items() if v not in (None, "") and k not in self.errors
        }


class StepForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=REASON_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, reason_required: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["reason"]
        field.required = reason_required
        field.error_messages["required"] = _("Say why: the applicant reads the reason.")
        if reason_required:
            field.label = _("Reason (required: the applicant reads it)")


class BulkForm(forms.Form):
    reason = forms.CharField(
        label=_("Note"), required=False, max_length=REASON_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )


def chosen_ids(values: list[str], limit: int) -> list[int]:
    """The application ids ticked in a queue: digits only (anything else is ignored), at most `limit`."""
    ids = sorted({int(v) for v in values if v.isascii() and v.isdigit() and len(v) < 19})
    return ids[:limit]


class PublishForm(forms.Form):
    title = forms.CharField(label=_("Notice title"), max_length=200)
    contact = forms.CharField(
        label=_("How to object"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Telephone, address or office that takes objections during the notice"),
    )


class PlanDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("approve the class plan")), ("return", _("return it to the institution"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason (required to return, or to approve a plan whose class has started)"),
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("decision") == "return" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Say why the plan is returned: the institution reads it."))
        return data


class ObjectionDecideForm(forms.Form):
    upheld = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("1", _("upheld: back to the department to verify again")), ("0", _("dismissed: the review goes on"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    department_opinion = forms.CharField(
        label=_("The department's opinion"), max_length=REASON_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )
    reason = forms.CharField(
        label=_("Reasons (public, shown under the receipt number)"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AuditFilterForm(forms.Form):
    action = forms.CharField(label=_("Action"), required=False, max_length=80)
    actor = forms.CharField(label=_("User"), required=False, max_length=150)
    target = forms.CharField(label=_("Record"), required=False, max_length=200, help_text=_("e.g. person#12"))
    since = forms.DateField(label=_("From"), required=False, widget=DATE)
    until = forms.DateField(label=_("To"), required=False, widget=DATE)

    def valid_filters(self) -> dict[str, Any]:
        self.is_valid()
        return {
            k: v for k, v in getattr(self, "cleaned_data", {}).items() if v not in (None, "") and k not in self.errors
        }
