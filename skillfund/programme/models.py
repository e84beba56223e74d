"""A skills-enhancement programme as data (§2, §3.1, Annex): its stages, targets, training plans
and each department's annual task. Another city's programme is another data file."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from skillfund.regions.codes import validate_region_code


class Programme(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    region = models.CharField(_("region"), max_length=6)
    issuer = models.CharField(_("issued by"), max_length=120)
    document_number = models.CharField(_("document number"), max_length=60)
    issued_on = models.DateField(_("issued on"))
    start_year = models.PositiveSmallIntegerField(_("first year"))
    end_year = models.PositiveSmallIntegerField(_("last year"))
    total_target = models.PositiveIntegerField(_("total target (person-times)"))
    total_target_clause = models.CharField(_("clause"), max_length=20)
    # §4.3.a: the public disclosure of fund use carries the programme's own title.
    disclosure_title = models.CharField(_("disclosure title"), max_length=200)
    disclosure_title_en = models.CharField(_("English disclosure title"), max_length=200, blank=True)
    # The unit that acts as the programme's HR bureau (co-publishes notices, sees every roster).
    hr_bureau = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("HR bureau"),
    )

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        constraints = [
            models.CheckConstraint(condition=Q(end_year__gte=models.F("start_year")), name="programme_years")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def region_prefix(self) -> str:
        """GB/T 2260 prefix of the programme's area: "1506" for a prefecture 150600, "15" for a
        province 150000, the whole code for a county."""
        code = self.region
        while code.endswith("00") and len(code) > 2:
            code = code[:-2]
        return code


class BudgetDeadline(models.Model):
    """§4.2.b as data: from `from_year` on (until the next row), a department reports the year's
    plan and budget by the end of `month` of that year."""

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="budget_deadlines", verbose_name=_("programme")
    )
    from_year = models.PositiveSmallIntegerField(_("from year"))
    month = models.PositiveSmallIntegerField(_("by the end of month"))
    clause = models.CharField(_("clause"), max_length=20)

    class Meta:
        verbose_name = _("budget deadline")
        verbose_name_plural = _("budget deadlines")
        ordering = ["programme", "from_year"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "from_year"], name="budget_deadline_unique"),
            models.CheckConstraint(condition=Q(month__gte=1, month__lte=12), name="budget_deadline_month"),
        ]

    def __str__(self) -> str:
        return f"{self.from_year}: {self.month} ({self.clause})"


class Stage(models.Model):
    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="stages", verbose_name=_("programme")
    )
    number = models.PositiveSmallIntegerField(_("stage"))
    name = models.CharField(_("name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=60, blank=True)
    year = models.PositiveSmallIntegerField(_("year"))
    target = models.PositiveIntegerField(_("target (person-times)"))
    focus = models.TextField(_("focus"), blank=True)
    clause = models.CharField(_("clause"), max_length=20)

    class Meta:
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        ordering = ["programme", "number"]
        constraints = [models.UniqueConstraint(fields=["programme", "number"], name="stage_unique")]

    def __str__(self) -> str:
        return f"{self.year} {self.name}"


class RatioTarget(models.Model):
    """§2.b: shares of skilled and high-skilled workers to reach by a date."""

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="ratio_targets", verbose_name=_("programme")
    )
    code = models.SlugField(max_length=40, verbose_name=_("code"))
    description = models.CharField(_("description"), max_length=200)
    description_en = models.CharField(_("English description"), max_length=200, blank=True)
    min_percent = models.DecimalField(_("at least (%)"), max_digits=5, decimal_places=2)
    by_date = models.DateField(_("by"))
    clause = models.CharField(_("clause"), max_length=20)

    class Meta:
        verbose_name = _("ratio target")
        verbose_name_plural = _("ratio targets")
        constraints = [models.UniqueConstraint(fields=["programme", "code"], name="ratio_target_unique")]

    def __str__(self) -> str:
        return f"{self.description} ≥ {self.min_percent}%"


class TrainingPlan(models.Model):
    """§3.1.1–§3.1.4: the four training plans and the units responsible for them."""

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="plans", verbose_name=_("programme")
    )
    clause = models.CharField(_("clause"), max_length=20)
    name = models.CharField(_("name"), max_length=120)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    units = models.ManyToManyField(
        "organizations.Organization", through="PlanUnit", related_name="training_plans", verbose_name=_("units")
    )

    class Meta:
        verbose_name = _("training plan")
        verbose_name_plural = _("training plans")
        ordering = ["programme", "clause"]
        constraints = [models.UniqueConstraint(fields=["programme", "clause"], name="plan_unique_clause")]

    def __str__(self) -> str:
        return f"{self.clause} {self.name}"


class PlanUnit(models.Model):
    plan = models.ForeignKey(TrainingPlan, on_delete=models.CASCADE, related_name="plan_units", verbose_name=_("plan"))
    unit = models.ForeignKey(
        "organizations.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    position = models.PositiveSmallIntegerField(_("position"), help_text=_("1 = lead unit (列第一位为牵头单位)"))

    class Meta:
        verbose_name = _("responsible unit")
        verbose_name_plural = _("responsible units")
        ordering = ["plan", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "unit"], name="plan_unit_unique"),
            models.UniqueConstraint(fields=["plan", "position"], name="plan_unit_position_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.plan.clause} #{self.position} {self.unit}"

    @property
    def is_lead(self) -> bool:
        return self.position == 1


class AnnexTask(models.Model):
    """One row (or sub-item) of the annex: a department's annual guidance task in person-times."""

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="annex_tasks", verbose_name=_("programme")
    )
    unit = models.ForeignKey(
        "organizations.Organization", on_delete=models.PROTECT, related_name="annex_tasks", verbose_name=_("unit")
    )
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="sub_tasks", verbose_name=_("parent")
    )
    number = models.CharField(_("number"), max_length=8)
    code = models.SlugField(_("code"), max_length=40)
    training = models.CharField(_("training"), max_length=120)
    training_en = models.CharField(_("English"), max_length=160, blank=True)
    annual_target = models.PositiveIntegerField(_("annual task (person-times)"))
    clause = models.CharField(_("clause"), max_length=20)

    class Meta:
        verbose_name = _("annex task")
        verbose_name_plural = _("annex tasks")
        ordering = ["programme", "number"]
        constraints = [models.UniqueConstraint(fields=["programme", "code"], name="annex_task_code_unique")]

    def __str__(self) -> str:
        return f"{self.number} {self.unit} {self.training}"


