"""Claims, the rules engine's decisions on them, and the per-person grant ledger (§3.3.b).

A claim asks for a subsidy for one person and one training. A decision is the engine's answer,
stored with the facts it used and the rules version, so it can be re-run exactly. A grant is a
decision that was approved, or a past subsidy recorded from before the platform (a history grant):
grants are the history the engine counts, and the database itself
holds the quotas — one grant per person, occupation and level ever (unique constraint), and a
per-person-and-year tally whose `used` may never exceed its `cap` (check constraint), updated
under a row lock on the person.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce, Now
from django.utils.translation import gettext_lazy as _

from skillfund.claims.workflow import Path, Status


class Application(models.Model):
    """What moves through the review chain (§4.3.d): one person's claim, or an institution's or
    enterprise's claim for the trainees of a class, each line a Claim with its own decisions."""

    class Kind(models.TextChoices):
        INDIVIDUAL = "individual", _("individual training subsidy (§3.3.a)")
        PROJECT = "project", _("project-based class (§3.3.h, §3.3.i)")
        ENTERPRISE = "enterprise", _("enterprise-run training (§3.1.2)")
        WORK_BASED = "work_based", _("training through work, monthly (§3.3.g)")
        LIVING_ALLOWANCE = "living_allowance", _("living allowance (§3.3.f)")
        SKILL_UPGRADING = "skill_upgrading", _("insured employee's skill-upgrading subsidy (§3.1.2)")

    reference = models.CharField(_("application reference"), max_length=60, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    path = models.CharField(_("review path"), max_length=8, choices=Path.choices, default=Path.FULL)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    department = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("responsible department"),
    )
    applicant = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("applying organization"),
    )
    person = models.ForeignKey(
        "registry.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
        verbose_name=_("applying person"),
    )
    class_plan = models.ForeignKey(
        "training.ClassPlan",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
        verbose_name=_("class plan"),
    )
    idempotency_key = models.CharField(
        max_length=100, unique=True, null=True, blank=True, verbose_name=_("idempotency key")
    )
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))
    # Stored by the review chain's steps (review._move) and the grant (actions.claims_grant), so the
    # queues and the payable list sort and sum a column instead of a subquery per row (at 1,000,000
    # claims a subquery per row cost 0.2-0.7 s a page): the latest step's time (null: none taken
    # yet, then its creation counts), the latest approval's, and Σ granted over its claims.
    # Not editable: no form (the admin's add page included) sets them.
    status_since = models.DateTimeField(_("in its status since"), null=True, blank=True, editable=False)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True, editable=False)
    granted = models.DecimalField(
        _("granted (CNY)"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("0.00"),
        db_default=Decimal("0.00"),
        editable=False,
    )

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-id"]
        indexes = [
            # The payable list: approved, longest waiting first.
            models.Index(fields=["status", "approved_at", "id"], name="application_status_approved"),
            # The queues: oldest in its status first (the auditor's "all": newest first).
            models.Index(Coalesce("status_since", "created_at"), "id", name="application_waiting_since"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(applicant__isnull=False) | Q(person__isnull=False), name="application_has_applicant"
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class ApplicationEvent(models.Model):
    """One step of the review chain taken: who, in which role, from which status to which, and why."""

    application = models.ForeignKey(
        Application, on_delete=models.PROTECT, related_name="events", verbose_name=_("application")
    )
    step = models.CharField(_("step"), max_length=12)
    from_status = models.CharField(max_length=12, choices=Status.choices, verbose_name=_("from status"))
    to_status = models.CharField(max_length=12, choices=Status.choices, verbose_name=_("to status"))
    actor = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("actor")
    )
    actor_role = models.CharField(max_length=24, blank=True, verbose_name=_("actor role"))
    reason = models.TextField(_("reason"), blank=True)
    at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("review step")
        verbose_name_plural = _("review steps")
        ordering = ["application_id", "id"]

    def __str__(self) -> str:
        return f"{self.application_id} {self.step}: {self.from_status} → {self.to_status}"


class Claim(models.Model):
    class Kind(models.TextChoices):
        # Values equal the engine's funding modes (policy/facts.py).
        INDIVIDUAL = "individual", _("individual training subsidy (§3.3.a)")
        PROJECT = "project", _("project-based training (§3.3.h, §3.3.i)")
        ENTERPRISE = "enterprise", _("enterprise-run training (§3.1.2)")
        WORK_BASED = "work_based", _("training through work (以工代训, §3.3.g)")
        SKILL_UPGRADING = "skill_upgrading", _("insured employee's skill-upgrading subsidy (§3.1.2)")

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("submitted")
        DECIDED = "decided", _("decided")
        GRANTED = "granted", _("granted")
        REFUSED = "refused", _("refused")

    reference = models.CharField(_("claim reference"), max_length=60)
    application = models.ForeignKey(
        Application,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="claims",
        verbose_name=_("application"),
    )
    batch = models.CharField(_("batch"), max_length=60, blank=True, help_text=_("The file or run it came in"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.INDIVIDUAL)
    # Indexed by (person, end_date) below; the fewer indexes, the faster a million claims load.
    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="claims", db_index=False, verbose_name=_("person")
    )
    department = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="claims",
        verbose_name=_("responsible department"),
    )
    enrolment = models.ForeignKey(
        "training.Enrolment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="claims",
        verbose_name=_("enrolment"),
    )
    employment = models.ForeignKey(
        "training.Employment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="claims",
        db_index=False,
        verbose_name=_("employment"),
    )
    catalog_item = models.ForeignKey(
        "catalog.CatalogItem",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="claims",
        db_index=False,
        verbose_name=_("catalog item"),
    )
    # The training facts, copied from the class and certificate (or given by a batch file), so a
    # decision can be re-run on exactly what was claimed.
    training_region = models.CharField(_("training region"), max_length=6)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    certificate_kind = models.CharField(_("certificate"), max_length=24, blank=True)
    certificate_number = models.CharField(_("certificate number"), max_length=60, blank=True)
    subject = models.CharField(
        _("occupation"), max_length=40, help_text=_("Occupation code; for trainings without one, item:<catalog code>")
    )
    level = models.PositiveSmallIntegerField(_("skill level"), null=True, blank=True)
    standard = models.DecimalField(_("subsidy standard (CNY)"), max_digits=12, decimal_places=2)
    fee = models.DecimalField(_("fee (CNY)"), max_digits=12, decimal_places=2, null=True, blank=True)
    months = models.PositiveSmallIntegerField(_("months claimed"), default=0, help_text="§3.3.g")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    submitted_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        verbose_name=_("submitted by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["reference"], name="claim_reference_unique"),
            # One certificate, one claim (§3.3.a): a number is never claimed twice, whatever the path.
            # A 特种作业操作证's number is its holder's ID number on each operation, so there the
            # certificate is the number and the occupation (the claim's subject).
            models.UniqueConstraint(
                fields=["certificate_number"],
                condition=~Q(certificate_number="") & ~Q(certificate_kind="special_operation"),
                name="claim_certificate_once",
            ),
            models.UniqueConstraint(
                fields=["certificate_number", "subject"],
                condition=~Q(certificate_number="") & Q(certificate_kind="special_operation"),
                name="claim_special_operation_certificate_once",
            ),
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="claim_dates_ordered"),
            models.CheckConstraint(condition=Q(standard__gte=0), name="claim_standard_not_negative"),
        ]
        # Constraints and plain indexes, not unique=True/db_index=True: PostgreSQL then builds no
        # extra LIKE indexes for these text columns.
        indexes = [
            models.Index(fields=["person", "end_date"]),
            models.Index(fields=["batch"], name="claim_batch"),
            # The dashboards count the granted claims of the programme's years: a seq scan of every
            # claim without it (0.5 s each of two queries at 4,000,000 claims). Partial, so a batch
            # of submitted claims loads without touching it.
            models.Index(fields=["end_date"], condition=Q(status="granted"), name="claim_granted_end_date"),
        ]

    def __str__(self) -> str:
        return self.reference


