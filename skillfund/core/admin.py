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
from skillfund.core.audit_names import action_label, role_label
from skillfund.core.models import AuditRecord


class _NamedCodeFilter(admin.SimpleListFilter):
    """A filter over a code column whose choices are shown by name."""

    field = ""

    def lookups(self, request, model_admin):
        codes = model_admin.get_queryset(request).order_by().values_list(self.field, flat=True).distinct()
        return sorted(((code, self.name_of(code)) for code in codes if code), key=lambda pair: str(pair[1]))

    def queryset(self, request, queryset):
        return queryset.filter(**{self.field: self.value()}) if self.value() else queryset


class ActionFilter(_NamedCodeFilter):
    title, parameter_name, field = _("action"), "action", "action"

    def name_of(self, code: str) -> str:
        return action_label(code)


class RoleFilter(_NamedCodeFilter):
    title, parameter_name, field = _("actor role"), "actor_role", "actor_role"

    def name_of(self, code: str) -> str:
        return role_label(code)


@admin.register(AuditRecord)
class AuditRecordAdmin(ScopedModelAdmin):
    list_display = ("seq", "at", "actor_username", "role_name", "action_name", "target_type", "target_label", "reason")
    list_filter = (RoleFilter, "target_type", ActionFilter)
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

    @admin.display(description=_("actor role"), ordering="actor_role")
    def role_name(self, record: AuditRecord) -> str:
        return role_label(record.actor_role) if record.actor_role else ""

    @admin.display(description=_("action"), ordering="action")
    def action_name(self, record: AuditRecord) -> str:
        return action_label(record.action)

    @admin.action(description=_("Export selected records as CSV"), permissions=("view",))
    def export_csv(self, request, queryset):
        body = audit_log_export(actor=request.user, records=queryset)
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
        name = f"audit-{timezone.localtime():%Y%m%d-%H%M%S}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
