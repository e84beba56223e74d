"""Training delivery: class plans (开班计划) filed with the responsible department (§4.3.d), their
sessions and teachers, enrolments, attendance, assessment results and certificates (§3.3.a), and
以工代训 employment with its monthly on-the-job training (§3.3.g).

What the policy says about *subsidies* (caps, groups, the 6-month limit) is the rules engine's;
this app records what happened, checked for authenticity, so the engine can judge it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from skillfund.catalog.models import LEVELLED_CERTIFICATES, CertificateKind, SkillLevel
from skillfund.regions.codes import validate_region_code


class Teacher(models.Model):
    name = models.CharField(_("teacher name"), max_length=60)
    qualification = models.CharField(
        _("teacher qualification"), max_length=120, blank=True, help_text=_("e.g. 高级技师 or 特种作业培训教师")
    )
    certificate_number = models.CharField(_("teacher certificate number"), max_length=60, blank=True)
    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        related_name="teachers",
        verbose_name=_("organization"),
    )

    class Meta:
        verbose_name = _("teacher")
        verbose_name_plural = _("teachers")
        ordering = ["organization_id", "name"]

    def __str__(self) -> str:
        return self.name


class ClassPlan(models.Model):
    """开班计划 (§4.3.d): filed with and approved by the department whose task it counts toward,
    before the class starts."""

    class FundingMode(models.TextChoices):
        INDIVIDUAL = "individual", _("individual claim (个人申领)")
        PROJECT = "project", _("project-based (项目制, §3.3.h, §3.3.i)")
        ENTERPRISE = "enterprise", _("enterprise-run (企业自主培训, §3.1.2)")
        WORK_BASED = "work_based", _("training through work (以工代训, §3.3.g)")

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        FILED = "filed", _("filed")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")
        CLOSED = "closed", _("closed")

    code = models.CharField(_("class code"), max_length=40, unique=True)
    institution = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        related_name="class_plans",
        verbose_name=_("training institution"),
    )
    catalog_item = models.ForeignKey(
        "catalog.CatalogItem", on_delete=models.PROTECT, related_name="class_plans", verbose_name=_("catalog item")
    )
    department = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        related_name="supervised_class_plans",
        verbose_name=_("responsible department"),
    )
    annex_task = models.ForeignKey(
        "programme.AnnexTask",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="class_plans",
        verbose_name=_("annex task"),
    )
    funding_mode = models.CharField(_("funding mode"), max_length=12, choices=FundingMode.choices)
    region = models.CharField(_("region"), max_length=6, validators=[validate_region_code])
    venue = models.CharField(_("venue"), max_length=200)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    capacity = models.PositiveIntegerField(_("capacity"))
    fee = models.DecimalField(_("fee per trainee (CNY)"), max_digits=10, decimal_places=2, null=True, blank=True)
    enterprise_order = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ordered_class_plans",
        verbose_name=_("ordering enterprise"),
        help_text=_("Order-based training (订单式培训, §3.2.4)"),
    )
    teachers = models.ManyToManyField(Teacher, blank=True, related_name="class_plans", verbose_name=_("teachers"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("filed by"),
    )
    filed_at = models.DateTimeField(_("filed at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    approved_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    late_reason = models.TextField(
        _("late-filing override reason"), blank=True, help_text=_("The approver's reason for accepting a late plan")
    )
    rejection_reason = models.TextField(_("rejection reason"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("class plan")
        verbose_name_plural = _("class plans")
        ordering = ["-start_date", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="class_plan_dates_ordered"),
            models.CheckConstraint(condition=Q(capacity__gt=0), name="class_plan_capacity_positive"),
            models.CheckConstraint(condition=Q(fee__isnull=True) | Q(fee__gte=0), name="class_plan_fee_not_negative"),
            # Anything past draft was filed; a decided plan says who decided it and when.
            models.CheckConstraint(
                condition=Q(status="draft") | Q(filed_at__isnull=False), name="class_plan_filed_has_time"
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["approved", "rejected", "closed"])
                | (Q(approved_by__isnull=False) & Q(approved_at__isnull=False)),
                name="class_plan_decision_recorded",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(rejection_reason=""), name="class_plan_rejection_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return self.code


class ClassSession(models.Model):
    class_plan = models.ForeignKey(
        ClassPlan, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("class plan")
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    hours = models.DecimalField(_("class hours"), max_digits=5, decimal_places=2)
    topic = models.CharField(_("topic"), max_length=200, blank=True)
    teacher = models.ForeignKey(
        Teacher, on_delete=models.PROTECT, null=True, blank=True, related_name="sessions", verbose_name=_("teacher")
    )

    class Meta:
        verbose_name = _("class session")
        verbose_name_plural = _("class sessions")
        ordering = ["class_plan_id", "starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="session_ends_after_start"),
            models.CheckConstraint(condition=Q(hours__gt=0), name="session_hours_positive"),
        ]

    def __str__(self) -> str:
        return f"{timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}–{timezone.localtime(self.ends_at):%H:%M}"


class Enrolment(models.Model):
    class Status(models.TextChoices):
        ENROLLED = "enrolled", _("enrolled")
        WITHDRAWN = "withdrawn", _("withdrawn")
        COMPLETED = "completed", _("completed")

    # Enrolments that hold a place and a trainee's time.
    ACTIVE = (Status.ENROLLED, Status.COMPLETED)

    class_plan = models.ForeignKey(
        ClassPlan, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("class plan")
    )
    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("person")
    )
    enrolled_at = models.DateTimeField(_("enrolled at"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ENROLLED)
    withdrawn_reason = models.TextField(_("withdrawal reason"), blank=True)
    rules_preview = models.JSONField(
        _("rules preview"),
        null=True,
        blank=True,
        help_text=_("What the subsidy rules would decide, shown at enrolment (e.g. a 4th subsidy in a year, §3.3.b)"),
    )

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["class_plan_id", "id"]
        constraints = [models.UniqueConstraint(fields=["class_plan", "person"], name="enrolment_once_per_class")]

    def __str__(self) -> str:
        return f"{self.class_plan} {self.person.name}"

    @property
    def audit_label(self) -> str:  # the audit log names persons by id and mask only
        return f"{self.class_plan} person#{self.person_id}"


class Attendance(models.Model):
    class Method(models.TextChoices):
        FACE = "face", _("face recognition")
        FINGERPRINT = "fingerprint", _("fingerprint")
        CARD = "card", _("card")
        MANUAL = "manual", _("manual entry")

    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.PROTECT, related_name="attendances", verbose_name=_("enrolment")
    )
    session = models.ForeignKey(
        ClassSession, on_delete=models.PROTECT, related_name="attendances", verbose_name=_("class session")
    )
    check_in = models.DateTimeField(_("check-in"))
    check_out = models.DateTimeField(_("check-out"))
    method = models.CharField(_("method"), max_length=12, choices=Method.choices)
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("operator"),
    )
    reason = models.TextField(_("reason"), blank=True, help_text=_("Required for a manual entry"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        ordering = ["session_id", "enrolment_id"]
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "session"], name="attendance_once_per_session"),
            models.CheckConstraint(condition=Q(check_out__gt=F("check_in")), name="attendance_out_after_in"),
            # A hand-entered record names who entered it and why (§4.3.d authenticity).
            models.CheckConstraint(
                condition=~Q(method="manual") | (Q(operator__isnull=False) & ~Q(reason="")),
                name="attendance_manual_has_operator_and_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment} {timezone.localtime(self.check_in):%Y-%m-%d %H:%M}"

    @property
    def audit_label(self) -> str:
        return f"{self.enrolment.audit_label} {timezone.localtime(self.check_in):%Y-%m-%d %H:%M}"


class Absence(models.Model):
    """A trainee recorded absent from one session, with the reason (病假, 事假 …): the attendance
    sheet of a session says for each trainee either present (an Attendance) or absent and why."""

    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.PROTECT, related_name="absences", verbose_name=_("enrolment")
    )
    session = models.ForeignKey(
        ClassSession, on_delete=models.PROTECT, related_name="absences", verbose_name=_("class session")
    )
    reason = models.CharField(_("reason for absence"), max_length=200)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        ordering = ["session_id", "enrolment_id"]
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "session"], name="absence_once_per_session"),
            models.CheckConstraint(condition=~Q(reason=""), name="absence_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment} {self.session}"

    @property
    def audit_label(self) -> str:
        return f"{self.enrolment.audit_label} {self.session}"


class Assessment(models.Model):
    class Result(models.TextChoices):
        PASS = "pass", _("pass")
        FAIL = "fail", _("fail")
        ABSENT = "absent", _("absent")

    enrolment = models.OneToOneField(
        Enrolment, on_delete=models.PROTECT, related_name="assessment", verbose_name=_("enrolment")
    )
    result = models.CharField(_("result"), max_length=8, choices=Result.choices)
    assessed_on = models.DateField(_("assessed on"))
    score = models.DecimalField(
        _("score"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        help_text=_("0–100, if the assessment is scored"),
    )
    note = models.TextField(_("note"), blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["-assessed_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__isnull=True) | (Q(score__gte=0) & Q(score__lte=100)), name="assessment_score_range"
            )
        ]

    def __str__(self) -> str:
        return f"{self.enrolment} {self.get_result_display()}"

    @property
    def audit_label(self) -> str:
        return f"{self.enrolment.audit_label} {self.result}"


class Certificate(models.Model):
    """One of the five certificates of §3.3.a."""

    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="certificates", verbose_name=_("person")
    )
    enrolment = models.ForeignKey(
        Enrolment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="certificates",
        verbose_name=_("enrolment"),
    )
    kind = models.CharField(_("certificate kind"), max_length=24, choices=CertificateKind.choices)
    number = models.CharField(_("certificate number"), max_length=60)
    occupation = models.ForeignKey(
        "catalog.Occupation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="certificates",
        verbose_name=_("occupation"),
        help_text=_("Empty for certificates without an occupation, such as entrepreneurship training"),
    )
    level = models.PositiveSmallIntegerField(_("skill level"), choices=SkillLevel.choices, null=True, blank=True)
    issue_date = models.DateField(_("issue date"))
    issuing_body = models.CharField(_("issuing body"), max_length=120)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issue_date", "number"]
        constraints = [
            # Same rule as the catalog: a level exactly when the certificate kind carries one.
            models.CheckConstraint(
                condition=(Q(kind__in=sorted(LEVELLED_CERTIFICATES)) & Q(level__isnull=False))
                | (~Q(kind__in=sorted(LEVELLED_CERTIFICATES)) & Q(level__isnull=True)),
                name="certificate_level_matches_kind",
            ),
            # A number names one certificate, except a 特种作业操作证's: since 2010 its number is the
            # holder's ID number, the same on each operation (occupation) they are certified for.
            models.UniqueConstraint(
                fields=["number"], condition=~Q(kind="special_operation"), name="certificate_number_unique"
            ),
            models.UniqueConstraint(
                fields=["number", "occupation"],
                condition=Q(kind="special_operation"),
                name="special_operation_certificate_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class Employment(models.Model):
    """以工代训 (§3.3.g): an employer that trains the person it employs on the job."""

    employer = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        related_name="employments",
        verbose_name=_("employer"),
    )
    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="employments", verbose_name=_("person")
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True, help_text=_("empty = still employed"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("employment (以工代训)")
        verbose_name_plural = _("employments (以工代训)")
        ordering = ["-start_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["employer", "person", "start_date"], name="employment_unique_start"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")), name="employment_dates_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.employer}: {self.person.name} {self.start_date}"

    @property
    def audit_label(self) -> str:
        return f"{self.employer}: person#{self.person_id} {self.start_date}"


class WorkTrainingMonth(models.Model):
    """One month of on-the-job training under an employment (以工代训, §3.3.g)."""

    employment = models.ForeignKey(
        Employment, on_delete=models.PROTECT, related_name="training_months", verbose_name=_("employment")
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month"))
    hours = models.DecimalField(_("training hours"), max_digits=5, decimal_places=1)
    content = models.TextField(_("training content"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("on-the-job training month")
        verbose_name_plural = _("on-the-job training months")
        ordering = ["employment_id", "month"]
        constraints = [
            models.UniqueConstraint(fields=["employment", "month"], name="work_training_month_unique"),
            models.CheckConstraint(condition=Q(hours__gt=0), name="work_training_hours_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.employment} {self.month:%Y-%m}"

    @property
    def audit_label(self) -> str:
        return f"{self.employment.audit_label} {self.month:%Y-%m}"
