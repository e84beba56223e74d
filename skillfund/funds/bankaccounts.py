"""Payees' bank accounts (收款账户): institutions' and enterprises' for subsidies paid to them, and
persons' for the living allowance (§3.3.f) and individual claims.

The number is personal or commercial data that only the bank file needs. The database holds it as
AES-256-GCM ciphertext (the ID numbers' key, `SKILLFUND_ID_ENCRYPTION_KEY`, with its own
associated data, so an ID ciphertext can never be passed off as an account number or the other way
round) and a masked form (6222 **** **** 1234) that every page shows. It is decrypted in one place:
the bank file finance generates (`funds.payments.payment_file_export`, audit-logged). Audit records
name an account by its masked form, never by its number.

Who sets an account (`bank_account_set`), decided here and nowhere else:
- an organization's: its own operator (an institution's or enterprise's user, for its own
  organization), or HR bureau staff, who keep the organizations' records;
- a person's: HR bureau staff, or the department that owns the person's record (`Person.owner`).
Finance, which pays, never sets where the money goes (segregation of duties); the auditor reads.
"""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Iterable
from functools import cache
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import transaction

from skillfund.accounts.models import Role
from skillfund.accounts.scoping import role_of
from skillfund.core import audit
from skillfund.core.errors import DomainError
from skillfund.funds.models import BankAccount
from skillfund.organizations.models import Organization
from skillfund.registry.models import Person

_VERSION = b"\x01"
_PURPOSE = b"\x01bank-account"  # associated data: this ciphertext is a bank account number
NUMBER_MIN, NUMBER_MAX = 8, 30  # personal cards 16-19 digits, corporate accounts up to about 25
NAME_MAX = 120


@cache
def _aead() -> AESGCM:
    key = base64.b64decode(settings.SKILLFUND_ID_ENCRYPTION_KEY)
    if len(key) != 32:
        raise ValueError("SKILLFUND_ID_ENCRYPTION_KEY must be 32 bytes, base64-encoded")
    return AESGCM(key)


def encrypt(number: str) -> bytes:
    nonce = os.urandom(12)
    return _VERSION + nonce + _aead().encrypt(nonce, number.encode("ascii"), _PURPOSE)


def decrypt(cipher: bytes) -> str:
    cipher = bytes(cipher)
    if cipher[:1] != _VERSION:
        raise ValueError("unknown ciphertext version")
    return _aead().decrypt(cipher[1:13], cipher[13:], _PURPOSE).decode("ascii")


def mask(number: str) -> str:
    """The first and last four digits: 6222 **** **** 1234 (the same width whatever the length)."""
    return f"{number[:4]} **** **** {number[-4:]}"


def normalize(raw: str) -> str:
    """An account number as typed (spaces, hyphens) reduced to its digits, or a DomainError."""
    number = re.sub(r"[\s-]", "", str(raw or ""))
    if not number.isascii() or not number.isdigit() or not NUMBER_MIN <= len(number) <= NUMBER_MAX:
        raise DomainError(
            "bank_account_invalid",
            f"银行账号须为 {NUMBER_MIN} 至 {NUMBER_MAX} 位数字",
            f"a bank account number has {NUMBER_MIN} to {NUMBER_MAX} digits",
        )
    return number


def may_set(actor: Any, party: Organization | Person) -> bool:
    """May `actor` set `party`'s bank account? (The rule in the module's docstring.)"""
    role = role_of(actor)
    if role == Role.HR_STAFF:
        return True
    if isinstance(party, Organization):
        return role in (Role.INSTITUTION_OPERATOR, Role.ENTERPRISE_OPERATOR) and actor.organization_id == party.pk
    if isinstance(party, Person):
        return role == Role.DEPARTMENT_STAFF and party.owner_id is not None and actor.organization_id == party.owner_id
    return False


def _text(value: str, *, code: str, zh: str, en: str) -> str:
    value = " ".join(str(value or "").split())
    if not value or len(value) > NAME_MAX:
        raise DomainError(code, f"{zh}须为 1 至 {NAME_MAX} 个字符", f"{en} has 1 to {NAME_MAX} characters")
    return value


@transaction.atomic
def bank_account_set(
    *, party: Organization | Person, account_name: str, bank_name: str, number: str, actor: Any
) -> BankAccount:
    """Set (or replace) the payee's bank account. The audit record holds the masked form only."""
    if not isinstance(party, Organization | Person) or not may_set(actor, party):
        raise DomainError(
            "not_permitted",
            f"用户 {getattr(actor, 'username', '')} 无权设置该收款账户",
            f"user {getattr(actor, 'username', '')} may not set this payee's bank account",
        )
    account_name = _text(account_name, code="account_name_invalid", zh="开户名", en="an account name")
    bank_name = _text(bank_name, code="bank_name_invalid", zh="开户银行", en="a bank name")
    number = normalize(number)
    field = "organization" if isinstance(party, Organization) else "person"
    account = BankAccount.objects.select_for_update().filter(**{field: party}).first()
    before = None
    if account is None:
        account = BankAccount(**{field: party})
    else:
        before = {"account_name": account.account_name, "bank_name": account.bank_name, "number": account.number_masked}
    account.account_name, account.bank_name = account_name, bank_name
    account.number_cipher, account.number_masked = encrypt(number), mask(number)
    account.updated_by = actor if getattr(actor, "pk", None) else None
    account.save()
    audit.record(
        actor=actor,
        action="bank_account.set",
        target=account,
        before=before,
        after={"account_name": account_name, "bank_name": bank_name, "number": account.number_masked},
    )
    return account


# ---- reads -----------------------------------------------------------------------------------------


def accounts_of(*, organizations: Iterable[int] = (), persons: Iterable[int] = ()) -> dict[str, BankAccount]:
    """The payees' accounts in one query, keyed "org:<id>" / "person:<id>" (as `funds.chart` keys
    parties). Only the masked form is read from them unless the caller decrypts."""
    organizations, persons = list(organizations), list(persons)
    if not organizations and not persons:
        return {}
    rows = BankAccount.objects.filter(organization_id__in=organizations) | BankAccount.objects.filter(
        person_id__in=persons
    )
    return {(f"org:{a.organization_id}" if a.organization_id else f"person:{a.person_id}"): a for a in rows.order_by()}


def key_of(line: Any) -> str:
    """The `accounts_of` key of a payment line's payee."""
    return f"org:{line.organization_id}" if line.organization_id else f"person:{line.person_id}"
