"""Back office for claims and decisions: read-only here (claims are written by the batch command and
the review chain), with every decision's checks rendered as plain messages citing their clauses."""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html, format_html_join
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from skillfund.accounts.admin_scoping import ReadOnlyInline, ScopedModelAdmin
from skillfund.claims.decisions import decision_lines
from skillfund.claims.models import Claim, Decision, Grant, QuotaTally

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
    list_display = ("person", "subject", "level_key", "year", "amount", "granted_at")
    list_filter = ("year", "kind")
    list_select_related = ("person",)


@admin.register(QuotaTally)
class QuotaTallyAdmin(ReadOnlyAdmin):
    list_display = ("person", "year", "used", "cap")
    list_filter = ("year",)
    list_select_related = ("person",)
