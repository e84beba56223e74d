"""Back office for the real-name registry (§4.4.d).

ID numbers are masked everywhere here (first 6 and last 4): lists never decrypt, a search by a
full number goes through the blind index, and a full number is shown only on the reveal page,
to a role allowed it, with a reason that is audit-logged (PIPL Art. 28).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin import RelatedOnlyFieldListFilter
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from skillfund.accounts.admin_scoping import ReadOnlyInline, ScopedModelAdmin
from skillfund.core.errors import DomainError
from skillfund.registry import idnumbers
from skillfund.registry.actions import PERSON_FIELDS, PersonData, person_register, person_reveal_id, person_status_add
from skillfund.registry.models import Person, PersonStatus, RosterEntry, RosterImport
from skillfund.registry.selectors import person_by_id_number

_ID_CHARS = set("0123456789X")


def _looks_like_id_number(term: str) -> bool:
    term = term.strip().upper()
    return len(term) == 18 and set(term) <= _ID_CHARS


def _copy_saved(target, saved) -> None:
    """Let the admin log and redirect to the record the action saved."""
    for field in saved._meta.concrete_fields:
        setattr(target, field.attname, getattr(saved, field.attname))
    target._state.adding = False


class PersonForm(forms.ModelForm):
    id_number = forms.CharField(
        label=_("citizen ID number"),
        max_length=18,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    class Meta:
        model = Person
        fields = PERSON_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:  # the number of a registered person is never edited or sent back
            del self.fields["id_number"]

    def clean_id_number(self) -> str:
        try:
            return idnumbers.parse(self.cleaned_data["id_number"]).number
        except idnumbers.InvalidIdNumber as exc:
            raise forms.ValidationError(f"{exc.zh} / {exc.en}") from None


class StatusInline(ReadOnlyInline):
    model = PersonStatus
    fk_name = "person"
    fields = ("kind", "valid_from", "valid_to", "source_org", "source_document")
    readonly_fields = fields
    verbose_name_plural = _("statuses (only those your organization may see)")


class RosterInline(ReadOnlyInline):
    model = RosterEntry
    fields = ("organization", "created_at")
    readonly_fields = fields
    show_change_link = False


class RevealForm(forms.Form):
    reason = forms.CharField(
        label=_("reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why you need the full number; recorded in the audit log with your name and the time."),
    )


@admin.register(Person)
class PersonAdmin(ScopedModelAdmin):
    audited_by_action = True
    form = PersonForm
    change_form_template = "web/admin/person_change_form.html"
    list_display = ("name", "id_masked", "sex", "birth_date", "hukou_region", "residence_region", "receives_pension")
    list_filter = ("sex", "hukou_rural", "receives_pension")
    search_fields = ("name",)
    search_help_text = _("Name, or a full 18-character ID number (matched through the blind index)")
    inlines = (StatusInline, RosterInline)

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else ()

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("id_number", *PERSON_FIELDS)
        return ("id_masked", "sex", "birth_date", *PERSON_FIELDS)

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else ("id_masked", "sex", "birth_date")

    def get_search_results(self, request, queryset, search_term):
        if _looks_like_id_number(search_term):
            person = person_by_id_number(search_term)
            return (queryset.filter(pk=person.pk) if person else queryset.none()), False
        return super().get_search_results(request, queryset, search_term)

    def save_model(self, request, obj, form, change):
        user = request.user
        number = idnumbers.decrypt(obj.id_cipher) if change else form.cleaned_data["id_number"]
        data = PersonData(id_number=number, **{f: form.cleaned_data[f] for f in PERSON_FIELDS})
        # An organization registering someone puts them on its own roster (its scope).
        organization = user.organization if (not change and user.organization_scoped) else None
        person, _created = person_register(actor=user, data=data, organization=organization)
        _copy_saved(obj, person)

    # ---- the audited reveal ----------------------------------------------------------------------

    def get_urls(self):
        reveal = path(
            "<path:object_id>/reveal/",
            self.admin_site.admin_view(self.reveal_view),
            name="registry_person_reveal",
        )
        return [reveal, *super().get_urls()]

    def render_change_form(self, request, context, *args, **kwargs):
        context["may_reveal"] = getattr(request.user, "may_reveal_id_numbers", False)
        return super().render_change_form(request, context, *args, **kwargs)

    def reveal_view(self, request, object_id):
        person = self.get_object(request, unquote(object_id))  # 404 outside the user's scope
        if not (self.has_view_permission(request, person) and request.user.may_reveal_id_numbers):
            raise PermissionDenied
        form = RevealForm(request.POST or None)
        number = None
        if request.method == "POST" and form.is_valid():
            try:
                number = person_reveal_id(person=person, actor=request.user, reason=form.cleaned_data["reason"])
            except DomainError as exc:
                form.add_error("reason", f"{exc.zh} / {exc.en}")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": person,
            "title": _("Reveal full ID number"),
            "form": form,
            "number": number,
            "change_url": reverse("admin:registry_person_change", args=[person.pk]),
        }
        response = TemplateResponse(request, "web/admin/person_reveal.html", context)
        response["Cache-Control"] = "no-store"
        return response


class PersonStatusForm(forms.ModelForm):
    class Meta:
        model = PersonStatus
        fields = ("person", "kind", "valid_from", "valid_to", "source_org", "source_document")


@admin.register(PersonStatus)
class PersonStatusAdmin(ScopedModelAdmin):
    audited_by_action = True
    form = PersonStatusForm
    list_display = ("person", "kind", "valid_from", "valid_to", "source_org", "source_document")
    list_filter = ("kind", ("source_org", RelatedOnlyFieldListFilter))
    list_select_related = ("person", "source_org")
    search_fields = ("person__name",)
    autocomplete_fields = ("person",)
    date_hierarchy = "valid_from"

    def get_fields(self, request, obj=None):
        fields = ["person", "kind", "valid_from", "valid_to", "source_org", "source_document"]
        if request.user.organization_scoped:  # a department asserts statuses in its own name
            fields.remove("source_org")
        return fields

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.get_fields(request, obj)

    def save_model(self, request, obj, form, change):
        user = request.user
        data = form.cleaned_data
        status = person_status_add(
            actor=user,
            person=data["person"],
            kind=data["kind"],
            valid_from=data["valid_from"],
            valid_to=data.get("valid_to"),
            source_org=user.organization if user.organization_scoped else data.get("source_org"),
            source_document=data.get("source_document", ""),
        )
        _copy_saved(obj, status)


@admin.register(RosterEntry)
class RosterEntryAdmin(ScopedModelAdmin):
    list_display = ("person", "organization", "created_at")
    list_filter = (("organization", RelatedOnlyFieldListFilter),)
    list_select_related = ("person", "organization")
    search_fields = ("person__name", "organization__name")
    fields = ("person", "organization", "created_at")
    readonly_fields = fields


@admin.register(RosterImport)
class RosterImportAdmin(ScopedModelAdmin):
    list_display = (
        "created_at",
        "file_name",
        "organization",
        "actor",
        "rows",
        "persons_created",
        "persons_updated",
        "statuses_created",
    )
    list_filter = (("organization", RelatedOnlyFieldListFilter),)
    list_select_related = ("organization", "actor")
    search_fields = ("file_name",)
    date_hierarchy = "created_at"
    readonly_fields = (
        "file_name",
        "organization",
        "actor",
        "sha256",
        "rows",
        "persons_created",
        "persons_updated",
        "statuses_created",
        "created_at",
    )
    fields = readonly_fields
