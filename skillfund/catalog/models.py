"""Catalog-list management of subsidized training (§4.4.c): occupations, levels, certificate
kinds (§3.3.a), and the yearly list of subsidized items with their standards.

The policy fixes no amounts: every standard is data for one year, editable without code changes.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from skillfund.catalog.codes import validate_occupation_code


class SkillLevel(models.IntegerChoices):
    """职业技能等级: 5 is the entry level, 1 the highest. 高技能 means levels 3–1 (§2.b)."""

    LEVEL_5 = 5, _("level 5 / junior worker (五级/初级工)")
    LEVEL_4 = 4, _("level 4 / intermediate worker (四级/中级工)")
    LEVEL_3 = 3, _("level 3 / senior worker (三级/高级工)")
    LEVEL_2 = 2, _("level 2 / technician (二级/技师)")
    LEVEL_1 = 1, _("level 1 / senior technician (一级/高级技师)")


HIGH_SKILL_LEVELS = frozenset({SkillLevel.LEVEL_3, SkillLevel.LEVEL_2, SkillLevel.LEVEL_1})


class CertificateKind(models.TextChoices):
    """The five certificates of §3.3.a."""

    QUALIFICATION = "qualification", _("occupational qualification (职业资格证书)")
    SKILL_LEVEL = "skill_level", _("skill level (职业技能等级证书)")
    SPECIAL_ABILITY = "special_ability", _("special vocational ability (专项职业能力证书)")
    SPECIAL_OPERATION = "special_operation", _("special operation (特种作业操作证书)")
    TRAINING_COMPLETION = "training_completion", _("training completion (培训合格证书)")


# Only these certificates carry a skill level; the others certify without one.
LEVELLED_CERTIFICATES = frozenset({CertificateKind.QUALIFICATION, CertificateKind.SKILL_LEVEL})


class TrainingType(models.TextChoices):
    """What kind of training an item is (§3.1.2, §3.1.3, Annex)."""

    EMPLOYMENT_SKILLS = "employment_skills", _("employment skills (就业技能培训)")
    SKILL_UPGRADING = "skill_upgrading", _("job skill upgrading (岗位技能提升培训)")
    PRE_JOB = "pre_job", _("pre-job (岗前培训)")
    SAFETY_SKILLS = "safety_skills", _("safety skills (安全技能培训)")
    JOB_TRANSFER = "job_transfer", _("job transfer (转岗转业培训)")
    APPRENTICESHIP = "apprenticeship", _("new-type apprenticeship (企业新型学徒制)")
    ENTREPRENEURSHIP = "entrepreneurship", _("entrepreneurship (创业培训)")
    FARMER = "farmer", _("new professional farmers/herders (新型职业农牧民)")


class Occupation(models.Model):
    class Scheme(models.TextChoices):
        NATIONAL = "noc2022", _("national occupational classification 2022")
        SPECIAL_OPERATION = "special_op", _("special-operation category (特种作业目录)")

    code = models.CharField(_("code"), max_length=16, unique=True, validators=[validate_occupation_code])
    scheme = models.CharField(_("classification"), max_length=12, choices=Scheme.choices)
    name = models.CharField(_("name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    category = models.CharField(_("category"), max_length=60, blank=True)
    levels = models.JSONField(
        _("skill levels"),
        null=True,
        blank=True,
        help_text=_("Levels its national skill standard sets, e.g. [5, 4, 3, 2, 1]; empty = not recorded"),
    )

    class Meta:
        verbose_name = _("occupation")
        verbose_name_plural = _("occupations")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class CatalogItem(models.Model):
    """One subsidized training on one year's list (§4.4.c)."""

    year = models.PositiveSmallIntegerField(_("year"))
    code = models.CharField(_("item code"), max_length=40)
    title = models.CharField(_("title"), max_length=120)
    occupation = models.ForeignKey(
        Occupation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name=_("occupation"),
        help_text=_("Empty for trainings without an occupation, such as entrepreneurship training"),
    )
    level = models.PositiveSmallIntegerField(_("skill level"), choices=SkillLevel.choices, null=True, blank=True)
    certificate_kind = models.CharField(_("certificate"), max_length=24, choices=CertificateKind.choices)
    training_type = models.CharField(_("training type"), max_length=20, choices=TrainingType.choices)
    min_hours = models.PositiveSmallIntegerField(_("minimum hours"))
    standard = models.DecimalField(_("subsidy standard (CNY)"), max_digits=10, decimal_places=2)
    is_sample = models.BooleanField(
        _("sample standard"), default=False, help_text=_("Shipped as an example; the bureau sets the real amount")
    )
    source_document = models.CharField(_("source document"), max_length=200, blank=True)
    approved_institutions = models.ManyToManyField(
        "organizations.Organization",
        blank=True,
        related_name="catalog_items",
        verbose_name=_("approved institutions"),
    )

    class Meta:
        verbose_name = _("catalog item")
        verbose_name_plural = _("catalog items")
        ordering = ["year", "code"]
        constraints = [
            models.UniqueConstraint(fields=["year", "code"], name="catalog_item_code_unique_per_year"),
            models.CheckConstraint(condition=Q(standard__gte=0), name="catalog_standard_not_negative"),
            models.CheckConstraint(condition=Q(min_hours__gt=0), name="catalog_min_hours_positive"),
            # A level only with a levelled certificate, and a levelled certificate always has one.
            models.CheckConstraint(
                condition=(Q(certificate_kind__in=sorted(LEVELLED_CERTIFICATES)) & Q(level__isnull=False))
                | (~Q(certificate_kind__in=sorted(LEVELLED_CERTIFICATES)) & Q(level__isnull=True)),
                name="catalog_level_matches_certificate",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.code} {self.title}"
