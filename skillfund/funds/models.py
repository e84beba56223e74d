"""The special account (专账, §4.2.a): fund sources, departments' budgets, and a double-entry ledger.

Every movement of money is a `Transaction` of two or more `Posting`s that sum to zero (debit
positive, credit negative). Each `Account` keeps its balance in its natural sign (debit-normal
accounts: debits minus credits; credit-normal: the reverse), and the database refuses a negative
one, so "a payment above the balance" cannot be written even by a buggy caller. Ledger rows are
append-only: a mistake is undone by a reversal — a new transaction with every posting negated —
never by an edit. On PostgreSQL triggers refuse UPDATE and DELETE on them and check at commit that
each transaction sums to zero (migration 0002); the booking core in `funds/ledger.py` checks it too.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 14, "decimal_places": 2}


class FundSource(models.Model):
    """§4.2.c: where the special account's money comes from."""

    class Kind(models.TextChoices):
        EMPLOYMENT_SUBSIDY = "employment_subsidy", _("employment subsidy fund (就业补助资金)")
        UI_SURPLUS = "ui_surplus", _("unemployment-insurance fund surplus (失业保险基金结余)")
        TALENT = "talent", _("talent fund (人才资金)")
        INDUSTRY = "industry", _("industry training fund (行业产业资金)")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    name_en = models.CharField(_("English name"), max_length=160, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    clause = models.CharField(_("clause"), max_length=20, default="§4.2.c")

    class Meta:
        verbose_name = _("fund source")
        verbose_name_plural = _("fund sources")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Account(models.Model):
    """One account of the special account's chart; created on demand by `funds.chart.account_for`."""

    class Kind(models.TextChoices):
        ASSET = "asset", _("asset")
        LIABILITY = "liability", _("liability")
        EQUITY = "equity", _("fund balance")
        INCOME = "income", _("income")
        EXPENSE = "expense", _("expense")

    class Normal(models.TextChoices):
        DEBIT = "debit", _("debit")
        CREDIT = "credit", _("credit")

    code = models.CharField(_("account code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=160)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    normal = models.CharField(_("normal side"), max_length=6, choices=Normal.choices)
    balance = models.DecimalField(_("balance (CNY)"), default=0, **MONEY)
    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="fund_accounts",
        verbose_name=_("organization"),
    )
    person = models.ForeignKey(
        "registry.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="fund_accounts",
        verbose_name=_("person"),
    )
    fund_source = models.ForeignKey(
        FundSource,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="accounts",
        verbose_name=_("fund source"),
    )

    class Meta:
        verbose_name = _("ledger account")
        verbose_name_plural = _("ledger accounts")
        ordering = ["code"]
        constraints = [
            # The special account never pays out money it does not hold (§4.2.a), an advance is
            # never settled twice, a recovery never collected twice.
            models.CheckConstraint(condition=Q(balance__gte=0), name="fund_account_balance_not_negative"),
            models.CheckConstraint(
                condition=Q(organization__isnull=True) | Q(person__isnull=True), name="fund_account_one_party"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def natural(self, amount: Any) -> Any:
        """A posting's effect on this account's balance in its natural sign."""
        return amount if self.normal == self.Normal.DEBIT else -amount


class _AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> NoReturn:
        raise TypeError(f"{self.model._meta.label} rows are append-only; post a reversal instead")

    def delete(self) -> NoReturn:
        raise TypeError(f"{self.model._meta.label} rows are append-only; post a reversal instead")


class _AppendOnly(models.Model):
    objects = _AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise TypeError(f"{self._meta.label} rows are append-only; post a reversal instead")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError(f"{self._meta.label} rows are append-only; post a reversal instead")


class Transaction(_AppendOnly):
    class Kind(models.TextChoices):
        FUNDING = "funding", _("funding received (§4.2.c)")
        ADVANCE = "advance", _("advance (§3.3.h)")
        SETTLEMENT = "settlement", _("settlement after completion")
        PAYMENT = "payment", _("payment")
        OFFSET = "offset", _("payment offset against a recovery")
        RECOVERY = "recovery", _("recovery of a false claim (§4.3.b)")
        RECOVERY_RECEIPT = "recovery_receipt", _("recovered money received")
        REVERSAL = "reversal", _("reversal")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, db_index=True)
    at = models.DateTimeField(_("booked at"), db_index=True)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    memo = models.CharField(_("memo"), max_length=300, blank=True)
    # What the money is for, kept generic ("training.classplan", "claims.claim", …) so the review
    # chain can point at its own records later without a migration here.
    subject_type = models.CharField(_("subject type"), max_length=60, blank=True)
    subject_id = models.CharField(_("subject id"), max_length=64, blank=True)
    # Who is paid (or owes a recovery), and the department the spending counts toward (§4.3.a).
    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="fund_transactions",
        verbose_name=_("payee organization"),
    )
    person = models.ForeignKey(
        "registry.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="fund_transactions",
        verbose_name=_("payee person"),
    )
    department = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible department"),
    )
    reverses = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversal",
        verbose_name=_("reverses"),
    )
    idempotency_key = models.CharField(_("idempotency key"), max_length=100, unique=True, null=True, blank=True)
    fingerprint = models.CharField(
        max_length=64,
        help_text=_("Hash of the request, to tell a retry from a conflict"),
        verbose_name=_("fingerprint"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )

    class Meta:
        verbose_name = _("ledger transaction")
        verbose_name_plural = _("ledger transactions")
        ordering = ["-id"]
        default_permissions = ("view", "add")
        constraints = [
            models.CheckConstraint(
                condition=Q(organization__isnull=True) | Q(person__isnull=True), name="fund_transaction_one_payee"
            ),
            models.CheckConstraint(
                condition=Q(reverses__isnull=True) | Q(kind="reversal"), name="fund_transaction_reverses_is_reversal"
            ),
        ]
        indexes = [models.Index(fields=["subject_type", "subject_id"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def payee(self) -> Any:
        return self.organization or self.person


class Posting(_AppendOnly):
    transaction = models.ForeignKey(
        Transaction, on_delete=models.PROTECT, related_name="postings", verbose_name=_("transaction")
    )
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="postings", verbose_name=_("account"))
    amount = models.DecimalField(_("amount (CNY, debit +, credit −)"), **MONEY)

    class Meta:
        verbose_name = _("posting")
        verbose_name_plural = _("postings")
        ordering = ["transaction_id", "id"]
        default_permissions = ("view", "add")
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="fund_posting_not_zero")]

    def __str__(self) -> str:
        return f"{self.account.code} {self.amount:+}"


class DepartmentBudget(models.Model):
    """A department's annual training plan and subsidy budget (§4.2.b), reported to finance by the
    deadline its programme file sets (Ordos: end of November 2019 for 2019, end of February of the
    year from 2020), fixed here when first reported."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("submitted")
        APPROVED = "approved", _("approved")

    department = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        related_name="budgets",
        verbose_name=_("department"),
        limit_choices_to={"kind": "government"},
    )
    year = models.PositiveSmallIntegerField(_("year"))
    planned_trainees = models.PositiveIntegerField(_("planned trainees (person-times)"))
    amount = models.DecimalField(_("subsidy budget (CNY)"), **MONEY)
    first_submitted_at = models.DateTimeField(_("first submitted at"))
    submitted_at = models.DateTimeField(_("last submitted at"))
    deadline = models.DateField(_("deadline"), help_text="§4.2.b")
    late = models.BooleanField(_("late"), default=False, help_text=_("First reported after the deadline (§4.2.b)"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("department budget")
        verbose_name_plural = _("department budgets")
        ordering = ["-year", "department"]
        constraints = [
            models.UniqueConstraint(fields=["department", "year"], name="fund_budget_one_per_department_year"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="fund_budget_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(submitted_at__gte=F("first_submitted_at")), name="fund_budget_submissions_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.department} {self.year}"


class PaymentBatch(models.Model):
    """Approved applications that finance pays together and sends to the bank as one payment file
    (§4.3.d: "report to finance, which disburses"). Whether a batch is complete is derived from its
    lines (`funds.payments.batch_status`), not stored."""

    reference = models.CharField(_("batch reference"), max_length=40, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # The finance officer's confirmation with the second factor before paying (web pages;
    # `funds.payments.payment_batch_confirm`). A batch created with `confirmation_required` is paid
    # only once confirmed; the API's and the back office's batches predate the step.
    confirmation_required = models.BooleanField(_("confirmation required"), default=False)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )

    class Meta:
        verbose_name = _("payment batch")
        verbose_name_plural = _("payment batches")
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.reference


class PaymentLine(models.Model):
    """One approved application in a batch: who is paid, how much, and — once paid — the ledger
    transaction and, later, the bank's reference. The amount rule is in `funds.payments`."""

    batch = models.ForeignKey(PaymentBatch, on_delete=models.PROTECT, related_name="lines", verbose_name=_("batch"))
    application = models.ForeignKey(
        "claims.Application", on_delete=models.PROTECT, related_name="payment_lines", verbose_name=_("application")
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("payee organization"),
    )
    person = models.ForeignKey(
        "registry.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("payee person"),
    )
    granted = models.DecimalField(_("granted (CNY)"), **MONEY)
    advance = models.DecimalField(_("advance deducted (CNY)"), default=0, **MONEY)
    amount = models.DecimalField(_("amount due (CNY)"), **MONEY)
    transaction = models.OneToOneField(
        Transaction,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payment_line",
        verbose_name=_("ledger transaction"),
    )
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    bank_reference = models.CharField(_("bank reference"), max_length=60, blank=True)
    refused_code = models.CharField(_("last refusal"), max_length=40, blank=True)
    refused_reason = models.CharField(_("reason"), max_length=300, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("payment line")
        verbose_name_plural = _("payment lines")
        ordering = ["batch_id", "id"]
        constraints = [
            # An application is in at most one live (not cancelled) line: never batched twice.
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(cancelled_at__isnull=True),
                name="payment_line_one_live_per_application",
            ),
            models.CheckConstraint(
                condition=Q(organization__isnull=False, person__isnull=True)
                | Q(organization__isnull=True, person__isnull=False),
                name="payment_line_one_payee",
            ),
            models.CheckConstraint(
                condition=Q(granted__gte=0, advance__gte=0, amount__gte=0) & Q(amount=F("granted") - F("advance")),
                name="payment_line_amount_is_granted_less_advance",
            ),
            models.CheckConstraint(
                condition=Q(transaction__isnull=True, paid_at__isnull=True)
                | Q(transaction__isnull=False, paid_at__isnull=False),
                name="payment_line_paid_with_transaction",
            ),
            models.CheckConstraint(
                condition=Q(cancelled_at__isnull=True) | Q(transaction__isnull=True),
                name="payment_line_paid_not_cancelled",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}/{self.application_id} {self.amount}"

    @property
    def payee(self) -> Any:
        return self.organization or self.person


class BankAccount(models.Model):
    """A payee's bank account: an organization's (institutions, enterprises) or a person's (for the
    living allowance, §3.3.f). The number is kept only as AES-GCM ciphertext plus a masked form
    (`funds.bankaccounts`); it is decrypted for one thing only, the bank file finance generates.
    One current account per payee; setting it again replaces it (audited, without the number)."""

    organization = models.OneToOneField(
        "organizations.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bank_account",
        verbose_name=_("organization"),
    )
    person = models.OneToOneField(
        "registry.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bank_account",
        verbose_name=_("person"),
    )
    account_name = models.CharField(_("account name"), max_length=120)
    bank_name = models.CharField(_("bank"), max_length=120)
    number_cipher = models.BinaryField(_("account number (encrypted)"), editable=False)
    number_masked = models.CharField(_("account number"), max_length=40, editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("bank account")
        verbose_name_plural = _("bank accounts")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(organization__isnull=False, person__isnull=True)
                | Q(organization__isnull=True, person__isnull=False),
                name="fund_bank_account_one_party",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bank_name} {self.number_masked}"

    @property
    def party(self) -> Any:
        return self.organization or self.person

    @property
    def audit_label(self) -> str:
        """Never the number: the audit log names an account by its payee and masked form."""
        party = f"org#{self.organization_id}" if self.organization_id else f"person#{self.person_id}"
        return f"bankaccount#{self.pk} {party} {self.number_masked}"
