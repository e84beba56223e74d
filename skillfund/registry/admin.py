"""Back office for the real-name registry (§4.4.d).

ID numbers are masked everywhere here (first 6 and last 4): lists never decrypt, and a full number
is shown only on the reveal page, to a role allowed it, with a reason that is audit-logged (PIPL
Art. 28). The birth date is the mask's missing middle, so only a role that may reveal sees it;
others see the age. A search by a full number is a POST ("find by ID number") that redirects to
the record by pk, so the number never enters a URL or an access log.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin import RelatedOnlyFieldListFilter
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from skillfund.accounts.admin_scoping import ReadOnlyInline, ScopedModelAdmin
from skillfund.catalog.models import Occupation
from skillfund.claims.models import Grant
from skillfund.core.errors import DomainError
from skillfund.registry import assertion, idnumbers
from skillfund.registry.actions import (
    PERSON_FIELDS,
    PersonData,
    change_request_accept,
    change_request_reject,
    declarations_confirm,
    person_edit,
    person_register,
    person_reveal_id,
    person_status_add,
)
from skillfund.registry.models import (
    DeclaredCategory,
    Person,
    PersonChangeRequest,
    PersonStatus,
    RosterEntry,
    RosterImport,
)
from skillfund.registry.selectors import person_by_id_number


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

    link_reason = forms.CharField(
        label=_("reason"),
        max_length=200,
        required=False,
        help_text=_("If this person is already registered, why your organization links them (recorded)."),
    )

    class Meta:
        model = Person
        fields = PERSON_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:  # the number of a registered person is never edited or sent back
            del self.fields["id_number"]
            del self.fields["link_reason"]

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
    fields = ("organization", "linked_existing", "linked_by", "reason", "created_at")
    readonly_fields = fields
    show_change_link = False


class DeclaredInline(ReadOnlyInline):
    """Categories the trainee declared through a roster: shown as declared, not as statuses."""

    model = DeclaredCategory
    fields = ("kind", "valid_from", "valid_to", "declared_by", "declared_on", "status", "checked")
    readonly_fields = fields
    show_change_link = False
    verbose_name_plural = _("declared categories (申报，未经认定单位核实的不计入补贴规则)")


class GrantInline(ReadOnlyInline):
    """既往补贴 / past subsidies: history grants and this platform's own, which §3.3.b counts."""

    model = Grant
    fk_name = "person"
    fields = ("origin", "occupation", "level", "year", "amount", "granting_unit", "source_system")
    readonly_fields = fields
    show_change_link = False
    verbose_name = _("past subsidy")
    verbose_name_plural = _("既往补贴 / past subsidies (§3.3.b: never the same occupation and level twice)")
    ordering = ("-end_date", "-pk")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("claim__department")

    @admin.display(description=_("occupation"))
    def occupation(self, obj: Grant) -> str:
        name = Occupation.objects.filter(code=obj.subject).values_list("name", flat=True).first()
        return f"{obj.subject} {name or ''}".strip()

    @admin.display(description=_("skill level"))
    def level(self, obj: Grant) -> str:
        return str(obj.level_key) if obj.level_key else _("without level")

    @admin.display(description=_("granting unit"))
    def granting_unit(self, obj: Grant) -> str:
        if obj.granting_unit:
            return obj.granting_unit
        department = obj.claim.department if obj.claim else None
        return department.name if department else "—"

    @admin.display(description=_("source system"))
    def source_system(self, obj: Grant) -> str:
        return obj.source_system or "SkillFund"


