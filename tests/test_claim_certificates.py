"""A claim's certificate is its catalog item's, on every path (online, claims file, API): the
item's certificate kind, occupation and level (§3.3.a); a certificate on record is judged as
recorded and only for its holder; a certificate number is claimed once (database constraint)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from django.db import IntegrityError, transaction
from rest_framework.test import APIClient

from skillfund.accounts.models import Role
from skillfund.catalog.models import CertificateKind
from skillfund.claims.actions import claim_submit
from skillfund.claims.batch import claims_evaluate
from skillfund.claims.models import Application, Claim
from skillfund.core.errors import DomainError, InvalidInput
from skillfund.training.actions.results import certificate_record
from skillfund.training.models import Certificate
from tests.factories import DepartmentFactory, UserFactory, make_catalog_item, make_occupation, make_person
from tests.idgen import make_id

pytestmark = pytest.mark.django_db
TODAY = date(2021, 6, 30)
HEADER = "申请编号,公民身份号码,目录项目,目录年度,培训地区划代码,培训开始日期,培训结束日期,证书类型,证书编号"


@pytest.fixture
def world(db):
    electrician = make_catalog_item()  # 电工 6-31-01-03, level 5, skill-level certificate
    welder = make_catalog_item(code="welder-5", occupation=make_occupation("6-18-02-04", "焊工"), title="焊工（五级）")
    number, other_number = make_id(birth=date(1988, 4, 2), seq=301), make_id(birth=date(1990, 6, 9), seq=302)
    person, other = make_person(id_number=number), make_person(id_number=other_number)

    def recorded(holder, item, cert_number: str, level: int = 5) -> Certificate:
        return certificate_record(
            person=holder,
            kind=CertificateKind.SKILL_LEVEL,
            number=cert_number,
            issue_date=date(2020, 5, 30),
            issuing_body="鄂尔多斯市职业技能等级认定中心",
            actor=None,
            occupation=item.occupation,
            level=level,
        )

    recorded(person, welder, "JN-WELDER")  # the person's, of another occupation
    recorded(person, electrician, "JN-LEVEL4", level=4)  # the person's, of another level
    recorded(other, electrician, "JN-OTHER")  # another person's, of the right occupation and level
    recorded(person, electrician, "JN-OWN")  # the person's, the item's
    return {"electrician": electrician, "person": person, "id": number}


def submit(world, **fields) -> Claim:
    values = {
        "actor": None,
        "person": world["person"],
        "catalog_item": world["electrician"],
        "training_region": "150602",
        "start_date": date(2020, 5, 11),
        "end_date": date(2020, 5, 22),
        "certificate_kind": CertificateKind.SKILL_LEVEL,
        "today": TODAY,
    }
    return claim_submit(**{**values, **fields})


# ---- online ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"certificate_kind": CertificateKind.SPECIAL_OPERATION}, "certificate_kind_mismatch"),
        ({"certificate_number": "JN-WELDER"}, "certificate_occupation_mismatch"),
        ({"certificate_number": "JN-LEVEL4"}, "certificate_level_mismatch"),
        ({"certificate_number": "JN-OTHER"}, "certificate_of_another_person"),
        (
            {"certificate_kind": CertificateKind.QUALIFICATION, "certificate_number": "JN-OWN"},
            "certificate_kind_mismatch",
        ),
        ({"certificate_kind": "", "certificate_number": "JN-OWN"}, "certificate_kind_required"),
    ],
)
def test_online_claim_with_a_certificate_not_of_its_item_is_refused(world, fields, code):
    with pytest.raises(DomainError) as exc:
        submit(world, **fields)
    assert exc.value.code == code and exc.value.zh and exc.value.en
    assert Claim.objects.count() == 0


def test_online_claim_with_the_items_certificate_is_accepted_and_a_number_is_claimed_once(world):
    claim = submit(world, certificate_number="JN-OWN")
    assert (claim.certificate_kind, claim.certificate_number) == ("skill_level", "JN-OWN")
    with pytest.raises(DomainError) as exc:
        submit(world, certificate_number=" JN-OWN ", start_date=date(2020, 9, 1), end_date=date(2020, 9, 9))
    assert exc.value.code == "certificate_already_claimed" and claim.reference in exc.value.en
    assert Claim.objects.count() == 1
    # The database holds it whatever writes the row.
    twin = Claim.objects.filter(pk=claim.pk).values()[0] | {"id": None, "reference": "TWIN"}
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.create(**twin)
    # Claims without a number are not constrained.
    submit(world, start_date=date(2020, 9, 1), end_date=date(2020, 9, 9))
    submit(world, start_date=date(2020, 10, 1), end_date=date(2020, 10, 9))


# ---- the claims file -------------------------------------------------------------------------------


def evaluate(tmp_path: Path, text: str):
    path = tmp_path / "claims.csv"
    path.write_text(text, encoding="utf-8")
    return claims_evaluate(actor=None, file=path, out=tmp_path / "decisions.csv", today=TODAY)


def test_claims_file_refuses_certificates_not_of_the_item_naming_row_column_and_value(tmp_path, world):
    base = f"{world['id']},electrician-5,2020,150602,2020-05-11,2020-05-22"
    rows = [
        f"F-1,{base},特种作业操作证,",  # another kind
        f"F-2,{base},职业技能等级证书,JN-WELDER",  # recorded: another occupation
        f"F-3,{base},职业技能等级证书,JN-LEVEL4",  # recorded: another level
        f"F-4,{base},职业技能等级证书,JN-OTHER",  # recorded: another person's
        f"F-5,{base},职业技能等级证书,ZS-9",
        f"F-6,{base},职业技能等级证书,ZS-9",  # the same number twice in one file
    ]
    with pytest.raises(InvalidInput) as exc:
        evaluate(tmp_path, "\n".join([HEADER, *rows]))
    assert [(p.row, p.column, p.value) for p in exc.value.problems] == [
        (2, "证书类型", "特种作业操作证"),
        (3, "证书编号", "JN-WELDER"),
        (4, "证书编号", "JN-LEVEL4"),
        (5, "证书编号", "JN-OTHER"),
        (7, "证书编号", "ZS-9"),
    ]
    en = [p.en for p in exc.value.problems]
    assert "kind does not match catalog item electrician-5" in en[0]
    assert "occupation does not match" in en[1] and "level does not match" in en[2]
    assert "another person" in en[3] and "duplicates row 6" in en[4]
    assert Claim.objects.count() == 0


def test_claims_file_refuses_a_number_another_claim_used(tmp_path, world):
    submit(world, certificate_number="JN-OWN")
    row = f"F-7,{world['id']},electrician-5,2020,150602,2020-06-01,2020-06-09,职业技能等级证书,JN-OWN"
    with pytest.raises(InvalidInput) as exc:
        evaluate(tmp_path, f"{HEADER}\n{row}")
    assert [(p.row, p.column) for p in exc.value.problems] == [(2, "证书编号")]
    assert "already claimed" in exc.value.problems[0].en
    good = f"F-8,{world['id']},electrician-5,2020,150602,2020-06-01,2020-06-09,职业技能等级证书,ZS-10"
    assert evaluate(tmp_path, f"{HEADER}\n{good}").created == 1
    assert evaluate(tmp_path, f"{HEADER}\n{good}").reused == 1  # a re-run reuses its own claim's number


# ---- the API ---------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_api_refuses_an_application_of_a_claim_whose_certificate_is_not_its_items(world):
    """A claim that reached the database around the checks (an old record, a direct write) cannot
    be sent for review through the API: 400 with the code, nothing created."""
    department = DepartmentFactory(unit_code="agri")
    good = submit(world, certificate_number="JN-OWN", department=department)
    bad = Claim.objects.filter(pk=good.pk).values()[0] | {"id": None, "reference": "LEGACY-1"}
    bad |= {"certificate_number": "JN-WELDER", "start_date": date(2020, 7, 1), "end_date": date(2020, 7, 9)}
    Claim.objects.create(**bad)
    client = APIClient()
    client.force_login(UserFactory(role=Role.DEPARTMENT_STAFF, organization=department))
    body = {"kind": "individual", "department": "agri", "claims": ["LEGACY-1"]}
    response = client.post("/api/v1/applications/", body, format="json", headers={"Idempotency-Key": "c-1"})
    assert response.status_code == 400, response.json()
    assert (response.json()["code"], response.json()["clause"]) == ("certificate_occupation_mismatch", "§3.3.a")
    assert "LEGACY-1" in str(response.json())
    assert Application.objects.count() == 0
    body["claims"] = [good.reference]
    response = client.post("/api/v1/applications/", body, format="json", headers={"Idempotency-Key": "c-2"})
    assert response.status_code == 201, response.json()


# ---- 特种作业操作证: the holder's ID number on each operation ---------------------------------------


def test_two_special_operation_certificates_share_the_holders_id_number_and_each_is_claimed_once(world):
    """Since 2010 a 特种作业操作证's number is its holder's ID number, on every operation they are
    certified for: the certificate is the number and the operation, so a worker certified as a
    low-voltage electrician and as a welder records and claims both, and neither twice (§3.3.a)."""
    from skillfund.catalog.models import Occupation

    def operation(code: str, name: str) -> object:
        occupation = Occupation.objects.create(code=code, name=name, scheme=Occupation.Scheme.SPECIAL_OPERATION)
        return make_catalog_item(
            code=code,
            occupation=occupation,
            title=f"{name}作业",
            level=None,
            certificate_kind=CertificateKind.SPECIAL_OPERATION,
        )

    low_voltage, welding = operation("SO-1-1", "低压电工"), operation("SO-2-1", "熔化焊接与热切割")
    person, number = world["person"], world["id"]
    for item in (low_voltage, welding):
        certificate_record(
            person=person,
            kind=CertificateKind.SPECIAL_OPERATION,
            number=number,
            issue_date=date(2020, 5, 30),
            issuing_body="鄂尔多斯市应急管理局",
            actor=None,
            occupation=item.occupation,
        )
    with pytest.raises(DomainError) as again:  # the same operation's certificate twice
        certificate_record(
            person=person,
            kind=CertificateKind.SPECIAL_OPERATION,
            number=number,
            issue_date=date(2020, 6, 30),
            issuing_body="鄂尔多斯市应急管理局",
            actor=None,
            occupation=low_voltage.occupation,
        )
    assert again.value.code == "certificate_number_taken"

    so = {"certificate_kind": CertificateKind.SPECIAL_OPERATION, "certificate_number": number}
    first = submit(world, catalog_item=low_voltage, **so)
    second = submit(world, catalog_item=welding, **so)
    assert {first.subject, second.subject} == {"SO-1-1", "SO-2-1"}
    with pytest.raises(DomainError) as twice:
        submit(world, catalog_item=welding, **so)
    assert twice.value.code == "certificate_already_claimed"
    with pytest.raises(IntegrityError), transaction.atomic():  # the database holds it on any path
        Claim.objects.filter(pk=first.pk).update(subject=second.subject)
