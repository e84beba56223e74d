"""Forms of the institution's class pages. They parse and bound input; the training actions decide.
Every record choice comes from the user's scope (accounts.scoping)."""

from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from skillfund.accounts import scoping
from skillfund.catalog.models import CatalogItem
from skillfund.core.errors import DomainError
from skillfund.organizations.models import Organization
from skillfund.programme.models import AnnexTask
from skillfund.training.models import Assessment, ClassPlan, Teacher

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
WEEKDAY_CHOICES = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]
# A class's capacity and fee, bounded so no number overflows its column.
MAX_CAPACITY = 10_000
MAX_FEE = Decimal("99999999.99")


def error_text(exc: DomainError) -> str:
    """An action's refusal in the user's language, with its clause."""
    text = exc.en if (get_language() or "").startswith("en") else exc.zh
    return f"{text} ({exc.clause})" if exc.clause else text


def show_error(form: forms.Form, exc: DomainError, *, aliases: dict[str, str] | None = None) -> None:
    """An action's refusal at the field it names (without repeating the record and field names
    the refusal starts with), else above the form."""
    named = getattr(exc, "field", None)
    field = (aliases or {}).get(named, named)
    text = error_text(exc)
    if field in form.fields:
        record = getattr(exc, "record", ("", ""))
        text = text.removeprefix(f"{record[0]}（{named}）：").removeprefix(f"{record[1]}, {named}: ")
    form.add_error(field if field in form.fields else None, text)


class CatalogItemChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: CatalogItem) -> str:
        occupation = f" · {obj.occupation.name} {obj.occupation.code}" if obj.occupation_id else ""
        return f"{obj.year} {obj.title}{occupation} · {obj.min_hours}h"


class AnnexTaskChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: AnnexTask) -> str:
        programme = obj.programme
        return f"{programme.start_year}–{programme.end_year} · {obj.number} {obj.unit} · {obj.training}"


