"""The chart of accounts, created on demand with stable codes.

cash                    the special account's bank balance (专账, §4.2.a)         asset, debit
fund:<source code>      received from a fund source (§4.2.c)                      equity, credit
advance:org:<id>        advances paid to an institution, not yet settled (§3.3.h) asset, debit
receivable:org:<id>     recoveries owed by an organization (§4.3.b)              asset, debit
receivable:person:<id>  recoveries owed by a person (§4.3.b)                      asset, debit
expense:subsidies       subsidies paid, net of recoveries                        expense, debit
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from skillfund.funds.models import Account, FundSource
from skillfund.organizations.models import Organization
from skillfund.registry.models import Person


class Chart(StrEnum):
    CASH = "cash"
    FUND = "fund"
    ADVANCE = "advance"
    RECEIVABLE = "receivable"
    EXPENSE = "expense"


_KINDS = {
    Chart.CASH: (Account.Kind.ASSET, "专账资金", "special account cash"),
    Chart.FUND: (Account.Kind.EQUITY, "资金来源", "fund received"),
    Chart.ADVANCE: (Account.Kind.ASSET, "预拨资金", "advance"),
    Chart.RECEIVABLE: (Account.Kind.ASSET, "应追回资金", "recovery receivable"),
    Chart.EXPENSE: (Account.Kind.EXPENSE, "补贴支出", "subsidies paid"),
}


def party_code(party: Organization | Person) -> str:
    return f"{'person' if isinstance(party, Person) else 'org'}:{party.pk}"


def _spec(
    kind: Chart,
    organization: Organization | None = None,
    person: Person | None = None,
    source: FundSource | None = None,
) -> tuple[str, dict]:
    """The code of the account of `kind` for the party or source, and the fields it is created with."""
    account_kind, zh, en = _KINDS[kind]
    party = organization or person
    if kind in (Chart.ADVANCE, Chart.RECEIVABLE):
        if party is None or (kind == Chart.ADVANCE and person is not None):
            raise ValueError(f"a {kind} account belongs to {'an organization' if kind == Chart.ADVANCE else 'a party'}")
        code, name = f"{kind}:{party_code(party)}", f"{zh} {party} / {en}"
    elif kind == Chart.FUND:
        if source is None:
            raise ValueError("a fund account belongs to a fund source")
        code, name = f"fund:{source.code}", f"{zh} {source.name} / {en}"
    elif kind == Chart.EXPENSE:
        code, name = "expense:subsidies", f"{zh} / {en}"
    else:
        code, name = "cash", f"{zh} / {en}"
    normal = (
        Account.Normal.DEBIT if account_kind in (Account.Kind.ASSET, Account.Kind.EXPENSE) else Account.Normal.CREDIT
    )
    fields = {
        "name": name[:160],
        "kind": account_kind,
        "normal": normal,
        "organization": organization,
        "person": person,
        "fund_source": source,
    }
    return code, fields


def account_for(
    kind: Chart | str,
    *,
    organization: Organization | None = None,
    person: Person | None = None,
    source: FundSource | None = None,
) -> Account:
    """The account of `kind` (for the party or source it belongs to), created the first time."""
    code, fields = _spec(Chart(kind), organization, person, source)
    # get_or_create re-reads after a unique-code race, so two first payments cannot make two accounts.
    account, _ = Account.objects.get_or_create(code=code, defaults=fields)
    return account


def accounts_for(kind: Chart | str, parties: Iterable[Organization | Person]) -> dict[str, Account]:
    """`account_for` for many parties at once, keyed by `party_code`: two queries, and one insert
    for the accounts not there yet, instead of a get_or_create (four round trips) per party."""
    kind = Chart(kind)
    wanted: dict[str, tuple[str, dict]] = {}
    for party in parties:
        side = {"person" if isinstance(party, Person) else "organization": party}
        wanted[party_code(party)] = _spec(kind, **side)
    codes = [code for code, _ in wanted.values()]
    found = {a.code: a for a in Account.objects.filter(code__in=codes)}
    missing = [Account(code=code, **fields) for code, fields in wanted.values() if code not in found]
    if missing:
        # A concurrent first payment may create one of them meanwhile: the unique code keeps a
        # single account, and the re-read below returns whichever row won.
        Account.objects.bulk_create(missing, ignore_conflicts=True)
        found.update((a.code, a) for a in Account.objects.filter(code__in=[a.code for a in missing]))
    return {key: found[code] for key, (code, _) in wanted.items()}
