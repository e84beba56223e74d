"""The special account's ledger (§4.2): the checks and the booking core every write goes through,
and the writes on the ledger itself (posting, reversal, money in). Each action is one transaction
leaving one audit record.

`ledger_post` is the one way into the ledger; the domain actions (funding here, the §3.3.h advance,
settlement and payment with offset in `payouts`, the §4.3.b recovery in `recoveries`, reversal)
decide the lines and call the same core. Every write locks the accounts it touches in a fixed order
(by id), so concurrent payments serialise on the cash account and cannot deadlock; the database's
check constraint refuses a negative balance, so a payment above the balance is an error and writes
nothing.

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
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from skillfund.accounts import permissions
from skillfund.core import audit
from skillfund.core.errors import DomainError
from skillfund.funds import selectors
from skillfund.funds.chart import Chart, account_for
from skillfund.funds.models import Account, FundSource, Posting, Transaction
from skillfund.organizations.models import Organization
from skillfund.registry.models import Person

Kind = Transaction.Kind
Line = tuple[Account, Decimal]
Party = Organization | Person

ZERO, CENT = Decimal("0.00"), Decimal("0.01")
LIMIT = Decimal("1000000000000")  # 14 digits, 2 of them after the point


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
