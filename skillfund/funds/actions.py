"""Writes on the special account (§4.2). Each action is one transaction leaving one audit record.

`ledger_post` is the one way into the ledger; the domain actions (funding, the §3.3.h advance,
settlement, payment with offset, §4.3.b recovery, reversal) decide the lines and call the same
core. Every write locks the accounts it touches in a fixed order (by id), so concurrent payments
serialise on the cash account and cannot deadlock; the database's check constraint refuses a
negative balance, so a payment above the balance is an error and writes nothing.

Idempotency: a request carrying a key books once. A retry with the same key and the same request
returns the first transaction (and records nothing new); the same key with a different request is
refused (`idempotency_conflict`).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from skillfund.accounts import permissions
from skillfund.accounts.models import Role
from skillfund.accounts.scoping import role_of
from skillfund.core import audit
from skillfund.core.errors import DomainError
from skillfund.funds import selectors
from skillfund.funds.chart import Chart, account_for, accounts_for, party_code
from skillfund.funds.models import Account, DepartmentBudget, FundSource, Posting, Transaction
from skillfund.organizations.models import Organization
from skillfund.policy.parameters import default_parameters
from skillfund.registry.models import Person
from skillfund.training.models import ClassPlan

Kind = Transaction.Kind
Line = tuple[Account, Decimal]
Party = Organization | Person

ZERO, CENT = Decimal("0.00"), Decimal("0.01")
LIMIT = Decimal("1000000000000")  # 14 digits, 2 of them after the point
FIRST_BUDGET_YEAR = 2019


def round_half_up(value: Decimal, places: int = 2) -> Decimal:
    """Money rounding as the finance bureau does it (四舍五入), not banker's rounding."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


# ---- checks shared by every action --------------------------------------------------------------


def _money(value: Any, *, name: str, at_least: Decimal | None = CENT) -> Decimal:
    """A Decimal amount of whole cents (never a float: 0.1 + 0.2 is not 0.3), at least `at_least`
    (a cent by default; None for a signed ledger line)."""
    if isinstance(value, bool) or not isinstance(value, Decimal) or not value.is_finite():
        raise DomainError("amount_invalid", f"{name}须为十进制金额：{value!r}", f"{name} must be a Decimal: {value!r}")
    try:
        exact = abs(value) < LIMIT and value.quantize(CENT) == value
    except InvalidOperation:
        exact = False
    if not exact:
        raise DomainError(
            "amount_invalid",
            f"{name}须精确到分且小于一万亿：{value}",
            f"{name} must be whole cents below 10^12: {value}",
        )
    if at_least is not None and value < at_least:
        raise DomainError(
            "amount_invalid", f"{name}须不小于 {at_least}：{value}", f"{name} must be at least {at_least}: {value}"
        )
    return value.quantize(CENT)


def _ensure_finance(actor: Any) -> None:
    """§4.1: finance disburses the funds. The platform itself (actor None) acts for it."""
    if actor is not None and not permissions.allowed(actor, "funds.transaction", "add"):
        raise DomainError(
            "not_permitted",
            f"用户 {getattr(actor, 'username', '')} 无权办理专账收支，须由财政部门办理",
            f"user {getattr(actor, 'username', '')} may not move money in the special account; finance does",
            clause="§4.1",
        )


def _require(value: Any, code: str, zh: str, en: str) -> None:
    if not value:
        raise DomainError(code, zh, en)


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def _department_of(subject: Any, department: Organization | None) -> Organization | None:
    """The department the spending counts toward: given, or the subject's own (a class plan's or
    a claim's responsible department)."""
    if department is not None:
        return department
    candidate = getattr(subject, "department", None)
    return candidate if isinstance(candidate, Organization) else None


def _party(payee: Any) -> Party:
    if not isinstance(payee, Organization | Person) or payee.pk is None:
        raise DomainError(
            "payee_invalid",
            "收款方须为已登记的机构或人员",
            f"the payee must be a saved organization or person: {payee!r}",
        )
    return payee


# ---- the core every action books through ---------------------------------------------------------


