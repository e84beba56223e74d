"""Ledger invariants over random sequences of funding, advances, settlements, payments, recoveries,
receipts and reversals (Hypothesis): after every step each transaction sums to zero, no balance is
negative, every stored balance equals the sum of its postings, the trial balance is zero — and a
refused step changes nothing at all."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from skillfund.core.errors import DomainError
from skillfund.funds import selectors
from skillfund.funds.ledger import fund_receive, ledger_reverse
from skillfund.funds.models import Account, FundSource, Transaction
from skillfund.funds.payouts import advance_pay, pay, settle
from skillfund.funds.recoveries import recover, recovery_receive
from skillfund.training.models import ClassPlan
from tests.factories import OrganizationFactory, make_class_plan, make_person
from tests.funds_helpers import finance_officer, snapshot


def cents(most: int) -> st.SearchStrategy[Decimal]:
    return st.integers(min_value=1, max_value=most).map(lambda n: Decimal(n).scaleb(-2))


# Payments, advances and recoveries of up to 5 000 CNY against funding of up to 20 000: both
# booked and refused steps are common.
amounts = st.one_of(cents(500_000), st.sampled_from([Decimal("0.01"), Decimal("100.00"), Decimal("1000.00")]))
# Recoveries and receipts: a random amount, or all or half of what was paid or is owed.
share = st.one_of(cents(10_000), st.sampled_from(["all", "half"]))


def portion(value: Decimal, of: Decimal) -> Decimal:
    if isinstance(value, Decimal):
        return value
    part = of if value == "all" else (of / 2).quantize(Decimal("0.01"))
    return part if part > 0 else Decimal("0.01")


pick = st.integers(min_value=0, max_value=3)
step = st.one_of(
    st.tuples(st.just("fund"), pick, st.one_of(cents(2_000_000), st.just(Decimal("20000.00")))),
    st.tuples(st.just("advance"), pick, amounts),
    st.tuples(st.just("settle"), pick, amounts),
    st.tuples(st.just("pay"), pick, pick, amounts),
    st.tuples(st.just("recover"), pick, pick, share),
    st.tuples(st.just("receive"), pick, share),
    st.tuples(st.just("reverse"), pick),
)


class LedgerInvariants(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.finance = finance_officer()
        cls.sources = [
            FundSource.objects.create(code=code, name=code, kind=kind)
            for code, kind in (("employment", "employment_subsidy"), ("ui", "ui_surplus"), ("talent", "talent"))
        ]
        cls.plans = [make_class_plan(funding_mode=ClassPlan.FundingMode.PROJECT) for _ in range(2)]
        cls.payees = [plan.institution for plan in cls.plans] + [OrganizationFactory(), make_person()]

    def run_step(self, op: tuple) -> None:
        name, *args = op
        f = self.finance
        if name == "fund":
            fund_receive(source=self.sources[args[0] % 3], amount=args[1], actor=f)
        elif name == "advance":
            plan = self.plans[args[0] % 2]
            advance_pay(organization=plan.institution, amount_total=args[1], subject=plan, actor=f)
        elif name == "settle":
            plan = self.plans[args[0] % 2]
            settle(organization=plan.institution, total=args[1], subject=plan, actor=f)
        elif name == "pay":
            payee = self.payees[args[0] % len(self.payees)]
            pay(payee=payee, amount=args[2], subject=("claims.claim", args[1]), actor=f)
        elif name == "recover":
            # Mostly a recovery of something actually paid (payment or settlement), else anything.
            paid = list(Transaction.objects.filter(kind__in=["payment", "offset", "settlement"]).order_by("pk"))
            if paid and args[1] < 3:
                txn = paid[args[0] % len(paid)]
                payee, subject = txn.payee, (txn.subject_type, txn.subject_id)
            else:
                payee, subject = self.payees[args[0] % len(self.payees)], ("claims.claim", args[1] % 2)
            amount = portion(args[2], selectors.net_paid(payee, subject))
            recover(payee=payee, amount=amount, subject=subject, reason="虚假培训", actor=f)
        elif name == "receive":
            # Mostly from someone who owes something, else from anyone.
            owing = list(Account.objects.filter(code__startswith="receivable:", balance__gt=0).order_by("pk"))
            account = owing[args[0] % len(owing)] if owing and args[0] < 3 else None
            payee = (account.organization or account.person) if account else self.payees[args[0] % len(self.payees)]
            owed = account.balance if account else Decimal(0)
            recovery_receive(payee=payee, amount=portion(args[1], owed), actor=f)
        else:
            booked = list(Transaction.objects.order_by("pk"))
            if booked:
                ledger_reverse(transaction=booked[args[0] % len(booked)], actor=f, reason="property test")

    def assert_sound(self) -> None:
        assert selectors.ledger_problems() == []
        assert selectors.trial_balance().difference == 0
        assert not Account.objects.filter(balance__lt=0).exists()

    @settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @example(  # every kind of booking at least once, whatever the random run finds
        (("fund", 0, Decimal("20000.00")),),
        [
            ("advance", 0, Decimal("10000.00")),
            ("settle", 0, Decimal("4000.00")),  # 2 000 of the advance owed back
            ("pay", 0, 0, Decimal("1000.00")),  # offset: 1 000 kept back
            ("receive", 0, "all"),
            ("pay", 2, 1, Decimal("500.00")),
            ("recover", 2, 0, "all"),
            ("pay", 2, 2, Decimal("100.00")),  # offset again
            ("reverse", 3),
            ("reverse", 3),  # already reversed: refused
            ("pay", 3, 3, Decimal("99999.00")),  # above the balance: refused
        ],
    )
    @given(st.sampled_from([(), (("fund", 0, Decimal("20000.00")),)]), st.lists(step, min_size=3, max_size=40))
    def test_every_sequence_keeps_the_ledger_sound(self, start, steps):
        for op in (*start, *steps):
            before = snapshot()
            try:
                self.run_step(op)
            except DomainError as refused:
                event(f"{op[0]} refused: {refused.code}")
                assert snapshot() == before, op
            else:
                event(f"{op[0]} booked")
            self.assert_sound()
        if Transaction.objects.filter(kind="offset").exists():
            event("a payment was offset against a recovery")
