"""Money out of the special account: the §3.3.h advance on a class and its settlement, and
subsidy payments, one at a time (`pay`) or many in one transaction (`pay_many`, which the payment
batches of `payments` book through). A payment first keeps back whatever the payee owes from a
§4.3.b recovery (offset). Each action is one transaction leaving one audit record, booked through
the core in `ledger`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from skillfund.core.errors import DomainError
from skillfund.funds import selectors
from skillfund.funds.chart import Chart, account_for, accounts_for, party_code
from skillfund.funds.ledger import (
    ZERO,
    Kind,
    Line,
    Party,
    _audit_booking,
    _book,
    _department_of,
    _ensure_finance,
    _insufficient,
    _money,
    _party,
    _Request,
    _require,
    _start,
    _user,
    _validated,
    lock_accounts,
    round_half_up,
)
from skillfund.funds.models import Account, Posting, Transaction
from skillfund.organizations.models import Organization
from skillfund.policy.parameters import default_parameters
from skillfund.registry.models import Person
from skillfund.training.models import ClassPlan

# ---- the §3.3.h advance and settlement -------------------------------------------------------------


@transaction.atomic
def advance_pay(
    *,
    organization: Organization,
    amount_total: Decimal,
    subject: ClassPlan,
    actor: Any,
    idempotency_key: str | None = None,
    on: date | None = None,
    memo: str = "",
    at: datetime | None = None,
) -> Transaction:
    """Pay the advance share (advance_ratio, 60% since 2019-11-28) of a project-based or
    enterprise-run class's total subsidy once its plan is approved (§3.3.h)."""
    _ensure_finance(actor)
    amount_total = _money(amount_total, name="补贴总额 / total subsidy")
    if not isinstance(subject, ClassPlan):
        raise DomainError(
            "advance_subject", "预拨须针对开班计划", "an advance is paid for a class plan", clause="§3.3.h"
        )
    plan = ClassPlan.objects.get(pk=subject.pk)
    if plan.funding_mode not in (ClassPlan.FundingMode.PROJECT, ClassPlan.FundingMode.ENTERPRISE):
        raise DomainError(
            "advance_not_allowed",
            f"开班计划 {plan.code} 为{plan.get_funding_mode_display()}，只有项目制和企业自主培训可预拨",
            f"class plan {plan.code} is {plan.funding_mode}; only project-based and enterprise-run training "
            "is paid in advance",
            clause="§3.3.h",
        )
    if plan.status != ClassPlan.Status.APPROVED:
        raise DomainError(
            "advance_not_allowed",
            f"开班计划 {plan.code} 为{plan.get_status_display()}状态，批准后方可预拨",
            f"class plan {plan.code} is {plan.status}; the advance is paid once the plan is approved",
            clause="§3.3.h",
        )
    if organization.pk not in (plan.institution_id, plan.enterprise_order_id):
        raise DomainError(
            "payee_invalid",
            f"{organization} 不是开班计划 {plan.code} 的培训机构或委托企业",
            f"{organization} neither runs nor ordered class plan {plan.code}",
        )
    ratio = default_parameters().value("advance_ratio", on=on or timezone.localdate())
    amount = round_half_up(amount_total * ratio)
    advance, cash = account_for(Chart.ADVANCE, organization=organization), account_for(Chart.CASH)
    req = _Request(
        kind=Kind.ADVANCE,
        actor=actor,
        key=idempotency_key,
        memo=memo,
        at=at,
        subject=plan,
        payee=organization,
        department=plan.department,
        content={"total": amount_total, "amount": amount},
    )
    booked, locked = _start(req, [advance, cash])
    if booked is not None:
        return booked
    if selectors.live_exists([Kind.ADVANCE, Kind.SETTLEMENT], plan, organization):
        raise DomainError(
            "advance_already_paid",
            f"开班计划 {plan.code} 已预拨或已结算",
            f"class plan {plan.code} already has an advance or a settlement",
            clause="§3.3.h",
        )
    return _book(
        req,
        [(advance, amount), (cash, -amount)],
        locked,
        after={"total": amount_total, "ratio": ratio, "amount": amount},
    )