@dataclass(kw_only=True)
class _Request:
    """One booking request: what the fingerprint covers and what the transaction row records."""

    kind: str
    actor: Any
    key: str | None = None
    memo: str = ""
    at: datetime | None = None
    subject: Any = None
    payee: Party | None = None
    department: Organization | None = None
    reverses: Transaction | None = None
    content: dict[str, Any] = field(default_factory=dict)

    @property
    def fingerprint(self) -> str:
        """What a retry must repeat exactly: the kind, the parties, the subject and the amounts."""
        payload = {
            "kind": self.kind,
            "subject": selectors.subject_ref(self.subject),
            "payee": None if self.payee is None else f"{self.payee._meta.label_lower}:{self.payee.pk}",
            "reverses": self.reverses.pk if self.reverses else None,
            **self.content,
        }
        text = json.dumps(payload, sort_keys=True, default=str, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


def _replay(req: _Request) -> Transaction | None:
    """The transaction already booked under this key, if the request is the same; else an error."""
    if req.key is None:
        return None
    booked = Transaction.objects.filter(idempotency_key=req.key).first()
    if booked is not None and booked.fingerprint != req.fingerprint:
        raise DomainError(
            "idempotency_conflict",
            f"幂等键 {req.key} 已用于另一笔不同的交易（#{booked.pk}），未记账",
            f"idempotency key {req.key} was used for a different request (transaction #{booked.pk}); nothing booked",
        )
    return booked


def _start(req: _Request, accounts: list[Account]) -> tuple[Transaction | None, dict[int, Account]]:
    """Either the first transaction under the request's key (a retry), or the accounts locked.

    The key is looked up again once the locks are held: a concurrent retry waits on the same locks
    and then finds the first one's transaction committed."""
    if (booked := _replay(req)) is not None:
        return booked, {}
    locked = lock_accounts(accounts)
    return _replay(req), locked


def lock_accounts(accounts: Iterable[Account]) -> dict[int, Account]:
    """Lock the accounts, in id order (the one order every write uses, so none deadlock), and
    return them as read under the locks. Locking an account this transaction holds never waits."""
    pks = {a.pk for a in accounts}
    return {a.pk: a for a in Account.objects.select_for_update().filter(pk__in=pks).order_by("pk")}


def _validated(lines: list[Line]) -> list[Line]:
    checked = []
    for account, amount in lines:
        if not isinstance(account, Account) or account.pk is None:
            raise DomainError("line_invalid", "分录须记入已有账户", f"a line names no saved account: {account!r}")
        amount = _money(amount, name=f"账户 {account.code} 的金额 / amount on {account.code}", at_least=None)
        if amount == 0:
            raise DomainError("line_invalid", f"账户 {account.code} 的分录金额为零", f"a zero line on {account.code}")
        checked.append((account, amount))
    if len(checked) < 2:
        raise DomainError("line_invalid", "一笔交易至少有借贷两条分录", "a transaction has at least two lines")
    total = sum((amount for _, amount in checked), Decimal(0))
    if total != 0:
        raise DomainError("unbalanced", f"借贷不平，相差 {total} 元", f"debits and credits differ by {total} CNY")
    return checked


def _insufficient(account: Account, change: Decimal) -> DomainError:
    return DomainError(
        "insufficient_balance",
        f"账户“{account.name}”（{account.code}）余额 {account.balance} 元，不足支出 {-change} 元；未记账",
        f"account {account.code} ({account.name}) holds {account.balance} CNY, not enough for {-change} CNY; "
        "nothing booked",
        clause="§4.2.a",
    )


def _book(
    req: _Request, lines: list[Line], locked: dict[int, Account], *, after: dict[str, Any], kind: str | None = None
) -> Transaction:
    """Write the transaction, its postings and the balances, and the one audit record. `kind`
    overrides the request's kind when the booking turns out different (a payment that offsets)."""
    kind = kind or req.kind
    lines = _validated([(a, x) for a, x in lines if x != 0])
    ref_type, ref_id = selectors.subject_ref(req.subject)
    payee = req.payee
    try:
        with transaction.atomic():
            txn = Transaction.objects.create(
                kind=kind,
                at=req.at or timezone.now(),
                memo=req.memo[:300],
                subject_type=ref_type,
                subject_id=ref_id,
                organization=payee if isinstance(payee, Organization) else None,
                person=payee if isinstance(payee, Person) else None,
                department=req.department,
                reverses=req.reverses,
                idempotency_key=req.key,
                fingerprint=req.fingerprint,
                actor=_user(req.actor),
            )
    except IntegrityError:
        if req.reverses is not None and Transaction.objects.filter(reverses=req.reverses).exists():
            raise _already_reversed(req.reverses) from None
        if (booked := _replay(req)) is not None:  # refuses a different request under the key
            return booked
        raise
    changes: dict[int, Decimal] = defaultdict(Decimal)
    for account, amount in lines:
        changes[account.pk] += locked[account.pk].natural(amount)
    for pk in sorted(changes):
        account = locked[pk]
        if not changes[pk]:
            continue
        # The new balance is computed here, exactly, from the row read under its lock (SQLite
        # would add decimals in floating point); the update only applies to that same balance.
        try:
            updated = Account.objects.filter(pk=pk, balance=account.balance).update(
                balance=account.balance + changes[pk]
            )
        except IntegrityError:  # fund_account_balance_not_negative; the action's savepoint rolls back
            raise _insufficient(account, changes[pk]) from None
        if updated != 1:
            raise RuntimeError(f"account {account.code} changed while locked")
    Posting.objects.bulk_create(Posting(transaction=txn, account=a, amount=x) for a, x in lines)
    _audit_booking(req, txn, lines, after)
    return txn


def _audit_booking(req: _Request, txn: Transaction, lines: list[Line], after: dict[str, Any]) -> None:
    """The one audit record of a booking: its lines, its subject and what the action decided."""
    audit.record(
        actor=req.actor,
        action=f"funds.{txn.kind}",
        target=txn,
        after={
            "lines": [[a.code, x] for a, x in lines],
            "subject": f"{txn.subject_type}:{txn.subject_id}" if txn.subject_type else "",
            **after,
        },
        reason=req.memo,
    )


def _check_kind(kind: str) -> None:
    if kind not in Kind.values or kind == Kind.REVERSAL:
        raise DomainError(
            "kind_invalid", f"交易类型无效：{kind}", f"unknown transaction kind {kind} (reverse with ledger_reverse)"
        )


@transaction.atomic
def ledger_post(
    *,
    kind: str,
    lines: list[Line],
    actor: Any,
    memo: str = "",
    subject: Any = None,
    payee: Party | None = None,
    department: Organization | None = None,
    idempotency_key: str | None = None,
    at: datetime | None = None,
) -> Transaction:
    """Book lines (debit positive, credit negative) that sum to zero, as one transaction."""
    _ensure_finance(actor)
    _check_kind(kind)
    lines = _validated(lines)
    req = _Request(
        kind=kind,
        actor=actor,
        key=idempotency_key,
        memo=memo,
        at=at,
        subject=subject,
        payee=payee and _party(payee),
        department=department,
        content={"lines": sorted((a.code, str(x)) for a, x in lines)},
    )
    booked, locked = _start(req, [a for a, _ in lines])
    if booked is not None:
        return booked
    return _book(req, lines, locked, after={})


def _already_reversed(original: Transaction) -> DomainError:
    return DomainError(
        "already_reversed",
        f"交易 #{original.pk} 已冲销，不能再次冲销",
        f"transaction #{original.pk} is already reversed",
    )


@transaction.atomic
def ledger_reverse(*, transaction: Transaction, actor: Any, reason: str) -> Transaction:
    """Undo a transaction by a new one with every posting negated; the original stays as it was."""
    _ensure_finance(actor)
    _require(reason.strip(), "reason_required", "冲销须说明理由", "a reversal needs a reason")
    original = Transaction.objects.get(pk=transaction.pk)
    if original.kind == Kind.REVERSAL:
        raise DomainError(
            "reversal_not_reversible",
            f"交易 #{original.pk} 本身是冲销，不能冲销；如需重新记账请另行办理",
            f"transaction #{original.pk} is a reversal; book the original again instead",
        )
    lines = [(p.account, -p.amount) for p in original.postings.select_related("account").order_by("pk")]
    req = _Request(
        kind=Kind.REVERSAL,
        actor=actor,
        memo=reason.strip(),
        subject=(original.subject_type, original.subject_id) if original.subject_type else None,
        payee=original.payee,
        department=original.department,
        reverses=original,
    )
    _, locked = _start(req, [a for a, _ in lines])
    if Transaction.objects.filter(reverses=original).exists():  # read under the locks
        raise _already_reversed(original)
    return _book(req, lines, locked, after={"reverses": original.pk})


# ---- money in -----------------------------------------------------------------------------------


@transaction.atomic
def fund_receive(
    *,
    source: FundSource,
    amount: Decimal,
    actor: Any,
    memo: str = "",
    at: datetime | None = None,
    idempotency_key: str | None = None,
) -> Transaction:
    """Money from a fund source (§4.2.c) arrives in the special account: Dr cash, Cr fund:<source>."""
    _ensure_finance(actor)
    amount = _money(amount, name="金额 / amount")
    cash, fund = account_for(Chart.CASH), account_for(Chart.FUND, source=source)
    req = _Request(
        kind=Kind.FUNDING,
        actor=actor,
        key=idempotency_key,
        memo=memo,
        at=at,
        content={"source": source.code, "amount": amount},
    )
    booked, locked = _start(req, [cash, fund])
    if booked is not None:
        return booked
    return _book(req, [(cash, amount), (fund, -amount)], locked, after={"source": source.code})


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


# ---- payment, recovery and offset (§4.3.b) ----------------------------------------------------------


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
    payee = _party(payee)
    amount = _money(amount, name="金额 / amount")
    _require(subject is not None, "subject_required", "付款须注明所付事项", "a payment names what it pays for")
    party = {"person" if isinstance(payee, Person) else "organization": payee}
    expense, cash = account_for(Chart.EXPENSE), account_for(Chart.CASH)
    receivable = account_for(Chart.RECEIVABLE, **party)
    req = _Request(
        kind=Kind.PAYMENT,
        actor=actor,
        key=idempotency_key,
        memo=memo,
        at=at,
        subject=subject,
        payee=payee,
        department=_department_of(subject, department),
        content={"amount": amount},
    )
    booked, locked = _start(req, [expense, cash, receivable])
    if booked is not None:
        return booked
    if selectors.live_exists([Kind.PAYMENT, Kind.OFFSET], subject, payee):
        raise DomainError(
            "already_paid", "该事项已付款", f"{selectors.subject_ref(subject)} is already paid to {payee}"
        )
    offset = min(locked[receivable.pk].balance, amount)
    lines = [(expense, amount), (receivable, -offset), (cash, -(amount - offset))]
    after = {"amount": amount, "offset": offset, "cash": amount - offset}
    return _book(req, lines, locked, kind=Kind.OFFSET if offset else Kind.PAYMENT, after=after)


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
            results[i] = DomainError(
                "already_paid", "该事项已付款", f"{selectors.subject_ref(req.subject)} is already paid to {req.payee}"
            )
            continue
        amount, receivable = req.content["amount"], locked[receivables[party_code(req.payee)].pk]
        offset = min(receivable.balance, amount)
        lines = _validated(
            [(a, x) for a, x in [(expense, amount), (receivable, -offset), (cash, offset - amount)] if x]
        )
        try:
            _apply_in_memory(lines, locked)
        except DomainError as exc:
            results[i] = exc
            continue
        paid.add(payment)
        if req.key:
            booked[req.key] = Transaction(fingerprint=req.fingerprint)  # a second order with this key
        kind = Kind.OFFSET if offset else Kind.PAYMENT
        planned.append((i, req, kind, lines, {"amount": amount, "offset": offset, "cash": amount - offset}))
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


def _payment_request(order: PaymentOrder, actor: Any) -> _Request:
    payee = _party(order.payee)
    amount = _money(order.amount, name="金额 / amount")
    _require(order.subject is not None, "subject_required", "付款须注明所付事项", "a payment names what it pays for")
    return _Request(
        kind=Kind.PAYMENT,
        actor=actor,
        key=order.idempotency_key,
        memo=order.memo,
        subject=order.subject,
        payee=payee,
        department=_department_of(order.subject, order.department),
        content={"amount": amount},
    )


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


@transaction.atomic
def recover(
    *,
    payee: Party,
    amount: Decimal,
    subject: Any,
    reason: str,
    actor: Any,
    idempotency_key: str | None = None,
    at: datetime | None = None,
) -> Transaction:
    """§4.3.b: a paid subsidy was obtained by false training. The payee owes it back (Dr receivable,
    Cr expense); it is collected by `recovery_receive` or kept back from the next payment."""
    _ensure_finance(actor)
    payee = _party(payee)
    amount = _money(amount, name="追回金额 / amount")
    _require(reason.strip(), "reason_required", "追回须说明理由", "a recovery needs a reason")
    _require(subject is not None, "subject_required", "追回须注明原付款事项", "a recovery names what was paid")
    party = {"person" if isinstance(payee, Person) else "organization": payee}
    receivable, expense = account_for(Chart.RECEIVABLE, **party), account_for(Chart.EXPENSE)
    req = _Request(
        kind=Kind.RECOVERY,
        actor=actor,
        key=idempotency_key,
        memo=reason.strip(),
        at=at,
        subject=subject,
        payee=payee,
        department=_department_of(subject, None),
        content={"amount": amount},
    )
    booked, locked = _start(req, [receivable, expense])
    if booked is not None:
        return booked
    paid = selectors.net_paid(payee, subject)
    if amount > paid:
        raise DomainError(
            "recovery_exceeds_paid",
            f"追回 {amount} 元超过已向 {payee} 支付的 {paid} 元",
            f"recovering {amount} CNY, but {paid} CNY was paid to {payee} for it",
            clause="§4.3.b",
        )
    # A recovery counts against the department the payment counted toward.
    req.department = req.department or selectors.department_paid_for(subject, payee)
    return _book(req, [(receivable, amount), (expense, -amount)], locked, after={"amount": amount, "paid": paid})


@transaction.atomic
def recovery_receive(
    *,
    payee: Party,
    amount: Decimal,
    actor: Any,
    idempotency_key: str | None = None,
    memo: str = "",
    at: datetime | None = None,
) -> Transaction:
    """Recovered money comes back to the special account: Dr cash, Cr receivable."""
    _ensure_finance(actor)
    payee = _party(payee)
    amount = _money(amount, name="收回金额 / amount")
    party = {"person" if isinstance(payee, Person) else "organization": payee}
    cash, receivable = account_for(Chart.CASH), account_for(Chart.RECEIVABLE, **party)
    req = _Request(
        kind=Kind.RECOVERY_RECEIPT,
        actor=actor,
        key=idempotency_key,
        memo=memo,
        at=at,
        payee=payee,
        content={"amount": amount},
    )
    booked, locked = _start(req, [cash, receivable])
    if booked is not None:
        return booked
    owed = locked[receivable.pk].balance
    if amount > owed:
        raise DomainError(
            "recovery_exceeds_owed",
            f"{payee} 应退回 {owed} 元，收到 {amount} 元超出应退金额",
            f"{payee} owes {owed} CNY; {amount} CNY is more than that",
            clause="§4.3.b",
        )
    return _book(req, [(cash, amount), (receivable, -amount)], locked, after={"amount": amount, "owed": owed})


# ---- departments' budgets (§4.2.b) -----------------------------------------------------------------


def budget_deadline(year: int) -> date:
    """§4.2.b: the 2019 plan and budget by the end of November 2019; from 2020 the year's plan and
    budget by the end of February of that year."""
    if year == FIRST_BUDGET_YEAR:
        return date(2019, 11, 30)
    return date(year, 3, 1) - timedelta(days=1)


def _ensure_acts_for_department(actor: Any, department: Organization) -> None:
    if actor is None or role_of(actor) == Role.FINANCE_OFFICER:
        return
    if role_of(actor) == Role.DEPARTMENT_STAFF and actor.organization_id == department.pk:
        return
    raise DomainError(
        "not_permitted",
        f"用户 {getattr(actor, 'username', '')} 无权为 {department} 报送预算",
        f"user {getattr(actor, 'username', '')} may not submit {department}'s budget",
        clause="§4.2.b",
    )


@transaction.atomic
def budget_submit(
    *,
    department: Organization,
    year: int,
    planned_trainees: int,
    amount: Decimal,
    actor: Any,
    submitted_at: datetime | None = None,
) -> DepartmentBudget:
    """A department reports its annual training plan and subsidy budget (§4.2.b). Reporting again
    before finance approves replaces the figures; lateness is judged on the first report."""
    _ensure_acts_for_department(actor, department)
    if department.kind != Organization.Kind.GOVERNMENT:
        raise DomainError(
            "budget_department", f"{department} 不是政府部门", f"{department} is not a government department"
        )
    if not isinstance(year, int) or year < FIRST_BUDGET_YEAR:
        raise DomainError(
            "budget_year", f"预算年度须不早于 {FIRST_BUDGET_YEAR} 年", f"the budget year starts at {FIRST_BUDGET_YEAR}"
        )
    if isinstance(planned_trainees, bool) or not isinstance(planned_trainees, int) or planned_trainees < 0:
        raise DomainError("budget_trainees", "计划培训人次须为非负整数", "planned trainees must be a whole number ≥ 0")
    amount = _money(amount, name="补贴预算 / budget", at_least=ZERO)
    submitted_at = submitted_at or timezone.now()
    if timezone.is_naive(submitted_at):
        raise DomainError("time_naive", "报送时间须带时区", "the submission time needs a time zone")
    budget = DepartmentBudget.objects.select_for_update().filter(department=department, year=year).first()
    figures = {"planned_trainees": planned_trainees, "amount": amount}
    if budget is None:
        deadline = budget_deadline(year)
        budget = DepartmentBudget.objects.create(
            department=department,
            year=year,
            first_submitted_at=submitted_at,
            submitted_at=submitted_at,
            deadline=deadline,
            late=timezone.localdate(submitted_at) > deadline,
            submitted_by=_user(actor),
            **figures,
        )
        after = {**figures, "deadline": budget.deadline, "late": budget.late}
        audit.record(actor=actor, action="budget.submit", target=budget, after=after)
        return budget
    if budget.status == DepartmentBudget.Status.APPROVED:
        raise DomainError(
            "budget_approved",
            f"{department} {year} 年预算已批准，不能再修改",
            f"{department}'s {year} budget is approved and can no longer be changed",
        )
    if submitted_at < budget.submitted_at:
        raise DomainError("budget_time", "报送时间早于上次报送", "this submission is dated before the last one")
    before = audit.changes(budget, ["planned_trainees", "amount", "submitted_at"])
    budget.planned_trainees, budget.amount, budget.submitted_at = planned_trainees, amount, submitted_at
    budget.submitted_by = _user(actor)
    budget.save(update_fields=["planned_trainees", "amount", "submitted_at", "submitted_by"])
    audit.record(
        actor=actor,
        action="budget.resubmit",
        target=budget,
        before=before,
        after={**figures, "submitted_at": submitted_at},
    )
    return budget


@transaction.atomic
def budget_approve(*, budget: DepartmentBudget, actor: Any, now: datetime | None = None) -> DepartmentBudget:
    if actor is not None and role_of(actor) != Role.FINANCE_OFFICER:
        raise DomainError(
            "not_permitted", "只有财政部门可以批准预算", "only the finance bureau approves budgets", clause="§4.1"
        )
    budget = DepartmentBudget.objects.select_for_update().get(pk=budget.pk)
    if budget.status == DepartmentBudget.Status.APPROVED:
        raise DomainError("budget_approved", f"{budget} 预算已批准", f"the {budget} budget is already approved")
    budget.status, budget.approved_by, budget.approved_at = (
        DepartmentBudget.Status.APPROVED,
        _user(actor),
        now or timezone.now(),
    )
    budget.save(update_fields=["status", "approved_by", "approved_at"])
    audit.record(
        actor=actor, action="budget.approve", target=budget, after={"amount": budget.amount, "late": budget.late}
    )
    return budget
