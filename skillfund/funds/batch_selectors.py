"""Reads for the finance pages' payment batches (funds/payments.py writes them): the approved
applications ready to pay, the batches with their progress, and a batch's lines with the payees'
masked bank accounts. Each is a fixed number of queries, whatever the number of rows."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from skillfund.accounts import scoping
from skillfund.claims.models import Application
from skillfund.claims.workflow import Status
from skillfund.funds import bankaccounts
from skillfund.funds.models import MONEY, PaymentBatch, PaymentLine
from skillfund.funds.selectors import cents

ZERO = Decimal("0.00")
_MONEY = DecimalField(**MONEY)


def payable_applications(
    user: Any, *, department: int | None = None, kind: str = "", q: str = ""
) -> QuerySet[Application]:
    """Approved applications in no live payment line, which the user may see, with `granted` (the
    subsidies plus living allowances granted, what `payment_batch_create` puts on the line before
    any advance) and `approved_at` (the approval step's time), longest waiting first. Both are
    columns the grant and the approval step store (claims.actions.store_granted, review._move):
    summed per row over the claims' grants they cost 0.7 s a page at 1,000,000 claims."""
    qs = (
        scoping.applications_visible_to(user)
        .filter(status=Status.APPROVED)
        .exclude(pk__in=PaymentLine.objects.filter(cancelled_at__isnull=True).values("application_id"))
        .select_related("department", "applicant", "person", "class_plan")
    )
    if department:
        qs = qs.filter(department_id=department)
    if kind:
        qs = qs.filter(kind=kind)
    if q:
        qs = qs.filter(Q(reference__icontains=q) | Q(applicant__name__icontains=q) | Q(person__name__icontains=q))
    return qs.order_by("approved_at", "pk")


def payable_totals(applications: QuerySet[Application]) -> tuple[int, Decimal]:
    """(count, Σ granted) of a `payable_applications` query, in one query."""
    totals = applications.order_by().aggregate(count=Count("pk"), total=Sum("granted"))
    return totals["count"] or 0, cents(totals["total"] or ZERO)


def batches(user: Any) -> QuerySet[PaymentBatch]:
    """The batches the user may read, newest first, each with its line counts and amounts."""
    live = Q(lines__cancelled_at__isnull=True)
    paid = Q(lines__transaction__isnull=False)
    return (
        scoping.payment_batches_visible_to(user)
        .select_related("created_by", "confirmed_by")
        .annotate(
            live_lines=Count("lines", filter=live),
            paid_lines=Count("lines", filter=paid),
            refused_lines=Count("lines", filter=live & Q(lines__transaction__isnull=True) & ~Q(lines__refused_code="")),
            cancelled_lines=Count("lines", filter=Q(lines__cancelled_at__isnull=False)),
            amount=Coalesce(Sum("lines__amount", filter=live), Value(ZERO), output_field=_MONEY),
            paid_amount=Coalesce(Sum("lines__amount", filter=paid), Value(ZERO), output_field=_MONEY),
        )
        .order_by("-pk")
    )


@dataclass(frozen=True)
class Progress:
    live: int
    paid: int
    refused: int
    cancelled: int

    @property
    def unpaid(self) -> int:
        return self.live - self.paid

    @property
    def pending(self) -> int:
        """Lines still to try in this run: neither paid nor refused."""
        return self.live - self.paid - self.refused

    @property
    def percent(self) -> int:
        return 100 if not self.live else round(100 * self.paid / self.live)

    @property
    def state(self) -> str:
        """ "empty", "paying" (lines to try), "refused" (only refused lines unpaid), "completed"."""
        if not self.live:
            return "empty"
        if self.paid == self.live:
            return "completed"
        return "paying" if self.pending else "refused"


def progress(batch: PaymentBatch) -> Progress:
    live = Q(cancelled_at__isnull=True)
    counts = PaymentLine.objects.filter(batch=batch).aggregate(
        live=Count("pk", filter=live),
        paid=Count("pk", filter=Q(transaction__isnull=False)),
        refused=Count("pk", filter=live & Q(transaction__isnull=True) & ~Q(refused_code="")),
        cancelled=Count("pk", filter=Q(cancelled_at__isnull=False)),
    )
    return Progress(**counts)


def batch_lines(batch: PaymentBatch) -> QuerySet[PaymentLine]:
    return (
        PaymentLine.objects.filter(batch=batch)
        .select_related("application__department", "application__class_plan", "organization", "person")
        .order_by("pk")
    )


def with_accounts(lines: list[PaymentLine]) -> list[PaymentLine]:
    """Set `line.bank_account` (masked; None when the payee has none on record), in one query."""
    accounts = bankaccounts.accounts_of(
        organizations=[line.organization_id for line in lines if line.organization_id],
        persons=[line.person_id for line in lines if line.person_id],
    )
    for line in lines:
        line.bank_account = accounts.get(bankaccounts.key_of(line))
    return lines


def line_clauses(line: PaymentLine) -> list[str]:
    """The clauses a line pays under: disbursement after approval (§4.3.d), and the advance it
    deducts (§3.3.h)."""
    return ["§4.3.d", *(["§3.3.h"] if line.advance else [])]
