"""The special account's double-entry ledger (§4.2.a): every transaction sums to zero, balances
never go negative, a refusal writes nothing, a reversal is a new transaction, retries are safe."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from skillfund.accounts.models import Role
from skillfund.core.errors import DomainError
from skillfund.core.models import AuditRecord
from skillfund.funds import selectors
from skillfund.funds.chart import Chart, account_for
from skillfund.funds.ledger import fund_receive, ledger_post, ledger_reverse
from skillfund.funds.models import Account, Posting, Transaction
from skillfund.funds.payouts import pay
from tests.factories import UserFactory
from tests.funds_helpers import balance, finance_officer, fund, fund_source, snapshot

pytestmark = pytest.mark.django_db
postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="the triggers exist on PostgreSQL")


@pytest.fixture
def finance(db):
    return finance_officer()


def test_funding_debits_cash_credits_the_source_and_sums_to_zero(finance):
    txn = fund("1000.00", actor=finance)
    assert sorted((p.account.code, p.amount) for p in txn.postings.all()) == [
        ("cash", Decimal("1000.00")),
        ("fund:ui-surplus", Decimal("-1000.00")),
    ]
    assert balance("cash") == balance("fund:ui-surplus") == Decimal("1000.00")
    assert selectors.trial_balance().difference == 0 and selectors.ledger_problems() == []
    assert AuditRecord.objects.filter(action="funds.funding", target_id=str(txn.pk), actor=finance).count() == 1


def test_a_payment_above_the_balance_is_refused_and_nothing_is_written(finance, institution):
    fund("500.00", actor=finance)
    before = snapshot()
    with pytest.raises(DomainError) as refused:
        pay(payee=institution, amount=Decimal("500.01"), subject=("claims.claim", "1"), actor=finance)
    assert refused.value.code == "insufficient_balance"
    assert "cash" in refused.value.en and "500.01" in refused.value.en and "500.00" in refused.value.en
    assert "余额" in refused.value.zh and "500.01" in refused.value.zh
    assert snapshot() == before


def test_the_database_refuses_a_negative_balance_whatever_the_caller(finance):
    fund("10.00", actor=finance)
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(code="cash").update(balance=Decimal("-0.01"))


@pytest.mark.parametrize(
    ("lines", "code"),
    [
        ([("cash", "10.00"), ("expense", "-9.99")], "unbalanced"),
        ([("cash", "10.00")], "line_invalid"),
        ([("cash", "0.00"), ("expense", "0.00")], "line_invalid"),
        ([("cash", "0.005"), ("expense", "-0.005")], "amount_invalid"),
        ([("cash", 10.0), ("expense", -10.0)], "amount_invalid"),
    ],
)
def test_ledger_post_refuses_bad_lines(finance, lines, code):
    fund("100.00", actor=finance)
    accounts = {"cash": account_for(Chart.CASH), "expense": account_for(Chart.EXPENSE)}
    before = snapshot()
    entries = [(accounts[c], Decimal(x) if isinstance(x, str) else x) for c, x in lines]
    with pytest.raises(DomainError) as refused:
        ledger_post(kind="payment", lines=entries, actor=finance, subject=("claims.claim", "1"))
    assert refused.value.code == code
    assert snapshot() == before


def test_only_finance_moves_money(hr_user):
    with pytest.raises(DomainError) as refused:
        fund("100.00", actor=hr_user)
    assert refused.value.code == "not_permitted"
    with pytest.raises(DomainError):
        fund("100.00", actor=UserFactory(role=Role.AUDITOR))
    assert not Transaction.objects.exists()


def test_a_reversal_is_a_new_transaction_and_cannot_be_repeated(finance, institution):
    fund("1000.00", actor=finance)
    payment = pay(payee=institution, amount=Decimal("300.00"), subject=("claims.claim", "7"), actor=finance)
    reversal = ledger_reverse(transaction=payment, actor=finance, reason="付错了 / paid twice by mistake")
    assert reversal.pk != payment.pk and reversal.reverses == payment and reversal.kind == "reversal"
    assert {p.account.code: p.amount for p in reversal.postings.all()} == {
        p.account.code: -p.amount for p in payment.postings.all()
    }
    assert balance("cash") == Decimal("1000.00") and balance("expense:subsidies") == 0
    assert payment.postings.count() == 2  # the original stays as it was
    before = snapshot()
    with pytest.raises(DomainError) as again:
        ledger_reverse(transaction=payment, actor=finance, reason="again")
    assert again.value.code == "already_reversed"
    with pytest.raises(DomainError) as back:
        ledger_reverse(transaction=reversal, actor=finance, reason="undo the undo")
    assert back.value.code == "reversal_not_reversible"
    assert snapshot() == before
    assert selectors.ledger_problems() == []


def test_a_reversed_payment_can_be_paid_again(finance, institution):
    fund("1000.00", actor=finance)
    first = pay(payee=institution, amount=Decimal("300.00"), subject=("claims.claim", "7"), actor=finance)
    with pytest.raises(DomainError, match="already_paid"):
        pay(payee=institution, amount=Decimal("300.00"), subject=("claims.claim", "7"), actor=finance)
    ledger_reverse(transaction=first, actor=finance, reason="wrong bank account")
    pay(payee=institution, amount=Decimal("300.00"), subject=("claims.claim", "7"), actor=finance)
    assert balance("cash") == Decimal("700.00")


def test_a_reversal_the_balance_cannot_carry_is_refused(finance, institution):
    receipt = fund("100.00", actor=finance)
    pay(payee=institution, amount=Decimal("80.00"), subject=("claims.claim", "1"), actor=finance)
    before = snapshot()
    with pytest.raises(DomainError) as refused:
        ledger_reverse(transaction=receipt, actor=finance, reason="returned to the source")
    assert refused.value.code == "insufficient_balance"
    assert snapshot() == before


def test_the_same_idempotency_key_books_once(finance, institution):
    fund("1000.00", actor=finance)
    args = {"payee": institution, "amount": Decimal("250.00"), "subject": ("claims.claim", "9"), "actor": finance}
    first = pay(**args, idempotency_key="pay-9")
    records = AuditRecord.objects.count()
    again = pay(**args, idempotency_key="pay-9")
    assert again.pk == first.pk
    assert Transaction.objects.filter(kind="payment").count() == 1
    assert AuditRecord.objects.count() == records and balance("cash") == Decimal("750.00")


def test_the_same_idempotency_key_with_another_request_is_refused(finance, institution):
    fund("1000.00", actor=finance)
    pay(payee=institution, amount=Decimal("250.00"), subject=("claims.claim", "9"), actor=finance, idempotency_key="k")
    before = snapshot()
    with pytest.raises(DomainError) as refused:
        pay(
            payee=institution,
            amount=Decimal("260.00"),
            subject=("claims.claim", "9"),
            actor=finance,
            idempotency_key="k",
        )
    assert refused.value.code == "idempotency_conflict"
    with pytest.raises(DomainError, match="idempotency_conflict"):
        fund_receive(source=fund_source(), amount=Decimal("1.00"), actor=finance, idempotency_key="k")
    assert snapshot() == before


def test_ledger_post_is_idempotent_on_its_lines(finance):
    fund("100.00", actor=finance)
    cash, expense = account_for(Chart.CASH), account_for(Chart.EXPENSE)
    lines = [(expense, Decimal("40.00")), (cash, Decimal("-40.00"))]
    first = ledger_post(kind="payment", lines=lines, actor=finance, idempotency_key="manual-1", memo="bank fee")
    assert ledger_post(kind="payment", lines=lines[::-1], actor=finance, idempotency_key="manual-1").pk == first.pk
    with pytest.raises(DomainError, match="idempotency_conflict"):
        ledger_post(
            kind="payment",
            lines=[(expense, Decimal("41.00")), (cash, Decimal("-41.00"))],
            actor=finance,
            idempotency_key="manual-1",
        )
    assert balance("cash") == Decimal("60.00")


def test_ledger_rows_cannot_be_edited_or_deleted_through_the_orm(finance):
    txn = fund("100.00", actor=finance)
    posting = txn.postings.first()
    for attempt in (
        txn.save,
        txn.delete,
        posting.save,
        posting.delete,
        lambda: Transaction.objects.filter(pk=txn.pk).update(memo="edited"),
        lambda: Posting.objects.all().delete(),
    ):
        with pytest.raises(TypeError, match="append-only"):
            attempt()


@postgres_only
def test_postgresql_refuses_update_and_delete_of_ledger_rows(finance):
    txn = fund("100.00", actor=finance)
    for sql in (
        "UPDATE funds_posting SET amount = amount * 2 WHERE transaction_id = %s",
        "DELETE FROM funds_posting WHERE transaction_id = %s",
        "UPDATE funds_transaction SET memo = 'edited' WHERE id = %s",
        "DELETE FROM funds_transaction WHERE id = %s",
    ):
        # As the runtime role of the two-role mode the privilege refuses first (tests/test_db_roles.py).
        with (
            pytest.raises(Exception, match=r"append-only|permission denied"),
            transaction.atomic(),
            connection.cursor() as cur,
        ):
            cur.execute(sql, [txn.pk])


@postgres_only
def test_postgresql_refuses_an_unbalanced_transaction_at_commit(finance):
    fund("100.00", actor=finance)
    cash, expense = account_for(Chart.CASH), account_for(Chart.EXPENSE)
    with pytest.raises(IntegrityError, match="unbalanced"), transaction.atomic():
        txn = Transaction.objects.create(kind="payment", at=Transaction.objects.get().at, fingerprint="x")
        Posting.objects.bulk_create(
            [
                Posting(transaction=txn, account=expense, amount=Decimal("5")),
                Posting(transaction=txn, account=cash, amount=Decimal("-4")),
            ]
        )
        with connection.cursor() as cur:  # what COMMIT would do: run the deferred checks now
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with pytest.raises(IntegrityError, match="unbalanced"), transaction.atomic():
        Transaction.objects.create(kind="payment", at=Transaction.objects.get().at, fingerprint="y")
        with connection.cursor() as cur:
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with transaction.atomic(), connection.cursor() as cur:  # the ledger as the actions wrote it is sound
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_the_platform_may_act_without_a_user(institution):
    fund("100.00")
    pay(payee=institution, amount=Decimal("10.00"), subject=("claims.claim", "1"), actor=None)
    assert balance("cash") == Decimal("90.00")