class FindForm(forms.Form):
    id_number = forms.CharField(
        label=_("citizen ID number"),
        max_length=18,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "autofocus": True}),
    )


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
    change_list_template = "web/admin/person_change_list.html"
    list_filter = ("sex", "hukou_rural", "receives_pension")
    search_fields = ("name",)
    search_help_text = _("Name. To find a person by full ID number, use “Find by ID number”.")
    inlines = (StatusInline, DeclaredInline, GrantInline, RosterInline)

    def get_list_display(self, request):
        born = "birth_date" if request.user.may_reveal_id_numbers else "age"
        return ("name", "id_masked", "sex", born, "hukou_region", "residence_region", "receives_pension")

    @admin.display(description=_("age"))
    def age(self, obj: Person) -> int:
        return obj.age_on(timezone.localdate())

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else ()

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("id_number", *PERSON_FIELDS, "link_reason")
        born = "birth_date" if request.user.may_reveal_id_numbers else "age"
        return ("id_masked", "sex", born, *PERSON_FIELDS)

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else ("id_masked", "sex", "birth_date", "age")

    def save_model(self, request, obj, form, change):
        user = request.user
        fields = {f: form.cleaned_data[f] for f in PERSON_FIELDS}
        if change:  # the owner edits; anyone else asks (registry.actions.person_edit)
            person, request_made = person_edit(actor=user, person=obj, fields=fields)
            if request_made is not None:
                self.message_user(
                    request, _("变更已提交档案所属单位审核 / the change awaits the record owner's decision")
                )
        else:
            data = PersonData(id_number=form.cleaned_data["id_number"], **fields)
            # An organization registering someone puts them on its own roster (its scope).
            organization = user.organization if user.organization_scoped else None
            person, _created = person_register(
                actor=user, data=data, organization=organization, reason=form.cleaned_data.get("link_reason", "")
            )
        _copy_saved(obj, person)

    # ---- the audited reveal ----------------------------------------------------------------------

    def get_urls(self):
        reveal = path(
            "<path:object_id>/reveal/",
            self.admin_site.admin_view(self.reveal_view),
            name="registry_person_reveal",
        )
        find = path("find/", self.admin_site.admin_view(self.find_view), name="registry_person_find")
        return [find, reveal, *super().get_urls()]

    def find_view(self, request):
        """Find by full ID number: a POST through the blind index, answered by a redirect to the
        record's pk, so the number never appears in a URL (and so in no access log)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = FindForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            person = person_by_id_number(form.cleaned_data["id_number"])
            # Out of scope is "not found" too, and says nothing about whether the number is registered.
            if person is not None and self.get_queryset(request).filter(pk=person.pk).exists():
                return redirect("admin:registry_person_change", person.pk)
            form.add_error("id_number", _("未找到 / not found"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Find by ID number"),
            "form": form,
        }
        response = TemplateResponse(request, "web/admin/person_find.html", context)
        response["Cache-Control"] = "no-store"
        return response

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
    actor = None  # set by the admin: the unit that asserts is the signed-in user's own

    class Meta:
        model = PersonStatus
        fields = ("person", "kind", "valid_from", "valid_to", "source_document")

    def clean_kind(self) -> str:
        # Shows the action's refusal on the form; person_status_add enforces it.
        kind = self.cleaned_data["kind"]
        try:
            assertion.ensure_may_assert(getattr(self.actor, "organization", None), kind)
        except DomainError as exc:
            raise forms.ValidationError(f"{exc.zh} / {exc.en}") from None
        return kind


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
        # A unit asserts in its own name only (registry/assertion.py): no source to choose.
        if obj is None:
            return ["person", "kind", "valid_from", "valid_to", "source_document"]
        return ["person", "kind", "valid_from", "valid_to", "source_org", "source_document"]

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.get_fields(request, obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.actor = request.user
        return form

    def save_model(self, request, obj, form, change):
        user = request.user
        data = form.cleaned_data
        status = person_status_add(
            actor=user,
            person=data["person"],
            kind=data["kind"],
            valid_from=data["valid_from"],
            valid_to=data.get("valid_to"),
            source_document=data.get("source_document", ""),
        )
        _copy_saved(obj, status)


@admin.register(RosterEntry)
class RosterEntryAdmin(ScopedModelAdmin):
    """Who put whom on which roster; "linked an existing record" shows one organization pulling
    another's person into its scope, with who did it and why."""

    list_display = ("person", "organization", "linked_existing", "linked_by", "reason", "created_at")
    list_filter = ("linked_existing", ("organization", RelatedOnlyFieldListFilter))
    list_select_related = ("person", "organization", "linked_by")
    search_fields = ("person__name", "organization__name")
    fields = ("person", "organization", "linked_existing", "linked_by", "reason", "created_at")
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
        "change_requests",
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
        "change_requests",
        "statuses_created",
        "created_at",
    )
    fields = readonly_fields


