"""Back office for the special account: read-only, under the same scopes as every other interface.
Money moves only through the actions in `funds/` (ledger.py, payouts.py, recoveries.py). A
department reports its budget on the add page (the form calls `budget_submit`; reporting the same
year again replaces the figures until finance approves), and finance approves budgets with a list
action."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from skillfund.accounts import scoping
from skillfund.accounts.admin_scoping import ReadOnlyInline, ScopedModelAdmin
from skillfund.accounts.models import Role
from skillfund.core.errors import DomainError
from skillfund.funds.budgets import budget_approve, budget_submit
from skillfund.funds.models import Account, DepartmentBudget, FundSource, Posting, Transaction
from skillfund.organizations.models import Organization


def _message(exc: DomainError) -> str:
    return f"{exc.zh} / {exc.en}" + (f" ({exc.clause})" if exc.clause else "")


class ReadOnlyAdmin(ScopedModelAdmin):
    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(FundSource)
class FundSourceAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "kind", "clause", "received")
    list_filter = ("kind",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_received=Sum("accounts__balance"))

    @admin.display(description=_("received (CNY)"), ordering="_received")
    def received(self, obj: FundSource):
        return obj._received or 0


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "kind", "normal", "balance")
    list_filter = ("kind",)
    search_fields = ("code", "name")


class PostingInline(ReadOnlyInline):
    model = Posting
    fields = ("account", "amount")
    readonly_fields = fields


@admin.register(Transaction)
class TransactionAdmin(ReadOnlyAdmin):
    list_display = ("id", "at", "kind", "subject_type", "subject_id", "organization", "department", "memo")
    list_filter = ("kind", "department")
    list_select_related = ("organization", "department")
    search_fields = ("memo", "subject_id", "idempotency_key")
    date_hierarchy = "at"
    inlines = [PostingInline]


@admin.register(Posting)
class PostingAdmin(ReadOnlyAdmin):
    list_display = ("transaction", "account", "amount")
    list_select_related = ("transaction", "account")
    list_filter = ("account__kind",)
    search_fields = ("account__code",)


class BudgetForm(forms.Form):
    department = forms.ModelChoiceField(Organization.objects, label=_("department"))
    # The years the department's programme sets §4.2.b deadlines for are checked by budget_submit.
    year = forms.IntegerField(label=_("year"), min_value=1949, max_value=2100)
    # The column's own range (the database's integer limits), so no number overflows it on save.
    planned_trainees = forms.IntegerField(
        label=_("planned trainees (person-times)"),
        min_value=0,
        validators=DepartmentBudget._meta.get_field("planned_trainees").validators,
    )
    amount = forms.DecimalField(label=_("subsidy budget (CNY)"), max_digits=14, decimal_places=2, min_value=0)

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        departments = scoping.visible(Organization, user).filter(kind=Organization.Kind.GOVERNMENT)
        self.fields["department"].queryset = departments


@admin.register(DepartmentBudget)
class DepartmentBudgetAdmin(ScopedModelAdmin):
    audited_by_action = True
    list_display = ("department", "year", "planned_trainees", "amount", "submitted_at", "deadline", "late", "status")
    list_filter = ("year", "late", "status")
    list_select_related = ("department",)
    actions = ("approve_budgets",)
    fields = (
        "department",
        "year",
        "planned_trainees",
        "amount",
        "first_submitted_at",
        "submitted_at",
        "deadline",
        "late",
        "status",
        "approved_by",
        "approved_at",
    )
    readonly_fields = fields

    def has_delete_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        no_save = {"show_save": False, "show_save_and_continue": False, "show_save_and_add_another": False}
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **no_save})

    def save_model(self, request, obj, form, change):
        """Every field is read-only here; budgets change through `budget_submit`."""

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = BudgetForm(request.POST or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            try:
                budget = budget_submit(actor=request.user, **form.cleaned_data)
            except DomainError as exc:
                form.add_error(None, _message(exc))
            else:
                self.message_user(request, _("Saved."), messages.SUCCESS)
                return redirect(reverse("admin:funds_departmentbudget_change", args=[budget.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Add %(name)s") % {"name": self.opts.verbose_name},
            "form": form,
            "note": _("Reporting the same year again replaces the figures until finance approves (§4.2.b)."),
        }
        return TemplateResponse(request, "training/admin/action_form.html", context)

    def get_actions(self, request):
        found = super().get_actions(request)
        if scoping.role_of(request.user) != Role.FINANCE_OFFICER:
            found.pop("approve_budgets", None)
        return found

    @admin.action(description=_("Approve the selected budgets"))
    def approve_budgets(self, request, queryset):
        for budget in queryset:
            try:
                budget_approve(budget=budget, actor=request.user)
            except DomainError as exc:
                self.message_user(request, f"{budget}: {_message(exc)}", messages.ERROR)
