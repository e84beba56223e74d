"""Back office for public notices: read-only (notices are written by `notice_publish`, objections by
`objection_file`), scoped like every other model (HR and the auditor: all; a department: its own);
objections are decided on their decide page, which calls `objection_decide`."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from skillfund.accounts.admin_scoping import ScopedModelAdmin
from skillfund.core.errors import DomainError
from skillfund.notices import selectors
from skillfund.notices.actions import objection_decide
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
        "calendar_warning",
        "contact",
        "status",
    )
    readonly_fields = fields

    @admin.display(description=_("working-day calendar"))
    def calendar_warning(self, obj: Notice) -> str:
        english = (get_language() or "").startswith("en")
        return "；".join(en if english else zh for zh, en in obj.calendar_warnings) or "—"

    @admin.display(description=_("status"))
    def status(self, obj: Notice) -> str:
        return pgettext_lazy("notice", "open") if selectors.notice_is_open(obj) else pgettext_lazy("notice", "closed")


@admin.register(NoticeEntry)
class NoticeEntryAdmin(ReadOnlyAdmin):
    list_display = ("notice", "number", "masked_name", "masked_id", "training", "amount", "department", "application")
    list_filter = ("notice",)
    list_select_related = ("notice", "application")
    search_fields = ("notice__reference", "application__reference", "masked_name")


class OutcomeFilter(admin.SimpleListFilter):
    title = _("outcome")
    parameter_name = "outcome"

    def lookups(self, request, model_admin):
        return [("undecided", _("awaiting a decision")), ("upheld", _("upheld")), ("dismissed", _("dismissed"))]

    def queryset(self, request, queryset):
        if self.value() == "undecided":
            return queryset.filter(group__isnull=False, group__decision__isnull=True)
        if self.value() in ("upheld", "dismissed"):
            return queryset.filter(group__decision__upheld=self.value() == "upheld")
        return queryset


class DecideForm(forms.Form):
    upheld = forms.TypedChoiceField(
        label=_("decision"),
        choices=[("1", _("upheld: back to the department to verify again")), ("0", _("dismissed: the review goes on"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    department_opinion = forms.CharField(
        label=_("the department's opinion"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    reason = forms.CharField(
        label=_("reasons (public, shown under the receipt number)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


@admin.register(Objection)
class ObjectionAdmin(ReadOnlyAdmin):
    """Objections to decide: the list filters by outcome (awaiting a decision among them); the decide page records
    the HR bureau's decision with the department's opinion (`objection_decide` holds every rule)."""

    audited_by_action = True
    list_display = (
        "receipt",
        "filed_at",
        "notice",
        "entry",
        "application",
        "outcome",
        "group_size",
        "decide_link",
        "text",
    )
    list_filter = (OutcomeFilter,)
    list_select_related = ("notice", "entry", "application", "group__decision")
    search_fields = ("receipt", "notice__reference", "application__reference")
    date_hierarchy = "filed_at"

    readonly_fields = ("receipt", "notice", "entry", "application", "text", "contact", "filed_at", "outcome")
    fields = readonly_fields

    def get_queryset(self, request):
        # One count per page, not one query per row (the group column).
        return super().get_queryset(request).annotate(group_size=Count("group__objections"))

    @admin.display(description=_("outcome"))
    def outcome(self, obj: Objection) -> str:
        return selectors.objection_outcome_label(obj)

    @admin.display(description=_("decide"))
    def decide_link(self, obj: Objection) -> str:
        if not obj.group_id or hasattr(obj.group, "decision"):
            return "–"
        return format_html("<a href='{}'>{}</a>", reverse("admin:notices_objection_decide", args=[obj.pk]), _("decide"))

    @admin.display(description=_("objections in the group"))
    def group_size(self, obj: Objection) -> int:
        return obj.group_size if obj.group_id else 1

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/decide/", view(self.decide_view), name="notices_objection_decide"),
            *super().get_urls(),
        ]

    def decide_view(self, request, object_id):
        objection = self.get_object(request, unquote(object_id))  # 404 outside the user's scope
        if objection is None:
            raise Http404
        form = DecideForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                objection_decide(objection=objection, actor=request.user, **form.cleaned_data)
            except DomainError as exc:
                form.add_error(None, f"{exc.zh} / {exc.en}")
            else:
                self.message_user(request, f"{objection.receipt}: {_('decided')}", messages.SUCCESS)
                return redirect(reverse("admin:notices_objection_changelist") + "?outcome=undecided")
        group = list(objection.group.objections.order_by("filed_at")) if objection.group_id else [objection]
        note = "；".join(f"{o.receipt}（{timezone.localtime(o.filed_at):%Y-%m-%d %H:%M}）{o.text[:200]}" for o in group)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": objection,
            "title": _("Decide the objection (with the department)"),
            "form": form,
            "note": note,
        }
        return TemplateResponse(request, "training/admin/action_form.html", context, status=400 if form.errors else 200)
