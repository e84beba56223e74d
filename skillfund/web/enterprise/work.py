"""以工代训 (§3.3.g) for an employer: its employments of people on its roster, the monthly records
of their on-the-job training, and the claim for the months not claimed yet (at most the
parameter's months are subsidized; the rules decide). Writes: `training.actions.work`
(`employment_create`, `work_training_month_record`) and `claims.applying.work_claim`, which check
role, scope and state themselves; another employer's employment in a URL is a 404."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from skillfund.accounts import scoping
from skillfund.catalog.models import CatalogItem
from skillfund.claims import applying
from skillfund.claims.models import Claim
from skillfund.core.errors import DomainError
from skillfund.policy.parameters import ParameterNotInForce, default_parameters
from skillfund.training.actions.work import employment_create, work_training_month_record
from skillfund.training.models import Employment
from skillfund.web.institution.claims import PER_PAGE, ns, operator, say

AUDIENCE = "enterprise"


def show_refusal(form: forms.Form, exc: DomainError) -> None:
    """A refusal at the field it names (training.actions' RecordError), else above the form."""
    field = getattr(exc, "field", None)
    form.add_error(field if field in form.fields else None, say(exc))


# ---- employments ---------------------------------------------------------------------------------


class PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} {obj.id_masked}"


class EmploymentForm(forms.Form):
    person = PersonChoice(
        label=_("Employee (from your real-name roster)"),
        queryset=None,
        error_messages={"invalid_choice": _("Choose a person on your roster.")},
    )
    start_date = forms.DateField(label=_("Employed since"), widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(
        label=_("Employed until"),
        required=False,
        help_text=_("Empty: still employed"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = scoping.persons_visible_to(user).order_by("name", "pk")


def employments(user: Any) -> QuerySet[Employment]:
    claimed = Q(claims__kind=Claim.Kind.WORK_BASED) & ~Q(claims__status=Claim.Status.REFUSED)
    return (
        scoping.employments_visible_to(user)
        .select_related("person", "employer")
        .annotate(
            months_recorded=Count("training_months", distinct=True),
            claims_made=Count("claims", filter=claimed, distinct=True),
        )
        .order_by("-start_date", "-pk")
    )


def max_months(on: date) -> int | None:
    try:
        return int(default_parameters()["work_training_max_months"].at(on).value)
    except (ParameterNotInForce, KeyError):
        return None


@login_required
def employment_list(request: HttpRequest) -> HttpResponse:
    user = operator(request, AUDIENCE)
    form = EmploymentForm(request.POST if request.method == "POST" else None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            employment = employment_create(
                employer=user.organization,
                person=form.cleaned_data["person"],
                start_date=form.cleaned_data["start_date"],
                end_date=form.cleaned_data["end_date"],
                actor=user,
            )
        except DomainError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Employment recorded. Record its training months below."))
            return redirect(f"{ns(request)}:employment", pk=employment.pk)
    rows = employments(user)
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "total": page.paginator.count,
        "max_months": max_months(timezone.localdate()),
        "detail": f"{ns(request)}:employment",
        "claims_url": reverse(f"{ns(request)}:claims"),
        "roster_url": reverse("web:roster_import"),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "web/enterprise/employment_list.html", context, status=status)


# ---- one employment: months and the claim --------------------------------------------------------


class MonthField(forms.Field):
    """A month as YYYY-MM (the browser's month picker), cleaned to its first day."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "2020-03", "pattern": r"\d{4}-\d{2}"})

    def to_python(self, value: Any) -> date | None:
        if not value or not str(value).strip():
            return None
        year, _dash, month = str(value).strip().partition("-")
        try:
            if not (len(year) == 4 and year.isdigit() and month.isdigit()):
                raise ValueError(value)
            return date(int(year), int(month), 1)
        except ValueError:
            raise forms.ValidationError(_("Enter a month as YYYY-MM, e.g. 2020-03."), code="invalid") from None


class MonthForm(forms.Form):
    month = MonthField(label=_("Month"))
    hours = forms.DecimalField(
        label=_("Training hours that month"),
        max_digits=5,
        decimal_places=1,
        min_value=Decimal("0.5"),
        max_value=Decimal("744"),
    )
    content = forms.CharField(label=_("What was trained"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ClaimForm(forms.Form):
    catalog_item = forms.ModelChoiceField(
        label=_("Occupation trained for (catalog item)"),
        queryset=CatalogItem.objects.none(),
        error_messages={"invalid_choice": _("Choose an item of the catalog.")},
    )

    def __init__(self, *args: Any, year: int | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["catalog_item"].queryset = catalog_in_force(year).order_by("title", "code")


def catalog_in_force(year: int | None) -> QuerySet[CatalogItem]:
    """The catalog of the claim's year, or of the latest year before it that has one (the catalog
    is published per year, §4.4.c; a 以工代训 claim names the occupation trained for)."""
    if year is None:
        return CatalogItem.objects.none()
    years = CatalogItem.objects.order_by().values_list("year", flat=True).distinct()
    earlier = [y for y in years if y <= year]
    chosen = max(earlier) if earlier else min(years, default=None)
    return CatalogItem.objects.filter(year=chosen) if chosen is not None else CatalogItem.objects.none()


def employment_context(request: HttpRequest, employment: Employment, **forms_: Any) -> dict[str, Any]:
    user = request.user
    today = timezone.localdate()
    claimable = applying.work_months_claimable(employment, today=today)
    year = claimable[-1].year if claimable else None
    applications = (
        scoping.applications_visible_to(user)
        .filter(claims__employment=employment)
        .distinct()
        .order_by("-created_at", "-pk")
    )
    return {
        "employment": employment,
        "months": list(employment.training_months.order_by("month")),
        "claimable": claimable,
        "max_months": max_months(claimable[-1] if claimable else today),
        "applications": list(applications),
        "month_form": forms_.get("month_form") or MonthForm(),
        "claim_form": forms_.get("claim_form") or (ClaimForm(year=year) if claimable else None),
        "month_url": reverse(f"{ns(request)}:employment_month", args=[employment.pk]),
        "claim_url": reverse(f"{ns(request)}:employment_claim", args=[employment.pk]),
        "list_url": reverse(f"{ns(request)}:employments"),
        "application_url": f"{ns(request)}:application",
    }


def scoped_employment(user: Any, pk: int) -> Employment:
    return get_object_or_404(scoping.employments_visible_to(user).select_related("person", "employer"), pk=pk)


@login_required
def employment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = operator(request, AUDIENCE)
    employment = scoped_employment(user, pk)
    return render(request, "web/enterprise/employment_detail.html", employment_context(request, employment))


@require_POST
@login_required
def employment_month(request: HttpRequest, pk: int) -> HttpResponse:
    user = operator(request, AUDIENCE)
    employment = scoped_employment(user, pk)
    form = MonthForm(request.POST)
    if form.is_valid():
        try:
            work_training_month_record(employment=employment, actor=user, **form.cleaned_data)
        except DomainError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Month recorded."))
            return redirect(f"{ns(request)}:employment", pk=employment.pk)
    context = employment_context(request, employment, month_form=form)
    return render(request, "web/enterprise/employment_detail.html", context, status=400)


@require_POST
@login_required
def employment_claim(request: HttpRequest, pk: int) -> HttpResponse:
    """Claim the employment's months not claimed yet: one application, created as a draft."""
    user = operator(request, AUDIENCE)
    employment = scoped_employment(user, pk)
    claimable = applying.work_months_claimable(employment)
    form = ClaimForm(request.POST, year=claimable[-1].year if claimable else None)
    if form.is_valid():
        try:
            application = applying.work_claim(
                employment=employment, catalog_item=form.cleaned_data["catalog_item"], actor=user, submit=False
            )
        except DomainError as exc:
            show_refusal(form, exc)
        else:
            messages.success(
                request,
                _("Created as a draft: %(ref)s. Add materials, then submit.") % {"ref": application.reference},
            )
            return redirect(f"{ns(request)}:application", pk=application.pk)
    context = employment_context(request, employment, claim_form=form)
    return render(request, "web/enterprise/employment_detail.html", context, status=400)
