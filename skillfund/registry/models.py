"""The real-name registry (§4.4.d): one record per person, statuses with validity periods.

Eligibility is judged at the training date (§3.3), so every status carries the period it holds
and the source that asserted it, never a bare flag.
"""

from __future__ import annotations

from datetime import date

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from skillfund.regions.codes import validate_region_code


class Person(models.Model):
    class Sex(models.TextChoices):
        MALE = "M", _("male")
        FEMALE = "F", _("female")

    # The plain ID number is never stored: see registry/idnumbers.py.
    id_cipher = models.BinaryField(_("ID number (encrypted)"), editable=False)
    id_index = models.CharField(_("ID number blind index"), max_length=64, editable=False)
    id_masked = models.CharField(_("ID number"), max_length=18, editable=False)
    name = models.CharField(_("name"), max_length=60)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, editable=False)
    birth_date = models.DateField(_("birth date"), editable=False)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    hukou_region = models.CharField(
        _("household registration (户籍地)"), max_length=6, validators=[validate_region_code]
    )
    hukou_rural = models.BooleanField(_("rural household registration"), default=False)
    residence_region = models.CharField(_("residence (常住地)"), max_length=6, validators=[validate_region_code])
    job_region = models.CharField(
        _("job-seeking/employment region (求职就业地)"), max_length=6, blank=True, validators=[validate_region_code]
    )
    receives_pension = models.BooleanField(_("receives a monthly pension"), default=False, help_text="§3.3.c")
    # Who owns the master record: the organization that first registered the person; empty means
    # the HR bureau (records registered by HR or from the command line). Only the HR bureau or an
    # owning department decides a change to it (registry/actions.py).
    owner = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_persons",
        verbose_name=_("record owner"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        ordering = ["id"]
        # One person, one record (§4.4.d). A constraint, not unique=True, so PostgreSQL builds no
        # unneeded LIKE index beside it.
        constraints = [models.UniqueConstraint(fields=["id_index"], name="person_one_record_per_id")]

    def __str__(self) -> str:
        return f"{self.name} {self.id_masked}"

    @property
    def audit_label(self) -> str:
        """How the audit log names a person: never by name, phone or full number, so the log can
        outlive a deletion request (PIPL Art. 47) without holding personal data."""
        return f"person#{self.pk} {self.id_masked}"

    def age_on(self, day: date) -> int:
        """Age in whole years on `day`: what a role that may not see the birth date is shown."""
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


# Fields that hold or rebuild the middle of the ID number (the birth date is characters 7-14) or
# probe it: never offered as a filter, a sort key or a search term.
ID_DERIVED_FIELDS = frozenset({"birth_date", "id_cipher", "id_index"})


class StatusKind(models.TextChoices):
    """The groups of §3.3.d–§3.3.g and §3.3.i."""

    POOR_LABOURER = "poor_labourer", _("registered poor labourer (建档立卡贫困劳动力)")
    POOR_FAMILY_CHILD = "poor_family_child", _("poor-family child (贫困家庭子女)")
    SCHOOL_LEAVER = "school_leaver", _("school leaver (两后生)")
    RURAL_TRANSFER = "rural_transfer", _("rural/pastoral transfer worker (农村牧区转移劳动者)")
    UNEMPLOYED = "unemployed", _("laid-off or unemployed (下岗失业人员)")
    TRANSFERRED_WORKER = "transferred_worker", _("transferred worker (转岗职工)")
    CAPACITY_CUT = "capacity_cut", _("displaced by capacity cuts (去产能失业人员)")
    VETERAN = "veteran", _("veteran (退役军人)")
    DISABLED = "disabled", _("disabled person (残疾人)")
    HARD_TO_EMPLOY = "hard_to_employ", _("hard-to-employ (就业困难人员)")
    ZERO_EMPLOYMENT_FAMILY = "zero_employment_family", _("zero-employment family member (零就业家庭成员)")
    URBAN_DIBAO_FAMILY = "urban_dibao_family", _("urban minimum-living-guarantee family (城市低保家庭成员)")
    COLLEGE_GRADUATE = "college_graduate", _("college graduate (高校毕业生)")
    EMPLOYEE_INSURED = "employee_insured", _("enterprise employee, insured (参保职工)")
    EMPLOYEE_UNINSURED = "employee_uninsured", _("enterprise employee, not insured")


class PersonStatus(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="statuses", verbose_name=_("person"))
    kind = models.CharField(_("status"), max_length=24, choices=StatusKind.choices)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True, help_text=_("empty = open-ended"))
    source_org = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="asserted_statuses",
        verbose_name=_("source department"),
    )
    source_document = models.CharField(_("source document or list"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("person status")
        verbose_name_plural = _("person statuses")
        ordering = ["person_id", "kind", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["person", "kind", "valid_from"], name="status_unique_start"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")), name="status_period_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.valid_from}–{self.valid_to or ''}"

    @property
    def audit_label(self) -> str:
        return f"status#{self.pk} {self.kind} person#{self.person_id}"


class RosterEntry(models.Model):
    """Which organization put a person on its roster: the basis of organization scoping."""

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="roster_entries", verbose_name=_("person")
    )
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.PROTECT, related_name="roster", verbose_name=_("organization")
    )
    # Linking a person another organization registered pulls them into this one's scope: recorded.
    linked_existing = models.BooleanField(_("linked an existing record"), default=False)
    linked_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("linked by")
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("roster entry")
        verbose_name_plural = _("roster entries")
        constraints = [models.UniqueConstraint(fields=["person", "organization"], name="roster_unique")]

    def __str__(self) -> str:
        return f"{self.organization}: {self.person}"

    @property
    def audit_label(self) -> str:
        return f"roster#{self.pk} org#{self.organization_id} {self.person.audit_label}"


