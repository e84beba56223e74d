"""Demo training delivery for Ordos 2020: a handful of approved classes across the departments of
the Annex, with sessions, enrolments of demo persons, attendance, results and certificates, and
one 以工代训 employment. Runs after `demo.data.load_demo` (organizations, persons, accounts).

Beside that history, the current demo year (demo/year.py) gets classes placed around the setup
date, coded `YS<year>-…` (演示): one delivered weeks ago for each kind of application the claims demo
walks part-way, one approved and starting soon with places left, and one filed for a department to
approve. Running setup again the same year finds them; the next year adds that year's.

Everything goes through the training actions with the clock set to the day each step happened,
so the demo exercises the real checks. Deterministic, and running it twice changes nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Case, Q, QuerySet, When
from django.utils import timezone

from skillfund.accounts.models import Role, User
from skillfund.catalog.models import CatalogItem, CertificateKind
from skillfund.claims.preview import enrolment_preview
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
from skillfund.training.models import Attendance, ClassPlan, Employment, Enrolment

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


@dataclass(frozen=True)
class CurrentClass:
    """A class of the current demo year, placed `starts_in` days from the setup date."""

    key: str
    institution: str
    item: str  # catalog item code (every demo year's catalog has the 2021 codes)
    department: str
    annex_task: str
    funding_mode: str
    starts_in: int
    trainees: tuple[StatusKind, ...]  # statuses held on the first day, any of them
    approver: str
    state: str  # "delivered" (trained, certified), "approved" (places left), "filed" (awaiting approval)
    enrolled: int = TRAINEES
    enterprise_order: str = ""

    def code(self, year: int) -> str:
        return f"YS{year}-{self.key}"


CURRENT = [
    CurrentClass(
        "XMB-01",
        "鑫源培训学校",
        "security-guard",
        "hrss",
        "hrss-rural-transfer",
        ClassPlan.FundingMode.PROJECT,
        -50,
        (StatusKind.POOR_LABOURER, StatusKind.CAPACITY_CUT, StatusKind.VETERAN),  # §3.3.i project groups
        "dept_hrss",
        "delivered",
    ),
    CurrentClass(
        "DG-01",
        "华夏培训学校",
        "childcare",
        "hrss",
        "hrss-urban",
        ClassPlan.FundingMode.INDIVIDUAL,
        -35,
        (StatusKind.UNEMPLOYED,),
        "hr",
        "delivered",
    ),
    CurrentClass(
        "DG-02",
        "华夏培训学校",
        "welder-5",
        "hrss",
        "hrss-urban",
        ClassPlan.FundingMode.INDIVIDUAL,
        10,
        (StatusKind.UNEMPLOYED,),
        "hr",
        "approved",
        enrolled=2,
    ),
    CurrentClass(
        "AQ-01",
        "安泰安全培训",
        "so-height",
        "emergency",
        "annex-2",
        ClassPlan.FundingMode.ENTERPRISE,
        14,
        (StatusKind.EMPLOYEE_INSURED,),
        "dept_emergency",
        "filed",
        enrolled=0,
        enterprise_order="昊华煤业",
    ),
]

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
    return list(_holders((kind,), on, region)[:TRAINEES])


def _holders(kinds: tuple[StatusKind, ...], on: date, region: str) -> QuerySet[Person]:
    holding = Q(statuses__kind__in=kinds, statuses__valid_from__lte=on) & (
        Q(statuses__valid_to__isnull=True) | Q(statuses__valid_to__gte=on)
    )
    local = Q(hukou_region=region) | Q(residence_region=region) | Q(job_region=region)
    return (
        Person.objects.filter(holding)
        .annotate(local=Case(When(local, then=0), default=1))
        .order_by("local", "pk")
        .distinct()
    )


def _eligible_trainees(plan: ClassPlan, kinds: tuple[StatusKind, ...]) -> list[Person]:
    """For the current demo year: holders of one of `kinds` the rules would subsidize for this class first
    (the enrolment preview: place §3.3.a, never twice §3.3.b, …), so that whatever the persons and
    earlier demo years, the queues the claims demo fills have lines to decide."""
    item = plan.catalog_item
    holders = list(  # nor anyone already in a class of the item's occupation and level, claimed or not
        _holders(kinds, plan.start_date, plan.region).exclude(
            enrolments__class_plan__catalog_item__occupation=item.occupation_id,
            enrolments__class_plan__catalog_item__level=item.level,
        )
    )
    eligible = {p.pk for p in holders if enrolment_preview(SimpleNamespace(class_plan=plan, person=p))["eligible"]}
    return sorted(holders, key=lambda p: p.pk not in eligible)[:TRAINEES]


def _create_class(
    spec: DemoClass, *, filed: datetime | None = None, approved: datetime | None = None, approve: bool = True
) -> ClassPlan:
    """File the class (by default two weeks before it starts) and approve it (three days later)."""
    orgs = {o.short_name: o for o in Organization.objects.exclude(short_name="")}
    item = CatalogItem.objects.get(year=spec.start.year, code=spec.item)
    department = Organization.objects.get(unit_code=spec.department)
    days = math.ceil(item.min_hours / DAY_HOURS)
    # The catalog lists the institutions that deliver an item (§4.4.c); the demo's are demo data.
    item.approved_institutions.add(orgs[spec.institution])
    task = AnnexTask.objects.get(  # the annex task of the programme running that year
        code=spec.annex_task,
        unit=department,
        programme__start_year__lte=spec.start.year,
        programme__end_year__gte=spec.start.year,
    )
    plan = class_plan_create(
        actor=None,
        code=spec.code,
        institution=orgs[spec.institution],
        catalog_item=item,
        department=department,
        annex_task=task,
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
    filed = filed or _at(spec.start - timedelta(days=14), 10)
    class_plan_file(class_plan=plan, actor=None, now=filed)
    if approve:
        approved = approved or filed + timedelta(days=3)
        class_plan_approve(class_plan=plan, actor=_approver(spec.approver), now=approved)
    return plan


def _enrol(plan: ClassPlan, persons: list[Person], at: datetime) -> list[Enrolment]:
    """Enrol those of `persons` who are free on the class's days."""
    enrolments = []
    for person in persons:
        if selectors.clashing_session(person=person, class_plan=plan) is None:
            enrolments.append(enrolment_create(class_plan=plan, person=person, actor=None, now=at))
    return enrolments


