"""Payees' bank accounts (funds/bankaccounts.py): kept as ciphertext and a masked form, set only by
the payee's own operator, the HR bureau or the department owning a person's record, and audited
without the number."""

from __future__ import annotations

import json

import pytest

from skillfund.accounts import scoping
from skillfund.accounts.models import Role
from skillfund.core.errors import DomainError
from skillfund.core.models import AuditRecord
from skillfund.funds import bankaccounts
from skillfund.funds.bankaccounts import bank_account_set
from skillfund.funds.models import BankAccount
from skillfund.registry import idnumbers
from tests.factories import DepartmentFactory, OrganizationFactory, UserFactory, make_person

pytestmark = pytest.mark.django_db

NUMBER = "6222 0212 3456 7891 234"
DIGITS = NUMBER.replace(" ", "")


def _set(party, actor, number=NUMBER):
    return bank_account_set(party=party, account_name="收款人", bank_name="中国工商银行", number=number, actor=actor)


def test_an_account_is_kept_encrypted_and_shown_masked():
    org = OrganizationFactory()
    operator = UserFactory(role=Role.INSTITUTION_OPERATOR, organization=org)
    account = _set(org, operator)
    stored = BankAccount.objects.get(pk=account.pk)
    assert stored.number_masked == "6222 **** **** 1234"
    assert DIGITS.encode() not in bytes(stored.number_cipher)
    assert bankaccounts.decrypt(stored.number_cipher) == DIGITS
    assert str(stored) == "中国工商银行 6222 **** **** 1234"


def test_an_id_ciphertext_is_not_accepted_as_an_account_number():
    # Same key, different associated data: one kind of ciphertext cannot stand in for the other.
    with pytest.raises(Exception):  # noqa: B017 (cryptography's InvalidTag)
        bankaccounts.decrypt(idnumbers.encrypt("150602199001010011"))


def test_setting_an_account_is_audited_without_the_number():
    person = make_person()
    hr = UserFactory(role=Role.HR_STAFF)
    _set(person, hr)
    _set(person, hr, number="6228480012345678")  # replaced: one account per payee
    assert BankAccount.objects.filter(person=person).count() == 1
    records = AuditRecord.objects.filter(action="bank_account.set")
    assert records.count() == 2
    text = json.dumps(list(records.values("target_label", "before", "after", "reason")), ensure_ascii=False)
    assert DIGITS not in text and "6228480012345678" not in text
    assert "6228 **** **** 5678" in text and "6222 **** **** 1234" in text


@pytest.mark.parametrize("who", ["finance", "other_operator", "auditor", "other_department"])
def test_who_may_not_set_an_account_is_refused_by_the_action(who):
    org, other = OrganizationFactory(), OrganizationFactory()
    owner = DepartmentFactory()
    person = make_person(organization=owner)
    actors = {
        "finance": UserFactory(role=Role.FINANCE_OFFICER),
        "other_operator": UserFactory(role=Role.INSTITUTION_OPERATOR, organization=other),
        "auditor": UserFactory(role=Role.AUDITOR),
        "other_department": UserFactory(role=Role.DEPARTMENT_STAFF, organization=DepartmentFactory()),
    }
    for party in (org, person):
        with pytest.raises(DomainError) as exc:
            _set(party, actors[who])
        assert exc.value.code == "not_permitted"
    assert not BankAccount.objects.exists() and not AuditRecord.objects.filter(action="bank_account.set").exists()


def test_the_owning_department_sets_its_persons_account_and_an_operator_its_own():
    owner = DepartmentFactory()
    person = make_person(organization=owner)
    assert person.owner_id == owner.pk
    _set(person, UserFactory(role=Role.DEPARTMENT_STAFF, organization=owner))
    enterprise = OrganizationFactory(kind="enterprise")
    _set(enterprise, UserFactory(role=Role.ENTERPRISE_OPERATOR, organization=enterprise))
    assert BankAccount.objects.count() == 2


@pytest.mark.parametrize("number", ["", "12345", "6222x0212345678", "１２３４５６７８９０", "1" * 31])
def test_an_invalid_number_is_refused(number):
    with pytest.raises(DomainError) as exc:
        _set(OrganizationFactory(), UserFactory(role=Role.HR_STAFF), number=number)
    assert exc.value.code == "bank_account_invalid"


def test_names_are_required_and_bounded():
    hr, org = UserFactory(role=Role.HR_STAFF), OrganizationFactory()
    for name, bank in (("", "银行"), ("户名", " "), ("户" * 121, "银行")):
        with pytest.raises(DomainError):
            bank_account_set(party=org, account_name=name, bank_name=bank, number=NUMBER, actor=hr)


def test_accounts_are_scoped_like_the_payees():
    org, other = OrganizationFactory(), OrganizationFactory()
    hr = UserFactory(role=Role.HR_STAFF)
    _set(org, hr)
    _set(other, hr)
    operator = UserFactory(role=Role.INSTITUTION_OPERATOR, organization=org)
    assert list(scoping.bank_accounts_visible_to(operator).values_list("organization_id", flat=True)) == [org.pk]
    assert scoping.bank_accounts_visible_to(UserFactory(role=Role.FINANCE_OFFICER)).count() == 2


# ---- the operator's page ----------------------------------------------------------------------------


def test_an_operator_keeps_its_own_account_on_its_page(client):
    from django.urls import reverse

    org = OrganizationFactory()
    operator = UserFactory(role=Role.INSTITUTION_OPERATOR, organization=org)
    client.force_login(operator)
    url = reverse("web:finance:own_account")
    assert "未登记收款账户" in client.get(url).content.decode()
    bad = client.post(url, {"account_name": "学校", "bank_name": "工行", "number": "12ab"})
    assert bad.status_code == 400 and "银行账号须为" in bad.content.decode()  # at the field, in Chinese
    assert client.post(url, {"account_name": "学校", "bank_name": "工行", "number": NUMBER}).status_code == 302
    page = client.get(url).content.decode()
    assert "6222 **** **** 1234" in page and DIGITS not in page
    assert BankAccount.objects.get().organization == org


@pytest.mark.parametrize("role", [Role.FINANCE_OFFICER, Role.HR_STAFF, Role.AUDITOR, Role.DEPARTMENT_STAFF])
def test_the_own_account_page_is_for_operators_only(client, role):
    from django.urls import reverse

    org = DepartmentFactory() if role == Role.DEPARTMENT_STAFF else None
    client.force_login(UserFactory(role=role, organization=org))
    url = reverse("web:finance:own_account")
    assert client.get(url).status_code == 403
    assert client.post(url, {"account_name": "x", "bank_name": "y", "number": NUMBER}).status_code == 403
    assert not BankAccount.objects.exists()
