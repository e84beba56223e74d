"""Organizations the policy names: training institutions and schools (§3.2.2, §3.2.3), enterprises,
cooperatives and poverty-alleviation workshops (§3.1.2, §3.3.g), and government units (§3.1, §4.1,
Annex) — one table with a kind, so a class, claim or payment can point at any of them."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from skillfund.organizations.credit_codes import validate_credit_code
from skillfund.regions.codes import validate_region_code


class Organization(models.Model):
    class Kind(models.TextChoices):
        TRAINING_INSTITUTION = "training_institution", _("training institution")
        VOCATIONAL_SCHOOL = "vocational_school", _("vocational school (职业院校)")
        TECHNICAL_SCHOOL = "technical_school", _("technical school (技工院校)")
        ENTERPRISE = "enterprise", _("enterprise")
        COOPERATIVE = "cooperative", _("farmer/herder cooperative")
        POVERTY_WORKSHOP = "poverty_workshop", _("poverty-alleviation workshop")
        GOVERNMENT = "government", _("government unit")

    class Ownership(models.TextChoices):
        PUBLIC = "public", _("public")
        PRIVATE = "private", _("private (民办)")

    class Status(models.TextChoices):
        # §3.2.3: quality evaluation and an exit mechanism drive these later.
        ACTIVE = "active", _("active")
        SUSPENDED = "suspended", _("suspended")
        EXITED = "exited", _("exited")

    class Industry(models.TextChoices):
        MINING = "mining", _("mining (high-risk)")
        CHEMICALS = "chemicals", _("chemicals (high-risk)")
        METALLURGY = "metallurgy", _("metallurgy (high-risk)")
        CONSTRUCTION = "construction", _("construction")
        ENERGY = "energy", _("energy and power")
        MANUFACTURING = "manufacturing", _("manufacturing")
        AGRICULTURE = "agriculture", _("agriculture and animal husbandry")
        SERVICES = "services", _("services")
        HOSPITALITY = "hospitality", _("hospitality and catering")
        LOGISTICS = "logistics", _("transport and logistics")
        OTHER = "other", _("other")

    # §4.1: emergency management and coal-mine safety train the high-risk industries.
    HIGH_RISK_INDUSTRIES = frozenset({Industry.MINING, Industry.CHEMICALS, Industry.METALLURGY})
    TRAINING_PROVIDERS = frozenset({Kind.TRAINING_INSTITUTION, Kind.VOCATIONAL_SCHOOL, Kind.TECHNICAL_SCHOOL})
    EMPLOYERS = frozenset({Kind.ENTERPRISE, Kind.COOPERATIVE, Kind.POVERTY_WORKSHOP})

    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices, db_index=True)
    name = models.CharField(_("name"), max_length=120)
    short_name = models.CharField(_("short name"), max_length=40, blank=True, help_text=_("e.g. 市人社局"))
    name_en = models.CharField(_("English name"), max_length=160, blank=True)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_credit_code],
        help_text=_("GB 32100-2015, 18 characters"),
    )
    unit_code = models.SlugField(
        _("unit code"),
        max_length=40,
        unique=True,
        null=True,
        blank=True,
        help_text=_("Stable key of a government unit used in programme data files, e.g. hrss"),
    )
    region = models.CharField(_("region"), max_length=6, validators=[validate_region_code])
    ownership = models.CharField(_("ownership"), max_length=8, choices=Ownership.choices, blank=True)
    industry = models.CharField(_("industry"), max_length=16, choices=Industry.choices, blank=True)
    insured = models.BooleanField(_("pays social insurance"), default=False, help_text=_("§3.3.g insured enterprise"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    status_reason = models.TextField(_("status reason"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["kind", "name"]
        constraints = [
            # Every non-government organization is identified by its credit code.
            models.CheckConstraint(
                condition=Q(kind="government") | Q(credit_code__isnull=False), name="org_credit_code_required"
            ),
            models.CheckConstraint(
                condition=Q(unit_code__isnull=True) | Q(kind="government"), name="org_unit_code_only_government"
            ),
        ]

    def __str__(self) -> str:
        return self.short_name or self.name

    @property
    def high_risk(self) -> bool:
        return self.industry in self.HIGH_RISK_INDUSTRIES

    @property
    def can_deliver_training(self) -> bool:
        """§3.2.3: only an active provider may file classes or be approved for catalog items."""
        return self.kind in self.TRAINING_PROVIDERS and self.status == self.Status.ACTIVE
