"""Back office for materials: a read-only, scoped list of uploaded proofs and an upload page whose
form hands the file to `materials.actions.material_upload` (a refusal is shown on the form and
nothing is written). A stored material is never edited or deleted here."""

from __future__ import annotations

from typing import Any

from django import forms
from django.apps import apps
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from skillfund.accounts import permissions, scoping
from skillfund.accounts.admin_scoping import ScopedModelAdmin
from skillfund.core.errors import DomainError
from skillfund.materials.actions import material_upload
from skillfund.materials.models import Material

# The records the upload page offers; the action itself accepts any record that has a selector.
LINKABLE = (
    "training.classplan",
    "training.enrolment",
    "training.attendance",
    "training.assessment",
    "training.certificate",
    "training.employment",
    "training.worktrainingmonth",
    "claims.claim",
)


class UploadForm(forms.Form):
    linked_type = forms.ChoiceField(label=_("linked record type"))
    # The column's own range (the database's integer limits), so no id overflows it.
    linked_id = forms.IntegerField(
        label=_("linked record id"), min_value=1, validators=Material._meta.get_field("linked_id").validators
    )
    kind = forms.ChoiceField(label=_("material kind"), choices=Material.Kind.choices)
    file = forms.FileField(label=_("file"), help_text=_("PDF, JPEG or PNG; the type is checked by content."))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["linked_type"].choices = [
            (label, apps.get_model(label)._meta.verbose_name)
            for label in LINKABLE
            if permissions.allowed(user, label, "view")
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        label, pk = data.get("linked_type"), data.get("linked_id")
        if label and pk:
            record = scoping.visible(apps.get_model(label), self.user).filter(pk=pk).first()
            if record is None:
                self.add_error("linked_id", _("No such record among those you can see."))
            data["linked_to"] = record
        return data


@admin.register(Material)
class MaterialAdmin(ScopedModelAdmin):
    audited_by_action = True
    list_display = (
        "original_name",
        "kind",
        "content_type",
        "size_display",
        "sha256_prefix",
        "linked_record",
        "uploaded_by",
        "uploaded_at",
        "withdrawn_at",
        "download",
    )
    list_filter = ("kind", "content_type")
    list_select_related = ("uploaded_by", "linked_type")
    search_fields = ("original_name", "^sha256")
    date_hierarchy = "uploaded_at"
    fields = (
        "original_name",
        "kind",
        "content_type",
        "size",
        "sha256",
        "linked_record",
        "uploaded_by",
        "uploaded_at",
        "withdrawn_at",
        "withdrawn_reason",
        "download",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("linked_to")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("size"))
    def size_display(self, obj: Material) -> str:
        return filesizeformat(obj.size)

    @admin.display(description=_("SHA-256"))
    def sha256_prefix(self, obj: Material) -> str:
        return format_html('<code title="{}">{}…</code>', obj.sha256, obj.sha256[:12])

    @admin.display(description=_("linked record"))
    def linked_record(self, obj: Material) -> str:
        return f"{obj.linked_type.name}: {obj.linked_to}" if obj.linked_to is not None else f"#{obj.linked_id}"

    @admin.display(description=_("download"))
    def download(self, obj: Material) -> str:
        return format_html('<a href="{}">{}</a>', reverse("materials:download", args=[obj.pk]), _("download"))

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            form = UploadForm(request.POST, request.FILES, user=request.user)
        else:
            form = UploadForm(initial=request.GET.dict(), user=request.user)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                obj = material_upload(
                    file=data["file"], linked_to=data["linked_to"], kind=data["kind"], actor=request.user
                )
            except DomainError as exc:
                form.add_error("file", f"{exc.zh} / {exc.en}")
            else:
                self.message_user(request, _("Saved."), messages.SUCCESS)
                return redirect(reverse("admin:materials_material_change", args=[obj.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Upload %(name)s") % {"name": self.opts.verbose_name},
            "form": form,
        }
        return TemplateResponse(request, "materials/admin/upload_form.html", context)
