"""Concurrent payments on real PostgreSQL with real threads: the cash account's row lock and the
balance check constraint let exactly as many payments through as the balance covers, and retries
under one idempotency key book one transaction."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from skillfund.core.errors import DomainError
from skillfund.funds import selectors
from skillfund.funds.models import Account, Transaction
from skillfund.funds.payouts import pay
from tests.factories import OrganizationFactory
from tests.funds_helpers import balance, finance_officer, fund

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="real row locks need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def run_together(n: int, work) -> list:
    barrier = threading.Barrier(n)
    outcomes: list = []

    def one(i: int) -> None:
        try:
            barrier.wait()
            outcomes.append(work(i))
        except Exception as exc:  # counted, not hidden
            outcomes.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def test_sixteen_payments_from_a_balance_covering_five_book_exactly_five():
    finance = finance_officer()
    institution = OrganizationFactory()
    fund("500.00", actor=finance)
    outcomes = run_together(
        16,
        lambda i: pay(payee=institution, amount=Decimal("100.00"), subject=("claims.claim", i), actor=finance),
    )
    booked = [o for o in outcomes if isinstance(o, Transaction)]
    refused = [o for o in outcomes if isinstance(o, DomainError)]
    assert len(booked) == 5 and len(refused) == 11, outcomes
    assert {e.code for e in refused} == {"insufficient_balance"}
    assert balance("cash") == 0 and balance("expense:subsidies") == Decimal("500.00")
    assert not Account.objects.filter(balance__lt=0).exists()
    assert selectors.ledger_problems() == []


def test_eight_retries_of_one_idempotency_key_book_one_transaction():
    finance = finance_officer()
    institution = OrganizationFactory()
    fund("1000.00", actor=finance)
    outcomes = run_together(
        8,
        lambda i: (
            pay(
                payee=institution,
                amount=Decimal("100.00"),
                subject=("claims.claim", "42"),
                actor=finance,
                idempotency_key="claim-42-payment",
            ).pk
        ),
    )
    assert all(isinstance(o, int) for o in outcomes), outcomes
    assert len(set(outcomes)) == 1
    assert Transaction.objects.filter(kind="payment").count() == 1
    assert balance("cash") == Decimal("900.00")