class Decision(models.Model):
    """The engine's answer on one claim. Amounts in CNY; checks as bits of the engine's RULES order."""

    class Purpose(models.TextChoices):
        PREVIEW = "preview", _("preview (at enrolment)")
        DECISION = "decision", _("decision")
        GRANT = "grant", _("grant (decided under the quota lock)")

    # Not a foreign-key constraint in the database: on PostgreSQL a trigger checks the claims of each
    # INSERT with one query (a per-row check cost 11 s of a million-claim batch) and claims are
    # never deleted; on SQLite a row trigger checks. Migration 0005 holds both.
    claim = models.ForeignKey(
        Claim,
        on_delete=models.PROTECT,
        related_name="decisions",
        null=True,
        blank=True,
        db_constraint=False,
        verbose_name=_("claim"),
    )
    purpose = models.CharField(_("purpose"), max_length=10, choices=Purpose.choices)
    decided_at = models.DateTimeField(_("decided at"), db_default=Now())  # a batch's: the database's clock at its COPY
    rules_version = models.CharField(_("rules version"), max_length=40)
    eligible = models.BooleanField(_("eligible"))
    subsidy = models.DecimalField(_("subsidy (CNY)"), max_digits=12, decimal_places=2)
    trainee_share = models.DecimalField(_("trainee's share (CNY)"), max_digits=12, decimal_places=2)
    living_allowance = models.DecimalField(_("living allowance (CNY)"), max_digits=12, decimal_places=2)
    advance = models.DecimalField(_("advance (CNY)"), max_digits=12, decimal_places=2)
    months_subsidized = models.PositiveSmallIntegerField(_("months subsidized"), default=0)
    free = models.BooleanField(_("free training"), default=False)
    checked_mask = models.BigIntegerField(verbose_name=_("checked mask"))
    failed_mask = models.BigIntegerField(verbose_name=_("failed mask"))
    facts = models.JSONField(_("facts"))

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(subsidy__gte=0, trainee_share__gte=0, living_allowance__gte=0, advance__gte=0),
                name="decision_amounts_not_negative",
            ),
            models.CheckConstraint(condition=Q(advance__lte=F("subsidy")), name="decision_advance_within_subsidy"),
            models.CheckConstraint(
                condition=Q(eligible=True) | Q(subsidy=0, living_allowance=0, advance=0),
                name="decision_refused_pays_nothing",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.claim} {'✓' if self.eligible else '✗'} {self.subsidy}"