class WorkforceFigures(models.Model):
    """§2.b's denominators, entered by the HR bureau once a year per region (the city or a banner or
    district): employed persons, and the skilled and high-skilled workers the statistics count at
    the start of the year (技能劳动者, 高技能人才: 高级工 and above), with the document they come
    from. The dashboard adds the certificates the programme subsidized since (reports/progress.py)."""

    year = models.PositiveSmallIntegerField(_("year"))
    region = models.CharField(_("region"), max_length=6, validators=[validate_region_code])
    employed = models.PositiveIntegerField(_("employed persons"))
    skilled_base = models.PositiveIntegerField(_("skilled workers (base)"))
    high_skilled_base = models.PositiveIntegerField(_("high-skilled workers (base)"))
    source_document = models.CharField(_("source document"), max_length=200)
    recorded_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("employed-person figures")
        verbose_name_plural = _("employed-person figures")
        ordering = ["-year", "region"]
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="workforce_one_per_region_year"),
            models.CheckConstraint(condition=Q(employed__gt=0), name="workforce_employed_positive"),
            models.CheckConstraint(
                condition=Q(skilled_base__lte=F("employed")), name="workforce_skilled_within_employed"
            ),
            models.CheckConstraint(
                condition=Q(high_skilled_base__lte=F("skilled_base")), name="workforce_high_skilled_within_skilled"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.region}: {self.skilled_base}/{self.employed}"