class PlanForm(forms.Form):
    code = forms.CharField(label=_("class code"), max_length=40)
    catalog_item = CatalogItemChoice(CatalogItem.objects.none(), label=_("catalog item"))
    department = forms.ModelChoiceField(Organization.objects.none(), label=_("responsible department"))
    annex_task = AnnexTaskChoice(AnnexTask.objects.none(), label=_("annex task"), required=False)
    funding_mode = forms.ChoiceField(label=_("funding mode"), choices=ClassPlan.FundingMode.choices)
    region = forms.RegexField(
        label=_("region code"),
        regex=r"^\d{6}$",
        error_messages={"invalid": _("Six digits, e.g. 150602")},
    )
    venue = forms.CharField(label=_("venue"), max_length=200)
    start_date = forms.DateField(label=_("start date"), widget=DATE)
    end_date = forms.DateField(label=_("end date"), widget=DATE)
    capacity = forms.IntegerField(label=_("capacity"), min_value=1, max_value=MAX_CAPACITY)
    fee = forms.DecimalField(
        label=_("fee per trainee (CNY)"), required=False, min_value=0, max_value=MAX_FEE, decimal_places=2
    )
    enterprise_order = forms.ModelChoiceField(
        Organization.objects.none(), label=_("ordering enterprise"), required=False
    )
    teachers = forms.ModelMultipleChoiceField(
        Teacher.objects.none(), label=_("teachers"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, user: Any, institution: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # §4.4.c: only the catalog items the institution is approved for.
        self.fields["catalog_item"].queryset = (
            scoping.catalog_items_visible_to(user)
            .filter(approved_institutions=institution)
            .select_related("occupation")
            .order_by("-year", "code")
        )
        # Departments and employers are a public directory; annex tasks are published (the Annex).
        self.fields["department"].queryset = Organization.objects.filter(kind=Organization.Kind.GOVERNMENT).order_by(
            "name"
        )
        self.fields["annex_task"].queryset = (
            scoping.annex_tasks_visible_to(user)
            .select_related("programme", "unit")
            .order_by("-programme__start_year", "programme__code", "number")
        )
        self.fields["enterprise_order"].queryset = Organization.objects.filter(
            kind__in=Organization.EMPLOYERS
        ).order_by("name")
        self.fields["teachers"].queryset = scoping.teachers_visible_to(user).filter(organization=institution)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        task, department = data.get("annex_task"), data.get("department")
        if task is not None and department is not None and task.unit_id != department.pk:
            self.add_error("annex_task", _("This task belongs to another department than the one chosen."))
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The class ends before it starts."))
        return data


class ScheduleForm(forms.Form):
    first_day = forms.DateField(label=_("first day"), widget=DATE)
    weekdays = forms.TypedMultipleChoiceField(
        label=_("weekdays"), choices=WEEKDAY_CHOICES, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    start = forms.TimeField(label=_("starts at"), widget=TIME)
    end = forms.TimeField(label=_("ends at"), widget=TIME)
    hours_per_session = forms.DecimalField(
        label=_("class hours per session"), min_value=Decimal("0.5"), max_value=24, decimal_places=2
    )
    total_hours = forms.DecimalField(label=_("total class hours"), min_value=1, max_value=2000, decimal_places=2)
    topic = forms.CharField(label=_("topic"), max_length=200, required=False)
    skip_holidays = forms.BooleanField(label=_("skip public holidays"), required=False, initial=True)
    replace = forms.BooleanField(label=_("replace the existing sessions"), required=False, initial=True)
    adjust_end = forms.BooleanField(
        label=_("set the class end date to the last session's day"), required=False, initial=True
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end <= start:
            self.add_error("end", _("The session ends after it starts."))
        return data


class SessionForm(forms.Form):
    day = forms.DateField(label=_("date"), widget=DATE)
    start = forms.TimeField(label=_("starts at"), widget=TIME)
    end = forms.TimeField(label=_("ends at"), widget=TIME)
    hours = forms.DecimalField(label=_("class hours"), min_value=Decimal("0.01"), max_value=24, decimal_places=2)
    topic = forms.CharField(label=_("topic"), max_length=200, required=False)
    teacher = forms.ModelChoiceField(Teacher.objects.none(), label=_("teacher"), required=False)

    def __init__(self, *args: Any, user: Any, institution: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["teacher"].queryset = scoping.teachers_visible_to(user).filter(organization=institution)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end <= start:
            self.add_error("end", _("The session ends after it starts."))
        return data

    def times(self) -> tuple[datetime, datetime]:
        tz = timezone.get_current_timezone()
        day = self.cleaned_data["day"]
        return (
            datetime.combine(day, self.cleaned_data["start"], tzinfo=tz),
            datetime.combine(day, self.cleaned_data["end"], tzinfo=tz),
        )


class NoEchoInput(forms.TextInput):
    """A full ID number is typed, never written back into a page (only masks are shown)."""

    def format_value(self, value: Any) -> None:
        return None


class EnrolOneForm(forms.Form):
    """A walk-in trainee: the ID number is posted, never put in a URL."""

    id_number = forms.CharField(
        label=_("ID number"), max_length=18, min_length=15, widget=NoEchoInput(attrs={"autocomplete": "off"})
    )
    name = forms.CharField(label=_("Name"), max_length=60)


class RosterUploadForm(forms.Form):
    file = forms.FileField(label=_("Class roster (.xlsx or .csv)"))


METHOD_CHOICES = [
    ("manual", _("manual entry")),
    ("card", _("card")),
    ("face", _("face recognition")),
    ("fingerprint", _("fingerprint")),
]


class SheetForm(forms.Form):
    """The session's sheet: method and reason; one row per trainee is read from the POST by prefix."""

    method = forms.ChoiceField(label=_("method"), choices=METHOD_CHOICES, initial="manual")
    reason = forms.CharField(
        label=_("reason for a manual entry"),
        max_length=500,
        required=False,
        initial=_("paper sign-in sheet"),
        help_text=_("Required for a manual entry (§4.3.d)"),
    )


def local_time(value: time, on: datetime) -> datetime:
    return datetime.combine(timezone.localdate(on), value, tzinfo=timezone.get_current_timezone())


class AssessmentForm(forms.Form):
    result = forms.ChoiceField(label=_("result"), choices=Assessment.Result.choices)
    assessed_on = forms.DateField(label=_("assessed on"), widget=DATE)
    score = forms.DecimalField(
        label=_("score"),
        required=False,
        decimal_places=1,
        max_digits=4,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    note = forms.CharField(label=_("note"), max_length=500, required=False)


class CertificateForm(forms.Form):
    number = forms.CharField(label=_("certificate number"), max_length=60)
    issue_date = forms.DateField(label=_("issue date"), widget=DATE)
    issuing_body = forms.CharField(label=_("issuing body"), max_length=120)
