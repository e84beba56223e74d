"""The back office under the same scopes as every other interface.

`ScopedAdminMixin` makes a ModelAdmin (or inline) read its rows from `accounts.scoping`, decide its
verbs from `accounts.permissions`, scope every related-object choice the same way, answer 404 for
a record outside the user's scope, and write plain reference-data edits through
`accounts.actions.record_save` so each leaves an audit record. Admins whose writes go through a
domain action (persons, statuses, users) set `audited_by_action = True` and call that action.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse

from skillfund.accounts import permissions, scoping
from skillfund.accounts.actions import record_delete, record_save
from skillfund.accounts.models import STAFF_ROLES


class ScopedAdminMixin:
    audited_by_action = False

    @property
    def _label(self) -> str:
        return self.model._meta.label_lower

    # ---- rows ----------------------------------------------------------------------------------

    def get_queryset(self, request: HttpRequest):
        qs = scoping.visible(self.model, request.user)
        ordering = self.get_ordering(request)
        return qs.order_by(*ordering) if ordering else qs

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None):
        # Django redirects to the index for a missing object; out of scope is "not found" here,
        # and says nothing about whether the record exists.
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        # Django allows a filter on any local field from the query string (?birth_date__year=…):
        # filtering by the birth date or the ID's blind index would be an oracle for the masked digits.
        from skillfund.registry.models import ID_DERIVED_FIELDS

        if ID_DERIVED_FIELDS & set(lookup.split("__")):
            return False
        return super().lookup_allowed(lookup, value, request)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        kwargs.setdefault("queryset", scoping.visible(db_field.related_model, request.user))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs.setdefault("queryset", scoping.visible(db_field.related_model, request.user))
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    # ---- verbs ---------------------------------------------------------------------------------

    def has_module_permission(self, request: HttpRequest) -> bool:
        return permissions.any_allowed(request.user, self._label)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return permissions.allowed(request.user, self._label, "view")

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return permissions.allowed(request.user, self._label, "add")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return permissions.allowed(request.user, self._label, "change")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return permissions.allowed(request.user, self._label, "delete")

    # ---- writes --------------------------------------------------------------------------------

    def save_model(self, request, obj, form, change):
        if self.audited_by_action:
            return super().save_model(request, obj, form, change)
        # Saved in save_related, so many-to-many values are written before they are recorded.
        return None

    def save_related(self, request, form, formsets, change):
        if self.audited_by_action:
            return super().save_related(request, form, formsets, change)
        parent_save_related = super().save_related

        def write() -> None:
            form.instance.save()
            parent_save_related(request, form, formsets, change)

        record_save(
            actor=request.user, instance=form.instance, created=not change, changed=form.changed_data, save=write
        )

    def delete_model(self, request, obj):
        record_delete(actor=request.user, instance=obj, reason="back office")

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            record_delete(actor=request.user, instance=obj, reason="back office")


class ScopedModelAdmin(ScopedAdminMixin, admin.ModelAdmin):
    pass


class ReadOnlyInline(ScopedAdminMixin, admin.TabularInline):
    """An inline that shows related records under the parent's scope and never writes them."""

    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# ---- the site itself ---------------------------------------------------------------------------


def admin_login(request: HttpRequest, extra_context: Any = None) -> HttpResponse:
    """The back office has no sign-in of its own: the web sign-in asks for the second factor."""
    return redirect_to_login(request.GET.get("next") or reverse("admin:index"), reverse("web:login"))


def admin_has_permission(request: HttpRequest) -> bool:
    """Any staff role may enter the back office (what it sees there is scoped); with the second
    factor required, only after verifying it (the middleware also enforces this). A worker
    (accounts/workers.py) never does: their pages are /me/."""
    user = request.user
    if scoping.role_of(user) not in STAFF_ROLES:
        return False
    return not settings.SKILLFUND_REQUIRE_2FA or user.is_verified()


def configure_site(site: admin.AdminSite) -> None:
    from django.utils.translation import gettext_lazy as _

    site.site_header = _("SkillFund back office")
    site.site_title = _("SkillFund")
    site.index_title = _("Back-office data management")
    site.index_template = "web/admin/index.html"
    site.login = admin_login
    site.has_permission = admin_has_permission