@transaction.atomic
def settle(
    *,
    organization: Organization,
    total: Decimal,
    subject: Any,
    actor: Any,
    idempotency_key: str | None = None,
    department: Organization | None = None,
    memo: str = "",
    at: datetime | None = None,
) -> Transaction:
    """After the training: expense the total, clear the advance, pay the rest from cash. An advance
    above the final total becomes a receivable, recovered like a §4.3.b recovery."""
    _ensure_finance(actor)
    total = _money(total, name="结算总额 / total", at_least=ZERO)
    _require(subject is not None, "subject_required", "结算须注明所付事项", "a settlement names what it pays for")
    expense, cash = account_for(Chart.EXPENSE), account_for(Chart.CASH)
    advance = account_for(Chart.ADVANCE, organization=organization)
    receivable = account_for(Chart.RECEIVABLE, organization=organization)
    req = _Request(
        kind=Kind.SETTLEMENT,
        actor=actor,
        key=idempotency_key,
        memo=memo,
        at=at,
        subject=subject,
        payee=organization,
        department=_department_of(subject, department),
        content={"total": total},
    )
    booked, locked = _start(req, [expense, cash, advance, receivable])
    if booked is not None:
        return booked
    if selectors.live_exists([Kind.SETTLEMENT], subject, organization):
        raise DomainError("already_settled", "该事项已结算", f"{selectors.subject_ref(subject)} is already settled")
    outstanding = selectors.outstanding_advance(organization, subject)
    from_advance = min(outstanding, total)
    lines = [
        (expense, total),
        (advance, -outstanding),
        (cash, -(total - from_advance)),
        (receivable, outstanding - from_advance),
    ]
    if not any(x for _, x in lines):
        raise DomainError("nothing_to_settle", "结算金额为零且无预拨款", "nothing to settle: no total and no advance")
    return _book(
        req,
        lines,
        locked,
        after={
            "total": total,
            "advance": outstanding,
            "cash": total - from_advance,
            "owed": outstanding - from_advance,
        },
    )


# ---- payment and offset (§4.3.b) --------------------------------------------------------------------


@transaction.atomic
def pay(
    *,
    payee: Party,
    amount: Decimal,
    subject: Any,
    actor: Any,
    idempotency_key: str | None = None,
    department: Organization | None = None,
    memo: str = "",
    at: datetime | None = None,
) -> Transaction:
    """Pay a subsidy. Whatever the payee still owes from a recovery is kept back first (offset);
    the rest comes from cash."""
    _ensure_finance(actor)
    order = PaymentOrder(
        payee=payee, amount=amount, subject=subject, idempotency_key=idempotency_key, department=department, memo=memo
    )
    req = _payment_request(order, actor, at=at)
    payee, amount = req.payee, req.content["amount"]
    party = {"person" if isinstance(payee, Person) else "organization": payee}
    expense, cash = account_for(Chart.EXPENSE), account_for(Chart.CASH)
    receivable = account_for(Chart.RECEIVABLE, **party)
    booked, locked = _start(req, [expense, cash, receivable])
    if booked is not None:
        return booked
    if selectors.live_exists([Kind.PAYMENT, Kind.OFFSET], subject, payee):
        raise _already_paid(subject, payee)
    kind, lines, after = _payment_lines(amount, expense, locked[receivable.pk], cash)
    return _book(req, lines, locked, kind=kind, after=after)


@dataclass(frozen=True, kw_only=True)
class PaymentOrder:
    """One payment for `pay_many`: what `pay` takes, less the actor."""

    payee: Party
    amount: Decimal
    subject: Any
    idempotency_key: str | None = None
    department: Organization | None = None
    memo: str = ""


