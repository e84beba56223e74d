"""Demo training delivery for Ordos 2020: a handful of approved classes across the departments of
the Annex, with sessions, enrolments of demo persons, attendance, results and certificates, and
one 以工代训 employment. Runs after `demo.data.load_demo` (organizations, persons, accounts).

Everything goes through the training actions with the clock set to the day each step happened,
so the demo exercises the real checks. Deterministic, and running it twice changes nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Case, Q, When

from skillfund.accounts.models import Role, User
from skillfund.catalog.models import CatalogItem, CertificateKind
from skillfund.organizations.models import Organization
from skillfund.programme.models import AnnexTask
from skillfund.registry.models import Person, StatusKind
from skillfund.training import selectors
from skillfund.training.actions.enrolment import attendance_record, enrolment_create
from skillfund.training.actions.plans import (
    class_plan_add_session,
    class_plan_approve,
    class_plan_create,
    class_plan_file,
)
from skillfund.training.actions.results import assessment_record, certificate_record
from skillfund.training.actions.work import employment_create, work_training_month_record
from skillfund.training.models import Attendance, ClassPlan, Employment

LOCAL = ZoneInfo("Asia/Shanghai")
DAY_HOURS = 8  # 08:30–17:30 with an hour's break
TRAINEES = 6
METHODS = (Attendance.Method.FACE, Attendance.Method.FINGERPRINT, Attendance.Method.CARD)
ISSUERS = {
    CertificateKind.SKILL_LEVEL: "鄂尔多斯市职业技能等级认定中心",
    CertificateKind.QUALIFICATION: "鄂尔多斯市职业技能鉴定指导中心",
    CertificateKind.SPECIAL_OPERATION: "鄂尔多斯市应急管理局",
    CertificateKind.SPECIAL_ABILITY: "鄂尔多斯市职业技能鉴定指导中心",
    CertificateKind.TRAINING_COMPLETION: "",  # the institution itself
}


@dataclass(frozen=True)
class DemoClass:
    code: str
    institution: str  # short name in demo.data.ORGANIZATIONS
    item: str  # 2020 catalog item code
    department: str  # unit code
    annex_task: str
    funding_mode: str
    start: date
    trainees: StatusKind
    approver: str  # demo account
    enterprise_order: str = ""


CLASSES = [
    DemoClass(
        "AQ-2020-001",
        "安泰安全培训",
        "miner-safety",
        "emergency",
        "annex-2",
        ClassPlan.FundingMode.ENTERPRISE,
        date(2020, 4, 13),
        StatusKind.EMPLOYEE_INSURED,
        "dept_emergency",
        enterprise_order="昊华煤业",
    ),
    DemoClass(
        "DG-2020-001",
        "华夏培训学校",
        "electrician-5",
        "hrss",
        "hrss-urban",
        ClassPlan.FundingMode.INDIVIDUAL,
        date(2020, 5, 11),
        StatusKind.UNEMPLOYED,
        "hr",
    ),
    DemoClass(
        "TY-2020-001",
        "恒信培训中心",
        "auto-mechanic-5",
        "veterans",
        "annex-7",
        ClassPlan.FundingMode.PROJECT,
        date(2020, 6, 8),
        StatusKind.VETERAN,
        "dept_veterans",
    ),
    DemoClass(
        "NM-2020-001",
        "乌审农牧培训",
        "livestock-breeding",
        "agriculture",
        "annex-4",
        ClassPlan.FundingMode.INDIVIDUAL,
        date(2020, 7, 6),
        StatusKind.RURAL_TRANSFER,
        "hr",
    ),
    DemoClass(
        "FP-2020-001",
        "鑫源培训学校",
        "housekeeping-5",
        "hrss",
        "hrss-rural-transfer",
        ClassPlan.FundingMode.PROJECT,
        date(2020, 8, 3),
        StatusKind.POOR_LABOURER,
        "hr",
    ),
]


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LOCAL)


def _approver(username: str) -> User:
    user = User.objects.filter(username=username).first()
    return user or User.objects.filter(role=Role.HR_STAFF, is_active=True).order_by("pk").first()


def _trainees(kind: StatusKind, on: date, region: str = "") -> list[Person]:
    """Persons holding `kind` on the class's first day: first those registered, living or seeking
    work where the class is held (§3.3.a), then the others, by record."""
    holding = Q(statuses__kind=kind, statuses__valid_from__lte=on) & (
        Q(statuses__valid_to__isnull=True) | Q(statuses__valid_to__gte=on)
    )
    local = Q(hukou_region=region) | Q(residence_region=region) | Q(job_region=region)
    persons = (
        Person.objects.filter(holding)
        .annotate(local=Case(When(local, then=0), default=1))
        .order_by("local", "pk")
        .distinct()
    )
    return list(persons[:TRAINEES])


def _create_class(spec: DemoClass) -> ClassPlan:
    orgs = {o.short_name: o for o in Organization.objects.exclude(short_name="")}
    item = CatalogItem.objects.get(year=spec.start.year, code=spec.item)
    department = Organization.objects.get(unit_code=spec.department)
    days = math.ceil(item.min_hours / DAY_HOURS)
    # The catalog lists the institutions that deliver an item (§4.4.c); the demo's are demo data.
    item.approved_institutions.add(orgs[spec.institution])
    plan = class_plan_create(
        actor=None,
        code=spec.code,
        institution=orgs[spec.institution],
        catalog_item=item,
        department=department,
        annex_task=AnnexTask.objects.get(code=spec.annex_task, unit=department),
        funding_mode=spec.funding_mode,
        region=orgs[spec.institution].region,
        venue=f"{orgs[spec.institution].name} 实训楼",
        start_date=spec.start,
        end_date=spec.start + timedelta(days=days - 1),
        capacity=30,
        enterprise_order=orgs.get(spec.enterprise_order),
    )
    for i in range(days):
        day = spec.start + timedelta(days=i)
        class_plan_add_session(
            class_plan=plan,
            starts_at=_at(day, 8, 30),
            ends_at=_at(day, 17, 30),
            hours=Decimal(DAY_HOURS),
            topic=f"{item.title} 第{i + 1}天",
            actor=None,
        )
    filed = _at(spec.start - timedelta(days=14), 10)
    class_plan_file(class_plan=plan, actor=None, now=filed)
    class_plan_approve(class_plan=plan, actor=_approver(spec.approver), now=filed + timedelta(days=3))
    return plan


def _deliver(plan: ClassPlan, spec: DemoClass) -> None:
    """Enrol, attend (one trainee misses a third of the days), assess and certify."""
    item, hr = plan.catalog_item, _approver("hr")
    sessions = list(plan.sessions.order_by("starts_at"))
    after = _at(plan.end_date + timedelta(days=1), 9)
    for n, person in enumerate(_trainees(spec.trainees, plan.start_date, plan.region)):
        if selectors.clashing_session(person=person, class_plan=plan) is not None:
            continue
        enrolment = enrolment_create(
            class_plan=plan, person=person, actor=None, now=_at(plan.start_date - timedelta(days=5), 10)
        )
        for s, session in enumerate(sessions):
            if n == TRAINEES - 1 and s % 3 == 0:
                continue  # the one who will not reach the threshold
            manual = n == 0 and s == 1  # the face reader failed once
            attendance_record(
                enrolment=enrolment,
                session=session,
                check_in=session.starts_at - timedelta(minutes=(n * 3 + s) % 11),
                check_out=session.ends_at + timedelta(minutes=(n + s) % 7),
                method=Attendance.Method.MANUAL if manual else METHODS[(n + s) % len(METHODS)],
                actor=hr if manual else None,
                reason="人脸识别设备故障，按纸质签到表补录" if manual else "",
                now=after,
            )
        passed = selectors.completed(enrolment, on=plan.end_date)
        assessment_record(
            enrolment=enrolment,
            result="pass" if passed else "absent",
            assessed_on=plan.end_date + timedelta(days=2),
            actor=None,
            now=after + timedelta(days=2),
        )
        if passed:
            certificate_record(
                person=person,
                enrolment=enrolment,
                kind=item.certificate_kind,
                number=f"{plan.code}-{n + 1:03d}",
                occupation=item.occupation,
                level=item.level,
                issue_date=plan.end_date + timedelta(days=20),
                issuing_body=ISSUERS[item.certificate_kind] or plan.institution.name,
                actor=None,
                now=after + timedelta(days=20),
            )


def _work_based() -> None:
    """以工代训 (§3.3.g): a poverty-alleviation workshop employs a poor labourer and trains them."""
    workshop = Organization.objects.get(short_name="前旗扶贫车间")
    person = _trainees(StatusKind.POOR_LABOURER, date(2020, 3, 1))[-1]
    start = date(2020, 3, 2)
    if Employment.objects.filter(employer=workshop, person=person, start_date=start).exists():
        return
    employment = employment_create(employer=workshop, person=person, start_date=start, actor=None)
    for m in range(3, 7):
        work_training_month_record(
            employment=employment,
            month=date(2020, m, 1),
            hours=Decimal("40.0"),
            content="民族服饰缝制岗位实操：裁剪、缝纫、质检",
            actor=None,
            now=_at(date(2020, m + 1, 3), 9),
        )


@transaction.atomic
def load_training_demo() -> int:
    """Create the demo classes that do not exist yet; return how many were created."""
    created = 0
    for spec in CLASSES:
        if ClassPlan.objects.filter(code=spec.code).exists():
            continue
        _deliver(_create_class(spec), spec)
        created += 1
    _work_based()
    return created
