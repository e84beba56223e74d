"""PIPL Art. 28: ID numbers are validated, encrypted at rest, masked, and every reveal is logged."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from stdnum.cn import ric

from skillfund.accounts.models import Role
from skillfund.core.errors import DomainError
from skillfund.core.models import AuditRecord
from skillfund.registry import idnumbers
from skillfund.registry.actions import person_reveal_id
from skillfund.registry.selectors import person_by_id_number
from tests.factories import UserFactory, make_person
from tests.idgen import make_id


@pytest.mark.parametrize(
    ("number", "birth", "sex"),
    [
        ("11010519491231002X", date(1949, 12, 31), "F"),  # check character X
        (make_id("150602", date(1985, 6, 15), 131), date(1985, 6, 15), "M"),
        (make_id("150627", date(2001, 2, 28), 240), date(2001, 2, 28), "F"),
    ],
)
def test_valid_numbers_give_birth_date_and_sex(number, birth, sex):
    parsed = idnumbers.parse(number)
    assert (parsed.birth_date, parsed.sex) == (birth, sex)


def test_lower_case_x_is_accepted_as_upper_case():
    assert idnumbers.parse("11010519491231002x").number == "11010519491231002X"


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("110105194912310021", "check character"),
        ("11010519491231002", "18 characters"),
        ("1101051949123100AX", "only digits"),
        ("990105194912310020", "no province"),
        ("110105194902300024", "not a real birth date"),  # 30 February
        ("110105209901010010", "impossible"),  # born in the future
    ],
)
def test_invalid_numbers_are_refused_with_a_reason(number, reason):
    if reason in ("not a real birth date", "impossible"):  # give these a correct check character
        number = number[:17] + ric.calc_check_digit(number)
    with pytest.raises(idnumbers.InvalidIdNumber) as exc:
        idnumbers.parse(number)
    assert reason in exc.value.en
    assert exc.value.zh


def test_unknown_county_is_a_warning_not_a_refusal():
    number = make_id("150699", date(1990, 1, 1), 5)
    assert idnumbers.parse(number).warnings


def test_mask_shows_first_six_and_last_four():
    assert idnumbers.mask("150602199001011238") == "150602********1238"


def test_encryption_round_trip_and_fresh_nonce():
    number = make_id()
    a, b = idnumbers.encrypt(number), idnumbers.encrypt(number)
    assert a != b
    assert idnumbers.decrypt(a) == idnumbers.decrypt(b) == number


@pytest.mark.django_db
def test_stored_row_holds_no_plain_number():
    number = make_id("150621", date(1979, 3, 4), 77)
    person = make_person(id_number=number)
    with connection.cursor() as cur:
        cur.execute("SELECT * FROM registry_person WHERE id = %s", [person.pk])
        row = cur.fetchone()
    for value in row:
        raw = bytes(value) if isinstance(value, memoryview | bytes) else str(value).encode()
        assert number.encode() not in raw
        assert number[6:14].encode() + number[14:].encode() not in raw
    assert person.id_masked == idnumbers.mask(number)


@pytest.mark.django_db
def test_lookup_by_full_number_uses_the_blind_index():
    number = make_id("150603", date(1992, 7, 8), 11)
    person = make_person(id_number=number)
    assert person_by_id_number(number) == person
    assert person_by_id_number(make_id("150603", date(1992, 7, 8), 12)) is None


@pytest.mark.django_db
def test_reveal_is_audited_with_who_whose_and_why(hr_user):
    number = make_id(seq=301)
    person = make_person(id_number=number)
    assert person_reveal_id(person=person, actor=hr_user, reason="核对补贴申请") == number
    rec = AuditRecord.objects.filter(action="person.reveal_id").get()
    assert (rec.actor, rec.target_id, rec.reason) == (hr_user, str(person.pk), "核对补贴申请")


@pytest.mark.django_db
def test_reveal_needs_a_reason(hr_user):
    person = make_person()
    with pytest.raises(DomainError):
        person_reveal_id(person=person, actor=hr_user, reason="  ")
    assert not AuditRecord.objects.filter(action="person.reveal_id").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.DEPARTMENT_STAFF, Role.INSTITUTION_OPERATOR, Role.FINANCE_OFFICER])
def test_roles_without_the_grant_cannot_reveal(role, department):
    user = UserFactory(role=role, organization=department)
    person = make_person()
    with pytest.raises(PermissionDenied):
        person_reveal_id(person=person, actor=user, reason="想看")
    assert not AuditRecord.objects.filter(action="person.reveal_id").exists()


@pytest.mark.django_db
def test_registering_an_existing_number_neither_duplicates_nor_overwrites(hr_user):
    number = make_id(seq=402)
    first = make_person(id_number=number, name="李四", phone="13800000000")
    again = make_person(id_number=number, name="李四", phone="13900000000")
    assert first.pk == again.pk
    again.refresh_from_db()
    assert again.phone == "13800000000"  # the difference is a change request (test_person_master_record.py)
    from skillfund.registry.models import Person

    assert Person.objects.count() == 1
