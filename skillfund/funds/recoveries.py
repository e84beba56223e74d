"""§4.3.b recovery: a paid subsidy obtained by false training is owed back (`recover`) and
collected (`recovery_receive`); what a payee still owes is kept back from their next payment
(`payouts.pay`). Each action is one transaction leaving one audit record, booked through the core
in `ledger`.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction

from skillfund.core.errors import DomainError
from skillfund.funds import selectors
from skillfund.funds.chart import Chart, account_for
from skillfund.funds.ledger import (
    Kind,
    Party,
    _book,
    _department_of,
    _ensure_finance,
    _money,
    _party,
    _Request,
    _require,
    _start,
)
from skillfund.funds.models import Transaction
from skillfund.registry.models import Person


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
