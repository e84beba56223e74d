"""Reads on the special account: balances, the trial balance, the ledger's own consistency checks,
and fund use by source, department and subject for the public disclosure of fund use (§4.3.a)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, Model, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, Round

from skillfund.funds.chart import party_code
from skillfund.funds.models import MONEY, Account, Posting, Transaction
from skillfund.organizations.models import Organization
from skillfund.registry.models import Person

ZERO, CENT = Decimal("0.00"), Decimal("0.01")
_SUM = Coalesce(Sum("amount"), Value(ZERO), output_field=DecimalField(**MONEY))
# Rounded to the cent because SQLite sums decimals in floating point (PostgreSQL's numeric is exact).
_SUM_OF_POSTINGS = Round(Coalesce(Sum("postings__amount"), Value(ZERO), output_field=DecimalField(**MONEY)), 2)


def cents(value: Any) -> Decimal:
    """A sum read back from the database, to the cent: SQLite adds decimals in floating point, so
    0.07 - 0.01 - 0.06 comes back as 7e-18 there (PostgreSQL's numeric is exact)."""
    return Decimal(value or 0).quantize(CENT)


def subject_ref(subject: Model | tuple[str, Any] | None) -> tuple[str, str]:
    """("training.classplan", "12") for a record, ("", "") for none; a (type, id) pair as given."""
    if subject is None:
        return "", ""
    if isinstance(subject, Model):
        return subject._meta.label_lower, str(subject.pk)
    kind, pk = subject
    return str(kind), str(pk)


def _party_filter(party: Organization | Person, prefix: str = "") -> Q:
    field = "person" if isinstance(party, Person) else "organization"
    return Q(**{f"{prefix}{field}": party})


def transactions_for(subject: Any, party: Organization | Person) -> QuerySet[Transaction]:
    subject_type, subject_id = subject_ref(subject)
    return Transaction.objects.filter(_party_filter(party), subject_type=subject_type, subject_id=subject_id)


def live_exists(kinds: list[str], subject: Any, party: Organization | Person) -> bool:
    """Has a transaction of these kinds for this subject and party been booked and not reversed?"""
    return transactions_for(subject, party).filter(kind__in=kinds, reversal__isnull=True).exists()


def department_paid_for(subject: Any, party: Organization | Person) -> Organization | None:
    """The department an earlier payment for this subject and payee counted toward."""
    booked = transactions_for(subject, party).exclude(department=None).select_related("department").first()
    return booked.department if booked else None


def _posted(account_code: str, subject: Any, party: Organization | Person) -> Decimal:
    subject_type, subject_id = subject_ref(subject)
    total = Posting.objects.filter(
        _party_filter(party, "transaction__"),
        account__code=account_code,
        transaction__subject_type=subject_type,
        transaction__subject_id=subject_id,
    ).aggregate(total=_SUM)["total"]
    return cents(total)


def outstanding_advance(organization: Organization, subject: Any) -> Decimal:
    """Advanced to the organization for this subject and not yet settled (§3.3.h)."""
    return _posted(f"advance:{party_code(organization)}", subject, organization)


def net_paid(party: Organization | Person, subject: Any) -> Decimal:
    """Subsidy expense for this subject and payee, net of recoveries: the most §4.3.b can recover."""
    return _posted("expense:subsidies", subject, party)


# ---- balances and the ledger's invariants --------------------------------------------------------


def balances() -> QuerySet[Account]:
    return Account.objects.order_by("code")


@dataclass(frozen=True)
class TrialBalance:
    debits: Decimal
    credits: Decimal  # as a positive number

    @property
    def difference(self) -> Decimal:
        return self.debits - self.credits


def trial_balance() -> TrialBalance:
    """All debits and all credits ever posted: in a double-entry ledger they are equal."""
    sums = Posting.objects.aggregate(
        debits=Coalesce(Sum("amount", filter=Q(amount__gt=0)), Value(ZERO), output_field=DecimalField(**MONEY)),
        credits=Coalesce(Sum("amount", filter=Q(amount__lt=0)), Value(ZERO), output_field=DecimalField(**MONEY)),
    )
    return TrialBalance(debits=cents(sums["debits"]), credits=-cents(sums["credits"]))


def ledger_problems() -> list[str]:
    """Everything that would be wrong with the ledger, in words; an empty list when it is sound.
    The database holds these on PostgreSQL; this is the check a person (or a test) can run."""
    problems = []
    unbalanced = Transaction.objects.annotate(total=_SUM_OF_POSTINGS, lines=Count("postings")).filter(
        ~Q(total=0) | Q(lines__lt=2)
    )
    problems += [f"transaction {t.pk}: {t.lines} postings summing to {t.total}" for t in unbalanced]
    posted = dict(Posting.objects.values_list("account_id").annotate(total=Sum("amount")).order_by())
    for account in Account.objects.order_by("pk"):
        expected = account.natural(cents(posted.get(account.pk)))
        if account.balance != expected:
            problems.append(f"account {account.code}: balance {account.balance}, postings say {expected}")
        if account.balance < 0:
            problems.append(f"account {account.code}: negative balance {account.balance}")
    difference = trial_balance().difference
    if difference:
        problems.append(f"trial balance off by {difference}")
    return problems


# ---- fund use (§4.3.a) ---------------------------------------------------------------------------


def _in_year(qs: QuerySet[Posting], year: int | None) -> QuerySet[Posting]:
    return qs if year is None else qs.filter(transaction__at__year=year)


def fund_received_by_source(*, year: int | None = None) -> list[dict[str, Any]]:
    """Received from each source (§4.2.c), net of reversals."""
    rows = (
        _in_year(Posting.objects.filter(account__fund_source__isnull=False), year)
        .values("account__fund_source__code", "account__fund_source__name")
        .annotate(total=Sum("amount"))
        .order_by("account__fund_source__code")
    )
    return [
        {
            "code": r["account__fund_source__code"],
            "name": r["account__fund_source__name"],
            "received": -cents(r["total"]),
        }
        for r in rows
    ]


def fund_use_by_department(*, year: int | None = None) -> list[dict[str, Any]]:
    """Subsidies paid (net of recoveries) by the department the spending counts toward."""
    rows = (
        _in_year(Posting.objects.filter(account__code="expense:subsidies"), year)
        .values("transaction__department_id", "transaction__department__name")
        .annotate(total=Sum("amount"))
        .order_by("transaction__department__name")
    )
    return [
        {
            "department_id": r["transaction__department_id"],
            "name": r["transaction__department__name"],
            "paid": cents(r["total"]),
        }
        for r in rows
    ]


def fund_use_by_subject(*, year: int | None = None) -> list[dict[str, Any]]:
    """Subsidies paid (net of recoveries) and advances outstanding, by what they paid for."""
    rows = (
        _in_year(
            Posting.objects.filter(Q(account__code="expense:subsidies") | Q(account__code__startswith="advance:")), year
        )
        .values("transaction__subject_type", "transaction__subject_id")
        .annotate(
            paid=Coalesce(Sum("amount", filter=Q(account__code="expense:subsidies")), Value(ZERO)),
            advanced=Coalesce(Sum("amount", filter=Q(account__code__startswith="advance:")), Value(ZERO)),
        )
        .order_by("transaction__subject_type", "transaction__subject_id")
    )
    return [
        {
            "subject_type": r["transaction__subject_type"],
            "subject_id": r["transaction__subject_id"],
            "paid": cents(r["paid"]),
            "advance_outstanding": cents(r["advanced"]),
        }
        for r in rows
    ]