class QuotaTally(models.Model):
    """Subsidies granted to one person in one calendar year, against the cap in force (§3.3.b)."""

    person = models.ForeignKey("registry.Person", on_delete=models.CASCADE, related_name="+", verbose_name=_("person"))
    year = models.PositiveSmallIntegerField(verbose_name=_("year"))
    used = models.PositiveSmallIntegerField(default=0, verbose_name=_("used"))
    cap = models.PositiveSmallIntegerField(verbose_name=_("cap"))

    class Meta:
        verbose_name = _("quota tally")
        verbose_name_plural = _("quota tallies")
        constraints = [
            models.UniqueConstraint(fields=["person", "year"], name="tally_one_per_person_year"),
            models.CheckConstraint(condition=Q(used__lte=F("cap")), name="tally_within_cap"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.year}: {self.used}/{self.cap}"


class Grant(models.Model):
    """A subsidy granted: the history every later decision counts, across all departments.

    Most are decided here (origin "policy": a claim and its decision). A history grant (origin
    "history") is a subsidy granted before the platform, under an earlier programme or in the
    provincial system (claims/history.py): not decided under this policy, so it has no claim and no
    decision, but it sits in the same table so the database holds §3.3.b for it too.
    """

    class Origin(models.TextChoices):
        POLICY = "policy", _("decided under this policy")
        HISTORY = "history", _("past subsidy (before the platform or in another system)")

    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="grants", verbose_name=_("person")
    )
    origin = models.CharField(_("origin"), max_length=8, choices=Origin.choices, default=Origin.POLICY)
    claim = models.OneToOneField(
        Claim, on_delete=models.PROTECT, related_name="grant", null=True, blank=True, verbose_name=_("claim")
    )
    decision = models.OneToOneField(
        Decision, on_delete=models.PROTECT, related_name="grant", null=True, blank=True, verbose_name=_("decision")
    )
    kind = models.CharField(max_length=16, choices=Claim.Kind.choices, verbose_name=_("kind"))
    subject = models.CharField(_("occupation"), max_length=40)
    level_key = models.PositiveSmallIntegerField(
        help_text=_("skill level; 0 = a certificate without level"), verbose_name=_("level key")
    )
    year = models.PositiveSmallIntegerField(verbose_name=_("year"))
    end_date = models.DateField(verbose_name=_("end date"))
    months = models.PositiveSmallIntegerField(default=0, verbose_name=_("months"))
    amount = models.DecimalField(max_digits=12, decimal_places=2, verbose_name=_("amount"))
    # What a history grant's source states (a policy grant's are on its claim).
    certificate_kind = models.CharField(_("certificate"), max_length=24, blank=True)
    certificate_number = models.CharField(_("certificate number"), max_length=60, blank=True)
    granting_unit = models.CharField(_("granting unit"), max_length=100, blank=True)
    source_system = models.CharField(_("source system"), max_length=100, blank=True)
    granted_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("granted by")
    )
    granted_at = models.DateTimeField(
        help_text=_("when it was granted here, or recorded for a history grant"), verbose_name=_("granted at")
    )

    class Meta:
        verbose_name = _("grant")
        verbose_name_plural = _("grants")
        constraints = [
            # §3.3.b: the same occupation at the same level is never subsidized twice (training
            # through work is limited by months instead, so it is left out).
            models.UniqueConstraint(
                fields=["person", "subject", "level_key"], condition=~Q(kind="work_based"), name="grant_never_twice"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="grant_amount_not_negative"),
            # A policy grant pays a decided claim; a history grant was decided elsewhere and names
            # where it came from.
            models.CheckConstraint(
                condition=Q(origin="policy", claim__isnull=False, decision__isnull=False)
                | (Q(origin="history", claim__isnull=True, decision__isnull=True) & ~Q(source_system="")),
                name="grant_origin_decided_or_sourced",
            ),
        ]
        indexes = [
            models.Index(fields=["person", "year"]),
            # The public disclosure and the dashboards count the policy grants of a period: without
            # it each request scanned every grant (3,000,000 past ones in the benchmark: 0.3 s).
            models.Index(fields=["origin", "end_date"], name="grant_origin_end_date"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.subject}/{self.level_key} {self.year}"
