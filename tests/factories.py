"""factory_boy factories and a few named personas. Persons go through the registry action, so
their ID numbers are protected exactly as in production."""

from __future__ import annotations

import itertools
from datetime import date

import factory
from stdnum.cn import uscc

from skillfund.accounts.models import Role, User
from skillfund.organizations.models import Organization
from skillfund.registry.actions import PersonData, person_register
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
