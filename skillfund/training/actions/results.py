"""Results of a class (§3.3.a): the end-of-class assessment, and certificates, checked against the
class's catalog item when linked to an enrolment."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from skillfund.catalog.models import LEVELLED_CERTIFICATES, CertificateKind, Occupation
from skillfund.core import audit
from skillfund.registry.models import Person
from skillfund.training import selectors
from skillfund.training.actions._shared import (
    RecordError,
    _enrolment_ref,
    _ensure_acts_for,
    _ensure_not_future,
    _lock_enrolment,
    _now,
)
from skillfund.training.certificates import certificate_matches
from skillfund.training.models import Assessment, Certificate, ClassPlan, Enrolment

# Results and certificates are recorded for a class that ran, closed or not.
RAN = (ClassPlan.Status.APPROVED, ClassPlan.Status.CLOSED)


# ---- assessment and certificates (§3.3.a) --------------------------------------------------------


@transaction.atomic
def assessment_record(
    *,
    enrolment: Enrolment,
    result: str,
    assessed_on: date,
    actor: Any,
    note: str = "",
    score: Decimal | None = None,
    now: datetime | None = None,
) -> Assessment:
    """The result of the end-of-class assessment. An enrolment whose attendance reaches the
    threshold in force on the last class day becomes completed."""
    today = timezone.localdate(_now(now))
    enrolment = _lock_enrolment(enrolment)
    plan = enrolment.class_plan
    ref = _enrolment_ref(enrolment)
    _ensure_acts_for(actor, plan.institution, plan.department, record=ref)
    if enrolment.status == Enrolment.Status.WITHDRAWN or plan.status not in RAN:
        raise RecordError(
            "not_enrolled",
            record=ref,
            field="enrolment",
            zh="学员已退学或班级未获批准",
            en="the trainee withdrew or the class was not approved",
        )
    if result not in Assessment.Result.values:
        raise RecordError("invalid_input", record=ref, field="result", zh=f"未知结果 {result}", en=f"unknown {result}")
    _ensure_not_future(assessed_on, today=today, record=ref, field="assessed_on")
    if score is not None and not Decimal(0) <= score <= Decimal(100):
        raise RecordError("score_range", record=ref, field="score", zh="成绩须在0–100之间", en="a score is 0–100")
    if assessed_on < plan.end_date:
        raise RecordError(
            "before_class_end",
            record=ref,
            field="assessed_on",
            zh=f"考核日期 {assessed_on} 早于结业日期 {plan.end_date}",
            en=f"assessed on {assessed_on}, before the class ends on {plan.end_date}",
        )
    if Assessment.objects.filter(enrolment=enrolment).exists():
        raise RecordError("already_assessed", record=ref, field="enrolment", zh="已有考核结果", en="already assessed")
    assessment = Assessment.objects.create(
        enrolment=enrolment, result=result, assessed_on=assessed_on, score=score, note=note.strip()
    )
    completed = selectors.completed(enrolment, on=plan.end_date)
    if completed and enrolment.status != Enrolment.Status.COMPLETED:
        enrolment.status = Enrolment.Status.COMPLETED
        enrolment.save(update_fields=["status"])
    audit.record(
        actor=actor,
        action="assessment.record",
        target=enrolment,
        after={"result": result, "assessed_on": assessed_on, "score": score, "completed": completed},
    )
    return assessment


@transaction.atomic
def certificate_record(
    *,
    person: Person,
    kind: str,
    number: str,
    issue_date: date,
    issuing_body: str,
    actor: Any,
    occupation: Occupation | None = None,
    level: int | None = None,
    enrolment: Enrolment | None = None,
    now: datetime | None = None,
) -> Certificate:
    """A certificate (§3.3.a). Linked to an enrolment, it must be the one the class's catalog item
    leads to — same kind, occupation and level — and follow a passed assessment."""
    today = timezone.localdate(_now(now))
    number = number.strip()
    ref = (f"证书 {number}（{person.name}）", f"certificate {number} of {person.name}")
    if enrolment is not None:
        enrolment = _lock_enrolment(enrolment)
        _ensure_acts_for(actor, enrolment.class_plan.institution, enrolment.class_plan.department, record=ref)
    else:
        _ensure_acts_for(actor, record=ref)
    if not number:
        raise RecordError("required", record=ref, field="number", zh="须填写证书编号", en="a number is required")
    if not issuing_body.strip():
        raise RecordError(
            "required", record=ref, field="issuing_body", zh="须填写发证机构", en="the issuer is required"
        )
    if kind not in CertificateKind.values:
        raise RecordError("invalid_input", record=ref, field="kind", zh=f"未知证书类型 {kind}", en=f"unknown {kind}")
    if (kind in LEVELLED_CERTIFICATES) != (level is not None):
        raise RecordError(
            "level_for_kind",
            record=ref,
            field="level",
            zh="职业资格和技能等级证书须有等级，其他证书不得有等级",
            en="qualification and skill-level certificates carry a level; the others do not",
            clause="§3.3.a",
        )
    _ensure_not_future(issue_date, today=today, record=ref, field="issue_date")
    # A number names one certificate, except a 特种作业操作证's: the holder's ID number, on each
    # operation they are certified for (once per operation; the unique constraints hold both).
    same = Certificate.objects.filter(number=number)
    if kind == CertificateKind.SPECIAL_OPERATION:
        taken = same.exclude(kind=kind, person=person).exists() or same.filter(occupation=occupation).exists()
    else:
        taken = same.exists()
    if taken:
        raise RecordError(
            "certificate_number_taken",
            record=ref,
            field="number",
            zh="证书编号已登记",
            en="this number is already on record",
        )
    if enrolment is not None:
        _ensure_certificate_matches_class(
            enrolment, person=person, kind=kind, occupation=occupation, level=level, issue_date=issue_date, ref=ref
        )
    certificate = Certificate.objects.create(
        person=person,
        enrolment=enrolment,
        kind=kind,
        number=number,
        occupation=occupation,
        level=level,
        issue_date=issue_date,
        issuing_body=issuing_body.strip(),
    )
    audit.record(
        actor=actor,
        action="certificate.record",
        target=certificate,
        after={
            "person": person.pk,
            "enrolment": getattr(enrolment, "pk", None),
            "kind": kind,
            "occupation": getattr(occupation, "pk", None),
            "level": level,
            "issue_date": issue_date,
        },
    )
    return certificate


def _ensure_certificate_matches_class(
    enrolment: Enrolment,
    *,
    person: Person,
    kind: str,
    occupation: Occupation | None,
    level: int | None,
    issue_date: date,
    ref: tuple[str, str],
) -> None:
    plan = enrolment.class_plan
    item = plan.catalog_item
    if enrolment.person_id != person.pk:
        raise RecordError(
            "person_mismatch", record=ref, field="person", zh="证书持有人不是该学员", en="the holder is not the trainee"
        )
    if enrolment.status == Enrolment.Status.WITHDRAWN:
        raise RecordError("not_enrolled", record=ref, field="enrolment", zh="学员已退学", en="the trainee withdrew")
    mismatch = certificate_matches(item, kind=kind, level=level, occupation_id=getattr(occupation, "pk", None))
    if mismatch is not None:
        raise RecordError(
            f"certificate_{mismatch.field}_mismatch",
            record=ref,
            field=mismatch.field,
            zh=f"开班计划 {plan.code}：{mismatch.zh}",
            en=f"class plan {plan.code}: {mismatch.en}",
            clause="§3.3.a",
        )
    if issue_date < plan.end_date:
        raise RecordError(
            "issued_before_class_end",
            record=ref,
            field="issue_date",
            zh=f"发证日期 {issue_date} 早于结业日期 {plan.end_date}",
            en=f"issued on {issue_date}, before the class ended on {plan.end_date}",
        )
    assessment = Assessment.objects.filter(enrolment=enrolment).first()
    if assessment is None or assessment.result != Assessment.Result.PASS:
        raise RecordError(
            "not_passed",
            record=ref,
            field="enrolment",
            zh="该学员没有考核合格记录",
            en="the trainee has no passed assessment",
            clause="§3.3.a",
        )