def _deliver(plan: ClassPlan, persons: list[Person]) -> None:
    """Enrol `persons`, attend (the sixth misses a third of the days), assess and certify."""
    item, hr = plan.catalog_item, _approver("hr")
    sessions = list(plan.sessions.order_by("starts_at"))
    after = _at(plan.end_date + timedelta(days=1), 9)
    enrolments = _enrol(plan, persons, _at(plan.start_date - timedelta(days=5), 10))
    for n, enrolment in enumerate(enrolments):
        person = enrolment.person
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


def _current(spec: CurrentClass, now: datetime) -> None:
    """One class of the current demo year, brought to its state as of `now`."""
    today = timezone.localdate(now)
    demo = DemoClass(
        spec.code(today.year),
        spec.institution,
        spec.item,
        spec.department,
        spec.annex_task,
        spec.funding_mode,
        today + timedelta(days=spec.starts_in),
        spec.trainees[0],
        spec.approver,
        enterprise_order=spec.enterprise_order,
    )
    if spec.state == "delivered":
        plan = _create_class(demo)
        _deliver(plan, _eligible_trainees(plan, spec.trainees))
        return
    # Filed two days ago, approved yesterday, enrolled an hour ago: all before `now`.
    filed, approved = now - timedelta(days=2), now - timedelta(days=1)
    plan = _create_class(demo, filed=filed, approved=approved, approve=spec.state == "approved")
    _enrol(plan, _eligible_trainees(plan, spec.trainees)[: spec.enrolled], now - timedelta(hours=1))


@transaction.atomic
def load_training_demo() -> int:
    """Create the demo classes that do not exist yet (history and the current demo year, whose
    programme and catalog demo/year.py loads first); return how many were created."""
    created = 0
    for spec in CLASSES:
        if ClassPlan.objects.filter(code=spec.code).exists():
            continue
        plan = _create_class(spec)
        _deliver(plan, _trainees(spec.trainees, plan.start_date, plan.region))
        created += 1
    _work_based()
    now = timezone.now()
    for current in CURRENT:
        if not ClassPlan.objects.filter(code=current.code(timezone.localdate(now).year)).exists():
            _current(current, now)
            created += 1
    return created
