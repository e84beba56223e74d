"""Assessment and certificates (§3.3.a): a result after the class ends, and a certificate that is
the one the class's catalog item leads to, with a number nobody else holds."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from skillfund.catalog.models import CertificateKind
from skillfund.core.errors import DomainError
from skillfund.core.models import AuditRecord
from skillfund.training.actions.enrolment import attendance_record, enrolment_create
from skillfund.training.actions.results import assessment_record, certificate_record
from skillfund.training.models import Assessment, Certificate, Enrolment
from tests.factories import CLASS_START, at, make_class_plan, make_occupation, make_person

pytestmark = pytest.mark.django_db

CLASS_END = CLASS_START + timedelta(days=4)
EXAM_DAY = CLASS_END + timedelta(days=2)
ISSUED = CLASS_END + timedelta(days=20)


@pytest.fixture
def enrolment():
    plan = make_class_plan()  # 电工 level 5, skill-level certificate
    return enrolment_create(
        class_plan=plan, person=make_person(), actor=None, now=at(CLASS_START - timedelta(days=2), 9)
    )


@pytest.fixture
def passed(enrolment):
    assessment_record(enrolment=enrolment, result="pass", assessed_on=EXAM_DAY, actor=None)
    return enrolment


def counts() -> tuple[int, int, int]:
    return AuditRecord.objects.count(), Certificate.objects.count(), Assessment.objects.count()


def certify(enrolment, **fields) -> Certificate:
    values = {
        "person": enrolment.person,
        "enrolment": enrolment,
        "kind": CertificateKind.SKILL_LEVEL,
        "number": "S000015060200001",
        "occupation": enrolment.class_plan.catalog_item.occupation,
        "level": 5,
        "issue_date": ISSUED,
        "issuing_body": "鄂尔多斯市职业技能鉴定中心",
        "actor": None,
    }
    return certificate_record(**{**values, **fields})


def test_certificate_of_the_class_is_recorded(passed):
    certificate = certify(passed)
    assert (certificate.kind, certificate.level, certificate.enrolment) == ("skill_level", 5, passed)
    assert AuditRecord.objects.latest("id").action == "certificate.record"


def test_certificate_for_another_occupation_refused(passed):
    welder = make_occupation("6-18-02-04", "焊工")
    before = counts()
    with pytest.raises(DomainError) as exc:
        certify(passed, occupation=welder)
    assert (exc.value.code, exc.value.field, exc.value.clause) == (
        "certificate_occupation_mismatch",
        "occupation",
        "§3.3.a",
    )
    assert "S000015060200001" in exc.value.en and passed.class_plan.code in exc.value.zh
    assert counts() == before


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"level": 4}, "certificate_level_mismatch", "level"),
        ({"kind": CertificateKind.QUALIFICATION}, "certificate_kind_mismatch", "kind"),
        ({"kind": CertificateKind.SPECIAL_ABILITY, "level": None}, "certificate_kind_mismatch", "kind"),
        ({"kind": CertificateKind.TRAINING_COMPLETION}, "level_for_kind", "level"),
    ],
)
def test_certificate_must_match_the_catalog_item(passed, fields, code, field):
    before = counts()
    with pytest.raises(DomainError) as exc:
        certify(passed, **fields)
    assert (exc.value.code, exc.value.field) == (code, field)
    assert counts() == before


def test_certificate_number_unique(passed):
    certify(passed)
    other = make_person()
    before = counts()
    with pytest.raises(DomainError) as exc:
        certificate_record(
            person=other,
            kind=CertificateKind.SPECIAL_OPERATION,
            number=" S000015060200001 ",
            issue_date=ISSUED,
            issuing_body="应急管理局",
            actor=None,
        )
    assert (exc.value.code, exc.value.field) == ("certificate_number_taken", "number")
    assert counts() == before
    with pytest.raises(IntegrityError), transaction.atomic():
        Certificate.objects.create(
            person=other, kind="skill_level", level=5, number="S000015060200001", issue_date=ISSUED, issuing_body="x"
        )


def test_future_dates_refused(passed):
    future = timezone.localdate() + timedelta(days=30)
    unassessed = enrolment_create(
        class_plan=make_class_plan(), person=make_person(), actor=None, now=at(CLASS_START - timedelta(days=1), 9)
    )
    before = counts()
    with pytest.raises(DomainError) as exc:
        certify(passed, issue_date=future)
    assert (exc.value.code, exc.value.field) == ("future_date", "issue_date")
    with pytest.raises(DomainError) as exc:
        assessment_record(enrolment=unassessed, result="pass", assessed_on=future, actor=None)
    assert (exc.value.code, exc.value.field) == ("future_date", "assessed_on")
    assert counts() == before


def test_assessment_before_the_class_ends_refused(enrolment):
    before = counts()
    with pytest.raises(DomainError) as exc:
        assessment_record(enrolment=enrolment, result="pass", assessed_on=CLASS_END - timedelta(days=1), actor=None)
    assert (exc.value.code, exc.value.field) == ("before_class_end", "assessed_on")
    assert counts() == before


def test_one_assessment_per_enrolment(passed):
    with pytest.raises(DomainError) as exc:
        assessment_record(enrolment=passed, result="fail", assessed_on=EXAM_DAY, actor=None)
    assert exc.value.code == "already_assessed"


def test_certificate_needs_a_passed_assessment(enrolment):
    assessment_record(enrolment=enrolment, result="fail", assessed_on=EXAM_DAY, actor=None)
    with pytest.raises(DomainError) as exc:
        certify(enrolment)
    assert (exc.value.code, exc.value.clause) == ("not_passed", "§3.3.a")


def test_certificate_of_another_trainee_refused(passed):
    with pytest.raises(DomainError) as exc:
        certify(passed, person=make_person())
    assert (exc.value.code, exc.value.field) == ("person_mismatch", "person")


def test_certificate_issued_before_the_class_ended_refused(passed):
    with pytest.raises(DomainError) as exc:
        certify(passed, issue_date=CLASS_END - timedelta(days=1))
    assert (exc.value.code, exc.value.field) == ("issued_before_class_end", "issue_date")


def test_assessment_completes_an_enrolment_that_reached_the_threshold(enrolment):
    for session in enrolment.class_plan.sessions.all():
        attendance_record(
            enrolment=enrolment,
            session=session,
            check_in=session.starts_at,
            check_out=session.ends_at,
            method="card",
            actor=None,
        )
    assessment_record(enrolment=enrolment, result="pass", assessed_on=EXAM_DAY, actor=None)
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.COMPLETED


def test_assessment_without_attendance_leaves_the_enrolment_open(enrolment):
    assessment_record(enrolment=enrolment, result="absent", assessed_on=EXAM_DAY, actor=None)
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.ENROLLED
