"""Back office for organizations. Credit codes are checked by the model's validator (GB 32100);
a status change (active, suspended, exited: §3.2.3) goes through `organization_set_status`
with a reason, never through the edit form."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from skillfund.accounts.admin_scoping import ScopedModelAdmin
from skillfund.core.errors import DomainError
from skillfund.organizations.actions import organization_set_status
from skillfund.organizations.models import Organization


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("status"), choices=Organization.Status.choices)
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 3}))


@admin.register(Organization)
class OrganizationAdmin(ScopedModelAdmin):
    change_form_template = "web/admin/organization_change_form.html"
    list_display = ("name", "kind", "credit_code", "unit_code", "region", "industry", "status")
    list_filter = ("kind", "status", "ownership", "industry", "insured")
    search_fields = ("name", "name_en", "credit_code", "unit_code")
    readonly_fields = ("status", "status_reason", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("kind", "name", "name_en", "credit_code", "unit_code", "region")}),
        (_("Details"), {"fields": ("ownership", "industry", "insured", "contact_phone", "address")}),
        (_("Status (§3.2.3)"), {"fields": ("status", "status_reason", "created_at", "updated_at")}),
    )

    def get_urls(self):
        status = path(
            "<path:object_id>/status/",
            self.admin_site.admin_view(self.status_view),
            name="organizations_organization_status",
        )
        return [status, *super().get_urls()]

    def status_view(self, request, object_id):
        organization = self.get_object(request, unquote(object_id))
        if not self.has_change_permission(request, organization):
            raise PermissionDenied
        form = StatusForm(request.POST or None, initial={"status": organization.status})
        if request.method == "POST" and form.is_valid():
            try:
                organization_set_status(
                    organization=organization,
                    actor=request.user,
                    status=form.cleaned_data["status"],
                    reason=form.cleaned_data["reason"],
                )
            except DomainError as exc:
                form.add_error(None, f"{exc.zh} / {exc.en}")
            else:
                messages.success(request, _("Status changed."))
                return redirect(reverse("admin:organizations_organization_change", args=[organization.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": organization,
            "title": _("Change status"),
            "form": form,
        }
        return TemplateResponse(request, "web/admin/organization_status.html", context)
