"""factory_boy factories and a few named personas. Persons go through the registry action, so
their ID numbers are protected exactly as in production."""

from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import factory
from stdnum.cn import uscc

from skillfund.accounts.models import Role, User
from skillfund.catalog.models import CatalogItem, CertificateKind, Occupation, TrainingType
from skillfund.organizations.models import Organization
from skillfund.registry.actions import PersonData, person_register
from skillfund.training.actions.plans import (
    class_plan_add_session,
    class_plan_approve,
    class_plan_create,
    class_plan_file,
)
from skillfund.training.models import ClassPlan, Teacher
from tests.idgen import make_id

_seq = itertools.count(1)


def make_credit_code(n: int) -> str:
    body = f"91150602MA{n:07d}"
    return body + uscc.calc_check_digit(body)


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    kind = Organization.Kind.TRAINING_INSTITUTION
    name = factory.Sequence(lambda n: f"测试培训学校{n}")
    credit_code = factory.Sequence(lambda n: make_credit_code(n + 1))
    region = "150602"
    ownership = Organization.Ownership.PRIVATE


class DepartmentFactory(OrganizationFactory):
    kind = Organization.Kind.GOVERNMENT
    name = factory.Sequence(lambda n: f"测试局{n}")
    credit_code = None
    unit_code = factory.Sequence(lambda n: f"dept-{n}")
    ownership = ""


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.HR_STAFF
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def make_person(*, organization=None, actor=None, **fields):
    n = next(_seq)
    data = PersonData(
        id_number=fields.pop("id_number", make_id(birth=date(1990, 1, 1 + n % 28), seq=n % 1000)),
        name=fields.pop("name", f"张三{n}"),
        hukou_region=fields.pop("hukou_region", "150602"),
        residence_region=fields.pop("residence_region", "150602"),
        **fields,
    )
    person, _ = person_register(actor=actor, data=data, organization=organization)
    return person


# ---- training delivery ---------------------------------------------------------------------------

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A class of 5 mornings, 3 class hours each, filed and approved the month before.
CLASS_START = date(2020, 6, 1)
BEFORE_CLASS = datetime(2020, 5, 20, 9, 0, tzinfo=SHANGHAI)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A local (Asia/Shanghai) time on `day`."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def make_occupation(code: str = "6-31-01-03", name: str = "电工") -> Occupation:
    return Occupation.objects.get_or_create(
        code=code, defaults={"name": name, "scheme": Occupation.Scheme.NATIONAL, "levels": [5, 4, 3, 2, 1]}
    )[0]


def make_catalog_item(
    *, year: int = 2020, code: str = "electrician-5", occupation: Occupation | None = None, **fields
) -> CatalogItem:
    defaults = {
        "title": "电工（五级/初级工）",
        "occupation": occupation or make_occupation(),
        "level": 5,
        "certificate_kind": CertificateKind.SKILL_LEVEL,
        "training_type": TrainingType.EMPLOYMENT_SKILLS,
        "min_hours": 12,
        "standard": Decimal("1200.00"),
        **fields,
    }
    return CatalogItem.objects.get_or_create(year=year, code=code, defaults=defaults)[0]


class TeacherFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Teacher

    name = factory.Sequence(lambda n: f"李老师{n}")
    qualification = "高级技师"
    organization = factory.SubFactory(OrganizationFactory)


def make_class_plan(
    *,
    institution: Organization | None = None,
    department: Organization | None = None,
    catalog_item: CatalogItem | None = None,
    start: date = CLASS_START,
    days: int = 5,
    hours: tuple[int, int] = (9, 12),
    approve: bool = True,
    approver: User | None = None,
    **fields,
) -> ClassPlan:
    """A class plan with one session a day, filed by the platform and approved by HR before it starts.
    The institution is approved for the catalog item (§4.4.c) unless `approved_for_item=False`."""
    institution = institution or OrganizationFactory()
    catalog_item = catalog_item or make_catalog_item(year=start.year)
    if fields.pop("approved_for_item", True):
        catalog_item.approved_institutions.add(institution)
    plan = class_plan_create(
        actor=None,
        code=fields.pop("code", f"BJ-{next(_seq):05d}"),
        institution=institution,
        catalog_item=catalog_item,
        department=department or DepartmentFactory(),
        funding_mode=fields.pop("funding_mode", ClassPlan.FundingMode.INDIVIDUAL),
        region=fields.pop("region", "150602"),
        venue=fields.pop("venue", "东胜区培训楼 201"),
        start_date=start,
        end_date=start + timedelta(days=days - 1),
        capacity=fields.pop("capacity", 30),
        **fields,
    )
    for i in range(days):
        day = start + timedelta(days=i)
        class_plan_add_session(
            class_plan=plan,
            starts_at=at(day, hours[0]),
            ends_at=at(day, hours[1]),
            hours=Decimal(hours[1] - hours[0]),
            actor=None,
        )
    if approve:
        before = datetime.combine(start - timedelta(days=12), time(9), tzinfo=SHANGHAI)
        class_plan_file(class_plan=plan, actor=None, now=before)
        approver = approver or UserFactory(role=Role.HR_STAFF)
        class_plan_approve(class_plan=plan, actor=approver, now=before + timedelta(days=2))
    plan.refresh_from_db()
    return plan


def asserting_unit(kind: str) -> Organization:
    """A government unit that the status-assertion table allows to assert `kind` (one per code)."""
    from skillfund.registry.assertion import table

    code = sorted(table()[kind].units)[0]
    unit = Organization.objects.filter(unit_code=code).first()
    return unit or DepartmentFactory(unit_code=code, name=f"认定单位-{code}")
