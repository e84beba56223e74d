"""Back office for accounts and security records, and the admin site's own configuration.

Roles decide what a user may do, so Django's groups and per-user permissions are not offered;
second-factor devices and login-failure records are re-registered under the same scoping as
everything else (the packages' own admins would show TOTP secrets and ignore roles).
"""

from __future__ import annotations

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django import forms
from django.contrib import admin, messages
from django.contrib.admin import RelatedOnlyFieldListFilter
from django.contrib.admin.helpers import ActionForm
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from skillfund.accounts import permissions
from skillfund.accounts.actions import account_unlock, user_password_changed, user_save
from skillfund.accounts.admin_scoping import ScopedAdminMixin, ScopedModelAdmin, configure_site
from skillfund.accounts.models import User
from skillfund.core.errors import DomainError

configure_site(admin.site)

for model in (Group, TOTPDevice, AccessAttempt, AccessLog, AccessFailureLog):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


@admin.register(User)
class UserAdmin(ScopedAdminMixin, DjangoUserAdmin):
    audited_by_action = True
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email")}),
        (_("Role"), {"fields": ("role", "organization", "is_active")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "usable_password", "password1", "password2", "role", "organization"),
            },
        ),
    )
    readonly_fields = ("last_login", "date_joined")
    # On one's own account these are shown, never edited (the action refuses them too).
    own_readonly_fields = ("role", "organization", "is_active")
    list_display = ("username", "role", "organization", "is_active", "last_login")
    list_filter = ("role", "is_active", ("organization", RelatedOnlyFieldListFilter))
    list_select_related = ("organization",)
    filter_horizontal = ()

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return (*fields, *self.own_readonly_fields) if obj is not None and obj.pk == request.user.pk else fields

    def save_model(self, request, obj, form, change):
        try:
            user_save(actor=request.user, user=obj, created=not change)
        except DomainError as refused:
            raise PermissionDenied(f"{refused.zh} / {refused.en}") from refused

    def user_change_password(self, request, id, form_url=""):
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and response.status_code == 302:
                user_password_changed(actor=request.user, user=self.get_object(request, id))
        return response


class SecurityRecordAdmin(ScopedModelAdmin):
    """Read-only lists; the system administrator may delete a device (its owner enrols again)."""

    def get_readonly_fields(self, request, obj=None):
        return self.fields or ()


@admin.register(TOTPDevice)
class TOTPDeviceAdmin(SecurityRecordAdmin):
    # The secret key is never shown. django-otp's fields have no translated names: the columns do.
    fields = ("device_user", "device_name", "device_confirmed", "created", "last_used", "failures")
    list_display = fields
    list_filter = ("confirmed",)
    search_fields = ("user__username",)
    list_select_related = ("user",)

    @admin.display(description=_("user"), ordering="user__username")
    def device_user(self, device):
        return device.user

    @admin.display(description=_("device name"))
    def device_name(self, device):
        return device.name

    @admin.display(description=_("confirmed"), boolean=True, ordering="confirmed")
    def device_confirmed(self, device):
        return device.confirmed

    @admin.display(description=_("created at"), ordering="created_at")
    def created(self, device):
        return device.created_at

    @admin.display(description=_("last used at"), ordering="last_used_at")
    def last_used(self, device):
        return device.last_used_at

    @admin.display(description=_("failed codes in a row"))
    def failures(self, device):
        return device.throttling_failure_count


class UnlockForm(ActionForm):
    reason = forms.CharField(label=_("Reason (for unlocking)"), required=False, max_length=500)


@admin.register(AccessAttempt)
class AccessAttemptAdmin(SecurityRecordAdmin):
    fields = ("username", "ip_address", "user_agent", "path_info", "failures_since_start", "attempt_time")
    list_display = ("attempt_time", "username", "ip_address", "failures_since_start", "path_info")
    search_fields = ("username", "ip_address")
    date_hierarchy = "attempt_time"
    action_form = UnlockForm
    actions = ["unlock"]

    def has_unlock_permission(self, request) -> bool:
        return permissions.allowed(request.user, "axes.accessattempt", "unlock")

    @admin.action(description=_("Unlock (with the reason above)"), permissions=["unlock"])
    def unlock(self, request, queryset):
        reason = request.POST.get("reason", "")
        try:
            for username, address in queryset.values_list("username", "ip_address").distinct():
                account_unlock(actor=request.user, username=username, ip_address=address, reason=reason)
        except DomainError as refused:
            self.message_user(request, f"{refused.zh} / {refused.en}", messages.ERROR)
            return
        self.message_user(request, _("Unlocked; the unlock is recorded in the audit log."), messages.SUCCESS)


@admin.register(AccessLog)
class AccessLogAdmin(SecurityRecordAdmin):
    fields = ("username", "ip_address", "user_agent", "path_info", "attempt_time", "logout_time")
    list_display = ("attempt_time", "logout_time", "username", "ip_address", "path_info")
    search_fields = ("username", "ip_address")
    date_hierarchy = "attempt_time"


@admin.register(AccessFailureLog)
class AccessFailureLogAdmin(SecurityRecordAdmin):
    fields = ("username", "ip_address", "user_agent", "path_info", "attempt_time", "locked_out")
    list_display = ("attempt_time", "username", "ip_address", "locked_out", "path_info")
    list_filter = ("locked_out",)
    search_fields = ("username", "ip_address")
    date_hierarchy = "attempt_time"
