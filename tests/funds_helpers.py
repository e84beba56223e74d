"""Shared set-up for the special-account tests: a finance officer, fund sources, snapshots and the
programme whose budget deadlines apply."""

from __future__ import annotations

from decimal import Decimal

from skillfund import policy_data
from skillfund.accounts.models import Role
from skillfund.core.models import AuditRecord
from skillfund.funds.ledger import fund_receive
from skillfund.funds.models import Account, FundSource, Posting, Transaction
from skillfund.programme.loading import programme_load
from skillfund.programme.models import Programme
from tests.factories import UserFactory


def ordos_programme() -> Programme:
    """The Ordos programme file: its §4.2.b deadlines are the ones a department's budget meets."""
    return programme_load(path=policy_data.data_path("programmes", "ordos-2019-2021.yaml"))


def finance_officer(username: str = "finance"):
    return UserFactory(role=Role.FINANCE_OFFICER, username=username)


def fund_source(code: str = "ui-surplus", kind: str = FundSource.Kind.UI_SURPLUS) -> FundSource:
    return FundSource.objects.get_or_create(code=code, defaults={"name": f"资金 {code}", "kind": kind})[0]


def fund(amount: str, *, actor=None, source: FundSource | None = None):
    return fund_receive(source=source or fund_source(), amount=Decimal(amount), actor=actor)


def balance(code: str) -> Decimal:
    return Account.objects.get(code=code).balance


def snapshot() -> tuple:
    """Everything a refused action must leave as it was."""
    return (
        Transaction.objects.count(),
        Posting.objects.count(),
        AuditRecord.objects.count(),
        tuple(Account.objects.order_by("pk").values_list("code", "balance")),
    )