class RosterImport(models.Model):
    """One roster file imported: what it was and what it changed."""

    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("organization")
    )
    actor = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("actor"))
    file_name = models.CharField(_("file name"), max_length=200)
    sha256 = models.CharField(max_length=64)
    rows = models.PositiveIntegerField(_("rows"))
    persons_created = models.PositiveIntegerField(_("persons created"))
    # Known persons are never updated by an import: a difference becomes a change request.
    change_requests = models.PositiveIntegerField(_("change requests"), default=0)
    statuses_created = models.PositiveIntegerField(_("statuses created"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("roster import")
        verbose_name_plural = _("roster imports")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.file_name} ({timezone.localtime(self.created_at):%Y-%m-%d %H:%M})"


class PersonChangeRequest(models.Model):
    """A difference from the master record, asked for by an organization that does not own it.

    It changes nothing until the HR bureau or the owning department accepts it. The old and new
    values live here (deleted with the person), never in the audit log."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        ACCEPTED = "accepted", _("accepted")
        REJECTED = "rejected", _("rejected")

    class Source(models.TextChoices):
        FORM = "form", _("back-office form")
        ROSTER_IMPORT = "roster_import", _("roster import")

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="change_requests", verbose_name=_("person")
    )
    requested_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organization"),
    )
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    roster_import = models.ForeignKey(
        "RosterImport", on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("roster import")
    )
    changes = models.JSONField(_("changes"), help_text=_("{field: {old, new}}"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("person change request")
        verbose_name_plural = _("person change requests")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="pending", decided_at__isnull=True)
                | (~Q(status="pending") & Q(decided_at__isnull=False)),
                name="change_request_decided_when_not_pending",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(reason=""), name="change_request_reject_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.person.id_masked} {', '.join(sorted(self.changes))}"

    @property
    def audit_label(self) -> str:
        return f"change#{self.pk} {self.person.audit_label}"


class DeclaredCategory(models.Model):
    """A category (人员类别) a trainee declared through an institution's or enterprise's roster.

    A declaration counts for nothing until a unit allowed to assert its kind confirms it, which
    creates the PersonStatus the rules read (registry/assertion.py)."""

    class Status(models.TextChoices):
        DECLARED = "declared", _("declared, not confirmed")
        CONFIRMED = "confirmed", _("confirmed")

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="declared_categories", verbose_name=_("person")
    )
    kind = models.CharField(_("status"), max_length=24, choices=StatusKind.choices)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    declared_by = models.ForeignKey(
        "organizations.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("declared through")
    )
    roster_import = models.ForeignKey(
        RosterImport, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("roster import")
    )
    declared_on = models.DateField(_("declared on"))
    status = models.CharField(_("confirmation"), max_length=10, choices=Status.choices, default=Status.DECLARED)
    # Several organizations may declare the same status: one confirmed status answers them all.
    confirmed_status = models.ForeignKey(
        PersonStatus,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="declarations",
        verbose_name=_("confirmed status"),
    )
    confirmed_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    checked = models.TextField(_("what was checked"), blank=True)

    class Meta:
        verbose_name = _("declared category")
        verbose_name_plural = _("declared categories")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "kind", "valid_from", "declared_by"], name="declaration_unique"),
            models.CheckConstraint(
                condition=Q(status="declared", confirmed_status__isnull=True)
                | Q(status="confirmed", confirmed_status__isnull=False) & ~Q(checked=""),
                name="declaration_confirmed_with_status_and_check",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_status_display()}) {self.person.id_masked}"

    @property
    def audit_label(self) -> str:
        return f"declaration#{self.pk} {self.kind} {self.person.audit_label}"
