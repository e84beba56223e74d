"""An enterprise's pages: 以工代训 (§3.3.g) employments of people on its roster, their monthly
records and the claim for the months not claimed yet (at most 6 subsidized), its applications shown
by default with their decisions; another employer's employment answers 404; the actions refuse the
wrong actor themselves; bad input gives field errors; the employments list's query count is pinned."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from skillfund.accounts.models import Role
from skillfund.claims import applying
from skillfund.claims.models import Application, Claim
from skillfund.claims.review import application_step
from skillfund.claims.workflow import Status
from skillfund.core.errors import DomainError
from skillfund.organizations.models import Organization
from skillfund.training.actions.work import employment_create, work_training_month_record
from skillfund.training.models import ClassPlan, Employment, WorkTrainingMonth
from tests.factories import (
    DepartmentFactory,
    OrganizationFactory,
    UserFactory,
    make_catalog_item,
    make_class_plan,
    make_person,
)
from tests.programme_helpers import bare_programme
from tests.web.test_operator_claims_institution import certified

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _chinese_without_second_factor(settings):
    settings.SKILLFUND_REQUIRE_2FA = False
    settings.LANGUAGE_CODE = "zh-hans"


def employer(**fields) -> Organization:
    return OrganizationFactory(kind=Organization.Kind.ENTERPRISE, name=fields.pop("name", "测试煤业有限公司"), **fields)


@pytest.fixture
def world():
    hr_bureau = DepartmentFactory(name="测试市人力资源和社会保障局", short_name="市人社局")
    bare_programme(hr_bureau=hr_bureau)
    enterprise, other = employer(), employer(name="别家企业")
    person = make_person(organization=enterprise)
    return {
        "enterprise": enterprise,
        "person": person,
        "stranger": make_person(organization=other),
        "item": make_catalog_item(year=2020),
        "operator": UserFactory(role=Role.ENTERPRISE_OPERATOR, organization=enterprise),
        "other_operator": UserFactory(role=Role.ENTERPRISE_OPERATOR, organization=other),
        "other_employment": employment_create(
            employer=other, person=make_person(organization=other), start_date=date(2020, 3, 1), actor=None
        ),
        "department": UserFactory(role=Role.DEPARTMENT_STAFF, organization=DepartmentFactory()),
        "hr_bureau": hr_bureau,
    }


def url(name: str, *args) -> str:
    return reverse(f"web:enterprise:{name}", args=args)


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def employed(world, months=(3, 4, 5)) -> Employment:
    employment = employment_create(
        employer=world["enterprise"], person=world["person"], start_date=date(2020, 3, 2), actor=None
    )
    for m in months:
        work_training_month_record(
            employment=employment, month=date(2020, m, 1), hours=Decimal("40"), content="井下岗位实操", actor=None
        )
    return employment


def test_enterprise_records_an_employment_and_its_months_then_claims_and_submits(client, world):
    client.force_login(world["operator"])
    page = client.get(url("employments"))
    assert page.status_code == 200
    assert world["person"].name in text(page) and world["stranger"].name not in text(page)  # its roster only

    response = client.post(url("employments"), {"person": world["person"].pk, "start_date": "2020-03-02"})
    employment = Employment.objects.get(employer=world["enterprise"])
    assert response.status_code == 302 and response.url == url("employment", employment.pk)
    for month in ("2020-03", "2020-04", "2020-05"):
        response = client.post(
            url("employment_month", employment.pk), {"month": month, "hours": "40", "content": "井下岗位实操"}
        )
        assert response.status_code == 302
    assert employment.training_months.count() == 3

    detail = text(client.get(url("employment", employment.pk)))
    assert "2020-03、2020-04、2020-05" in detail
    response = client.post(url("employment_claim", employment.pk), {"catalog_item": world["item"].pk})
    application = Application.objects.get(applicant=world["enterprise"])
    assert response.status_code == 302 and response.url == url("application", application.pk)
    assert (application.kind, application.status, application.department) == (
        Application.Kind.WORK_BASED,
        Status.DRAFT,
        world["hr_bureau"],
    )
    claim = application.claims.get()
    assert (claim.months, claim.start_date, claim.end_date) == (3, date(2020, 3, 1), date(2020, 5, 31))

    body = text(client.get(url("application", application.pk)))
    assert 'class="clause" href="/policy/#clause-3.3.g"' in body
    assert client.post(url("application_submit", application.pk)).status_code == 302
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    # The months are claimed now: nothing is left to claim for the employment.
    after = text(client.get(url("employment", employment.pk)))
    assert url("employment_claim", employment.pk) not in after and application.reference in after


def test_applications_of_the_enterprise_are_listed_by_default(client, world):
    application = applying.work_claim(employment=employed(world), catalog_item=world["item"], actor=world["operator"])
    theirs_employment = world["other_employment"]
    work_training_month_record(
        employment=theirs_employment, month=date(2020, 3, 1), hours=Decimal("40"), content="岗位实操", actor=None
    )
    theirs = applying.work_claim(
        employment=theirs_employment, catalog_item=world["item"], actor=world["other_operator"]
    )
    client.force_login(world["operator"])
    response = client.get(url("claims"))
    body = text(response)
    assert application.reference in body and theirs.reference not in body
    assert (response.context["shown"], response.context["total"]) == (1, 1)
    assert "已提交 1" in body


def test_at_most_six_months_are_subsidized_and_the_page_says_so(client, world):
    employment = employed(world, months=range(3, 11))  # eight months recorded
    client.force_login(world["operator"])
    assert "按政策最多补贴6个月" in text(client.get(url("employment", employment.pk)))
    application = applying.work_claim(employment=employment, catalog_item=world["item"], actor=world["operator"])
    claim = application.claims.get()
    decision = claim.decisions.get()
    assert claim.months == 8 and decision.months_subsidized <= 6


def test_another_employers_employment_answers_404(client, world):
    theirs = world["other_employment"]
    client.force_login(world["operator"])
    assert client.get(url("employment", theirs.pk)).status_code == 404
    data = {"month": "2020-03", "hours": "40", "content": "x"}
    assert client.post(url("employment_month", theirs.pk), data).status_code == 404
    assert client.post(url("employment_claim", theirs.pk), {"catalog_item": world["item"].pk}).status_code == 404
    assert not WorkTrainingMonth.objects.filter(employment=theirs).exists()


def test_wrong_actors_are_refused_by_the_pages_and_the_actions(client, world):
    employment = employed(world)
    client.force_login(world["department"])
    assert client.get(url("employments")).status_code == 403
    assert client.post(url("employment_claim", employment.pk), {"catalog_item": world["item"].pk}).status_code == 403
    for actor in (world["department"], world["other_operator"]):
        with pytest.raises(DomainError) as refused:
            applying.work_claim(employment=employment, catalog_item=world["item"], actor=actor)
        assert refused.value.code == "not_applicant"
    with pytest.raises(DomainError) as refused:
        employment_create(
            employer=world["enterprise"], person=world["stranger"], start_date=date(2020, 3, 2), actor=world["operator"]
        )
    assert refused.value.code == "person_not_on_roster"
    application = applying.work_claim(
        employment=employment, catalog_item=world["item"], actor=world["operator"], submit=False
    )
    with pytest.raises(DomainError):
        application_step(application=application, step="submit", actor=world["other_operator"])
    assert not Claim.objects.exclude(application=application).exists()


def test_a_month_is_claimed_once(world):
    employment = employed(world)
    applying.work_claim(employment=employment, catalog_item=world["item"], actor=world["operator"])
    with pytest.raises(DomainError) as refused:
        applying.work_claim(employment=employment, catalog_item=world["item"], actor=world["operator"])
    assert refused.value.code == "work_training_no_months"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"person": "abc", "start_date": "2020-03-02"}, "person"),
        ({"person": "99999999999999999999", "start_date": "2020-03-02"}, "person"),
        ({"start_date": "2020-02-30"}, "start_date"),
        ({"start_date": "2020-03-02", "end_date": "2020-03-01"}, "end_date"),
        ({"start_date": "2999-01-01"}, "start_date"),
        ({}, "person"),
    ],
)
def test_bad_employment_input_gives_field_errors(client, world, data, field):
    data = {"person": world["person"].pk, **data} if "person" not in data and data else data
    client.force_login(world["operator"])
    response = client.post(url("employments"), data)
    assert response.status_code == 400
    assert f'id="id_{field}-error"' in response.content.decode()
    assert not Employment.objects.filter(employer=world["enterprise"]).exists()


def test_a_stranger_posted_as_the_employee_is_a_field_error(client, world):
    client.force_login(world["operator"])
    response = client.post(url("employments"), {"person": world["stranger"].pk, "start_date": "2020-03-02"})
    assert response.status_code == 400 and 'id="id_person-error"' in response.content.decode()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"month": "2020-13", "hours": "40", "content": "x"}, "month"),
        ({"month": "March", "hours": "40", "content": "x"}, "month"),
        ({"month": "2999-01", "hours": "40", "content": "x"}, "month"),
        ({"month": "2020-01", "hours": "40", "content": "x"}, "month"),  # before the employment started
        ({"month": "2020-06", "hours": "abc", "content": "x"}, "hours"),
        ({"month": "2020-06", "hours": "1e9", "content": "x"}, "hours"),
        ({"month": "2020-06", "hours": "40", "content": ""}, "content"),
        ({"month": "2020-03", "hours": "40", "content": "again"}, "month"),  # recorded already
    ],
)
def test_bad_month_input_gives_field_errors(client, world, data, field):
    employment = employed(world)
    client.force_login(world["operator"])
    response = client.post(url("employment_month", employment.pk), data)
    assert response.status_code == 400
    assert f'id="id_{field}-error"' in response.content.decode()
    assert employment.training_months.count() == 3


def test_bad_claim_input_gives_a_field_error(client, world):
    employment = employed(world)
    client.force_login(world["operator"])
    for value in ("abc", "99999999999999999999", ""):
        response = client.post(url("employment_claim", employment.pk), {"catalog_item": value})
        assert response.status_code == 400 and 'id="id_catalog_item-error"' in response.content.decode()
    assert not Application.objects.exists()


def test_employments_list_query_count_does_not_grow(client, world, django_assert_max_num_queries):
    employed(world)
    client.force_login(world["operator"])
    with django_assert_max_num_queries(9):
        assert client.get(url("employments")).status_code == 200
    for _ in range(8):
        employment_create(
            employer=world["enterprise"],
            person=make_person(organization=world["enterprise"]),
            start_date=date(2020, 4, 1),
            actor=None,
        )
    with django_assert_max_num_queries(9):
        response = client.get(url("employments"))
    assert response.context["total"] == 9


def test_the_claim_offers_the_catalog_in_force_when_its_year_has_none(client, world):
    employment = employment_create(
        employer=world["enterprise"], person=world["person"], start_date=date(2021, 3, 1), actor=None
    )
    work_training_month_record(
        employment=employment, month=date(2021, 3, 1), hours=Decimal("40"), content="岗位实操", actor=None
    )
    client.force_login(world["operator"])
    response = client.get(url("employment", employment.pk))
    items = list(response.context["claim_form"].fields["catalog_item"].queryset)
    assert items == [world["item"]]  # the 2020 catalog: none was published for 2021 here


def test_enterprise_claims_for_the_class_it_ordered_without_seeing_the_trainees(client, world):
    plan = make_class_plan(funding_mode=ClassPlan.FundingMode.ENTERPRISE, enterprise_order=world["enterprise"])
    trainees = certified(plan, 2)
    client.force_login(world["operator"])
    assert plan.code in text(client.get(url("claim_new")))
    page = text(client.get(url("claim_class", plan.pk)))
    assert "2" in page and trainees[0].person.name not in page  # a count, not the institution's trainee records
    response = client.post(url("claim_class", plan.pk))
    application = Application.objects.get(applicant=world["enterprise"])
    assert response.status_code == 302 and response.url == url("application", application.pk)
    assert (application.kind, application.claims.count()) == (Application.Kind.ENTERPRISE, 2)
    # The institution that ran the class does not apply for it: the enterprise that ordered it does.
    institution_user = UserFactory(role=Role.INSTITUTION_OPERATOR, organization=plan.institution)
    client.force_login(institution_user)
    assert client.get(reverse("web:institution:claim_class", args=[plan.pk])).status_code == 404
