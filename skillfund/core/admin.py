"""The audit log in the back office: read-only for the auditor, HR and the system administrator,
with filters and a CSV export for special audits (§4.3.a). Nothing here writes to the log except
the export's own record; `skillfund audit_verify` checks the keyed chain."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from skillfund.accounts.actions import audit_log_export
from skillfund.accounts.admin_scoping import ScopedModelAdmin
from skillfund.core.models import AuditRecord


@admin.register(AuditRecord)
class AuditRecordAdmin(ScopedModelAdmin):
    list_display = ("seq", "at", "actor_username", "actor_role", "action", "target_type", "target_label", "reason")
    list_filter = ("actor_role", "target_type", "action")
    search_fields = ("actor_username", "action", "target_id", "target_label", "reason")
    date_hierarchy = "at"
    actions = ("export_csv",)
    fields = (
        "seq",
        "at",
        "actor",
        "actor_username",
        "actor_role",
        "action",
        "target_type",
        "target_id",
        "target_label",
        "before",
        "after",
        "reason",
        "prev_hash",
        "hash",
    )
    readonly_fields = fields
    show_full_result_count = False

    @admin.action(description=_("Export selected records as CSV"), permissions=("view",))
    def export_csv(self, request, queryset):
        body = audit_log_export(actor=request.user, records=queryset)
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
        name = f"audit-{timezone.localtime():%Y%m%d-%H%M%S}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