def _ask(model_admin, request, queryset, *, action: str, title: str, field: str, label: str):
    """The intermediate page of a list action that needs one text (a reason, what was checked)."""
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": title,
        "queryset": queryset,
        "action": action,
        "field": field,
        "label": label,
        "value": request.POST.get(field, ""),
    }
    return TemplateResponse(request, "web/admin/registry_ask.html", context)


@admin.register(PersonChangeRequest)
class PersonChangeRequestAdmin(ScopedModelAdmin):
    """Pending changes to master records, for the HR bureau and the owning department to decide."""

    list_display = ("id", "person", "changed_fields", "organization", "requested_by", "source", "status", "created_at")
    list_filter = ("status", "source")
    list_select_related = ("person", "organization", "requested_by")
    search_fields = ("person__name",)
    fields = (
        "person",
        "organization",
        "requested_by",
        "source",
        "roster_import",
        "changes",
        "status",
        "decided_by",
        "decided_at",
        "reason",
        "created_at",
    )
    readonly_fields = fields
    actions = ("accept_selected", "reject_selected")

    @admin.display(description=_("fields"))
    def changed_fields(self, obj: PersonChangeRequest) -> str:
        return ", ".join(sorted(obj.changes))

    def _decide(self, request, queryset, decide) -> None:
        done = 0
        for change in queryset.order_by("pk"):
            try:
                decide(change)
                done += 1
            except DomainError as exc:
                self.message_user(request, f"#{change.pk}: {exc.zh} / {exc.en}", level="error")
        if done:
            self.message_user(request, _("%(n)d change request(s) decided") % {"n": done})

    @admin.action(description=_("Accept selected change requests"), permissions=["change"])
    def accept_selected(self, request, queryset):
        self._decide(request, queryset, lambda change: change_request_accept(request=change, actor=request.user))

    @admin.action(description=_("Reject selected change requests (with a reason)"), permissions=["change"])
    def reject_selected(self, request, queryset):
        reason = request.POST.get("reason", "")
        if "apply" not in request.POST:
            return _ask(
                self, request, queryset, action="reject_selected", title=_("Reject"), field="reason", label=_("reason")
            )
        self._decide(
            request, queryset, lambda change: change_request_reject(request=change, actor=request.user, reason=reason)
        )
        return None


@admin.register(DeclaredCategory)
class DeclaredCategoryAdmin(ScopedModelAdmin):
    """Declared categories awaiting the asserting unit: a department confirms a batch in one step."""

    list_display = ("person", "kind", "valid_from", "valid_to", "declared_by", "declared_on", "status", "confirmed_by")
    list_filter = ("status", "kind", ("declared_by", RelatedOnlyFieldListFilter))
    list_select_related = ("person", "declared_by", "confirmed_by")
    search_fields = ("person__name",)
    fields = (
        "person",
        "kind",
        "valid_from",
        "valid_to",
        "declared_by",
        "roster_import",
        "declared_on",
        "status",
        "confirmed_status",
        "confirmed_by",
        "confirmed_at",
        "checked",
    )
    readonly_fields = fields
    actions = ("confirm_selected",)

    @admin.action(description=_("Confirm selected declarations (say what you checked)"), permissions=["change"])
    def confirm_selected(self, request, queryset):
        checked = request.POST.get("checked", "")
        if "apply" not in request.POST:
            return _ask(
                self,
                request,
                queryset,
                action="confirm_selected",
                title=_("Confirm"),
                field="checked",
                label=_("checked"),
            )
        try:
            statuses = declarations_confirm(actor=request.user, declarations=list(queryset), checked=checked)
        except DomainError as exc:
            self.message_user(request, f"{exc.zh} / {exc.en}", level="error")
            return None
        self.message_user(request, _("%(n)d declaration(s) confirmed") % {"n": len(statuses)})
        return None