@transaction.atomic
def pay_many(*, orders: list[PaymentOrder], actor: Any) -> list[Transaction | DomainError]:
    """`pay` for many orders in one transaction. Each order, in turn, is booked exactly as `pay`
    would book it (same lines, offset, kind, fingerprint and audit record), or returns the
    transaction already booked under its key, or is refused with the error `pay` would raise; a
    refusal leaves the other orders alone. One result per order, in order.

    Why not `pay` in a loop: a batch of 1,000 would find and lock the accounts, read the key and
    the earlier payments 1,000 times each. Here each is one query for all the orders, and the
    transactions, postings and balances are written in bulk. Balances are checked in order against
    the balances read under the locks, so a payment that would overdraw cash is refused alone; the
    database's check constraint still refuses a negative balance."""
    _ensure_finance(actor)
    results: list[Transaction | DomainError | None] = [None] * len(orders)
    requests: dict[int, _Request] = {}
    for i, order in enumerate(orders):
        try:
            requests[i] = _payment_request(order, actor)
        except DomainError as exc:
            results[i] = exc
    expense, cash = account_for(Chart.EXPENSE), account_for(Chart.CASH)
    receivables = accounts_for(Chart.RECEIVABLE, [req.payee for req in requests.values()])
    locked = lock_accounts([expense, cash, *receivables.values()])
    opening = {pk: account.balance for pk, account in locked.items()}
    booked = _booked_under_keys(requests.values())
    paid = _live_payments(requests.values())
    planned: list[tuple[int, _Request, str, list[Line], dict[str, Any]]] = []
    for i, req in requests.items():
        payment = (*selectors.subject_ref(req.subject), party_code(req.payee))
        if req.key in booked:  # a retry: the first booking, or a conflict (a different request)
            first = booked[req.key]
            results[i] = first if first.fingerprint == req.fingerprint else _key_conflict(req.key, first)
            continue
        if payment in paid:
            results[i] = _already_paid(req.subject, req.payee)
            continue
        receivable = locked[receivables[party_code(req.payee)].pk]
        kind, lines, after = _payment_lines(req.content["amount"], expense, receivable, cash)
        lines = _validated([(a, x) for a, x in lines if x])
        try:
            _apply_in_memory(lines, locked)
        except DomainError as exc:
            results[i] = exc
            continue
        paid.add(payment)
        if req.key:
            booked[req.key] = Transaction(fingerprint=req.fingerprint)  # a second order with this key
        planned.append((i, req, kind, lines, after))
    transactions = _write_bookings(planned, locked, opening)
    for (i, req, _, lines, after), txn in zip(planned, transactions, strict=True):
        results[i] = txn
        _audit_booking(req, txn, lines, after)
    # An order repeating a key booked earlier in this call returns that booking.
    by_key = {txn.idempotency_key: txn for txn in transactions if txn.idempotency_key}
    for i, req in requests.items():
        if isinstance(results[i], Transaction) and results[i].pk is None:
            results[i] = by_key[req.key]
    return results


def _payment_request(order: PaymentOrder, actor: Any, *, at: datetime | None = None) -> _Request:
    """A payment's booking request, checked: what `pay` and each order of `pay_many` book."""
    payee = _party(order.payee)
    amount = _money(order.amount, name="金额 / amount")
    _require(order.subject is not None, "subject_required", "付款须注明所付事项", "a payment names what it pays for")
    return _Request(
        kind=Kind.PAYMENT,
        actor=actor,
        key=order.idempotency_key,
        memo=order.memo,
        at=at,
        subject=order.subject,
        payee=payee,
        department=_department_of(order.subject, order.department),
        content={"amount": amount},
    )


