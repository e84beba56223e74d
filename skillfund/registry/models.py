"""The real-name registry (§4.4.d): one record per person, statuses with validity periods.

Eligibility is judged at the training date (§3.3), so every status carries the period it holds
and the source that asserted it, never a bare flag.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
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
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        ordering = ["id"]
        # One person, one record (§4.4.d). A constraint, not unique=True, so PostgreSQL builds no
        # unneeded LIKE index beside it.
        constraints = [models.UniqueConstraint(fields=["id_index"], name="person_one_record_per_id")]

    def __str__(self) -> str:
        return f"{self.name} {self.id_masked}"


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
    created_at = models.DateTimeField(auto_now_add=True)

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


class RosterEntry(models.Model):
    """Which organization put a person on its roster: the basis of organization scoping."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="roster_entries")
    organization = models.ForeignKey("organizations.Organization", on_delete=models.PROTECT, related_name="roster")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("roster entry")
        verbose_name_plural = _("roster entries")
        constraints = [models.UniqueConstraint(fields=["person", "organization"], name="roster_unique")]

    def __str__(self) -> str:
        return f"{self.organization}: {self.person}"


class RosterImport(models.Model):
    """One roster file imported: what it was and what it changed."""

    organization = models.ForeignKey("organizations.Organization", on_delete=models.PROTECT, null=True, blank=True)
    actor = models.ForeignKey("accounts.User", on_delete=models.PROTECT, null=True, blank=True)
    file_name = models.CharField(_("file name"), max_length=200)
    sha256 = models.CharField(max_length=64)
    rows = models.PositiveIntegerField(_("rows"))
    persons_created = models.PositiveIntegerField(_("persons created"))
    persons_updated = models.PositiveIntegerField(_("persons updated"))
    statuses_created = models.PositiveIntegerField(_("statuses created"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("roster import")
        verbose_name_plural = _("roster imports")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.created_at:%Y-%m-%d %H:%M})"
