"""Back office for public notices: read-only (notices are written by `notice_publish`, objections by
`objection_file`), scoped like every other model (HR and the auditor: all; a department: its own)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from skillfund.accounts.admin_scoping import ScopedModelAdmin
from skillfund.notices import selectors
from skillfund.notices.models import Notice, NoticeEntry, Objection


class ReadOnlyAdmin(ScopedModelAdmin):
    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdmin):
    list_display = ("reference", "title", "published_on", "opens_on", "closes_on", "status", "published_by")
    search_fields = ("reference", "title")
    date_hierarchy = "published_on"
    list_select_related = ("published_by",)
    fields = (
        "reference",
        "title",
        "departments",
        "published_by",
        "published_at",
        "published_on",
        "opens_on",
        "closes_on",
        "working_days",
        "contact",
        "status",
    )
    readonly_fields = fields

    @admin.display(description=_("status"))
    def status(self, obj: Notice) -> str:
        return pgettext_lazy("notice", "open") if selectors.notice_is_open(obj) else pgettext_lazy("notice", "closed")


@admin.register(NoticeEntry)
class NoticeEntryAdmin(ReadOnlyAdmin):
    list_display = ("notice", "number", "masked_name", "masked_id", "training", "amount", "department", "application")
    list_filter = ("notice",)
    list_select_related = ("notice", "application")
    search_fields = ("notice__reference", "application__reference", "masked_name")


@admin.register(Objection)
class ObjectionAdmin(ReadOnlyAdmin):
    list_display = ("filed_at", "notice", "entry", "application", "reopened", "text")
    list_filter = ("reopened",)
    list_select_related = ("notice", "entry", "application")
    search_fields = ("notice__reference", "application__reference")
    date_hierarchy = "filed_at"