def _payment_lines(
    amount: Decimal, expense: Account, receivable: Account, cash: Account
) -> tuple[str, list[Line], dict[str, Any]]:
    """A payment's kind, lines and audited figures: what the payee owes (`receivable` as read under
    its lock) is kept back first (an offset), the rest comes from cash. Lines may be zero."""
    offset = min(receivable.balance, amount)
    lines = [(expense, amount), (receivable, -offset), (cash, -(amount - offset))]
    after = {"amount": amount, "offset": offset, "cash": amount - offset}
    return Kind.OFFSET if offset else Kind.PAYMENT, lines, after


def _already_paid(subject: Any, payee: Party) -> DomainError:
    return DomainError("already_paid", "该事项已付款", f"{selectors.subject_ref(subject)} is already paid to {payee}")


def _key_conflict(key: str, booked: Transaction) -> DomainError:
    return DomainError(
        "idempotency_conflict",
        f"幂等键 {key} 已用于另一笔不同的交易（#{booked.pk}），未记账",
        f"idempotency key {key} was used for a different request (transaction #{booked.pk}); nothing booked",
    )


def _booked_under_keys(requests: Iterable[_Request]) -> dict[str, Transaction]:
    keys = [req.key for req in requests if req.key]
    return {t.idempotency_key: t for t in Transaction.objects.filter(idempotency_key__in=keys)} if keys else {}


def _live_payments(requests: Iterable[_Request]) -> set[tuple[str, str, str]]:
    """(subject type, subject id, party code) of the live (unreversed) payments and offsets for
    these requests' subjects: `selectors.live_exists` for many subjects in one query."""
    refs = {selectors.subject_ref(req.subject) for req in requests}
    if not refs:
        return set()
    rows = Transaction.objects.filter(
        kind__in=[Kind.PAYMENT, Kind.OFFSET],
        reversal__isnull=True,
        subject_type__in={t for t, _ in refs},
        subject_id__in={i for _, i in refs},
    ).values_list("subject_type", "subject_id", "organization_id", "person_id")
    return {(t, i, f"org:{org}" if org else f"person:{person}") for t, i, org, person in rows}


def _apply_in_memory(lines: list[Line], locked: dict[int, Account]) -> None:
    """Move the locked accounts' balances by the lines, or refuse (changing nothing) if one would
    go negative — the error the database's check constraint leads `_book` to raise."""
    changes: dict[int, Decimal] = defaultdict(Decimal)
    for account, amount in lines:
        changes[account.pk] += locked[account.pk].natural(amount)
    for pk, change in changes.items():
        if locked[pk].balance + change < 0:
            raise _insufficient(locked[pk], change)
    for pk, change in changes.items():
        locked[pk].balance += change


def _write_bookings(
    planned: list[tuple[int, _Request, str, list[Line], dict[str, Any]]],
    locked: dict[int, Account],
    opening: dict[int, Decimal],
) -> list[Transaction]:
    """Insert the planned transactions and their postings, and set each account moved to its new
    balance (only if it still holds the balance read under its lock, as `_book` does)."""
    transactions = Transaction.objects.bulk_create(
        Transaction(
            kind=kind,
            at=timezone.now(),
            memo=req.memo[:300],
            subject_type=selectors.subject_ref(req.subject)[0],
            subject_id=selectors.subject_ref(req.subject)[1],
            organization=req.payee if isinstance(req.payee, Organization) else None,
            person=req.payee if isinstance(req.payee, Person) else None,
            department=req.department,
            idempotency_key=req.key,
            fingerprint=req.fingerprint,
            actor=_user(req.actor),
        )
        for _, req, kind, _, _ in planned
    )
    Posting.objects.bulk_create(
        Posting(transaction=txn, account=a, amount=x)
        for txn, (_, _, _, lines, _) in zip(transactions, planned, strict=True)
        for a, x in lines
    )
    for pk in sorted(pk for pk, account in locked.items() if account.balance != opening[pk]):
        updated = Account.objects.filter(pk=pk, balance=opening[pk]).update(balance=locked[pk].balance)
        if updated != 1:
            raise RuntimeError(f"account {locked[pk].code} changed while locked")
    return transactions
