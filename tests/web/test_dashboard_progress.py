"""Target dashboards (§2, Annex, §4.4.d): the figures equal the ones counted by hand on a small
programme (tests/web/dashboard_world.py), a department sees only its own rows, bad parameters are a
404 and never a 500, and the page's query count does not grow with the claims."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from skillfund.accounts.models import Role
from skillfund.claims.models import Claim
from skillfund.programme.actions import workforce_figures_record
from skillfund.reports.progress import NO_SUB_ITEM, progress, public_progress
from tests.factories import OrganizationFactory, UserFactory
from tests.web.dashboard_world import DALAD, DONGSHENG, EJIN_HORO, build_world, granted

TODAY = date(2026, 12, 2)  # after the programme: no forecast


@pytest.fixture
def world(db, settings):
    settings.SKILLFUND_REQUIRE_2FA = False
    return build_world()


def figures(world, user="hr", year=None):
    return progress(programme=world["programme"], user=world[user], year=year, today=TODAY)


def by_key(rows):
    return {r.key: r for r in rows}


def test_stages_and_the_total_count_granted_claims_by_the_year_training_ended(world):
    p = figures(world)
    assert [(s.detail, s.target, s.actual) for s in p.stages] == [("2019", 5, 2), ("2020", 10, 6), ("2021", 15, 1)]
    assert [s.clause for s in p.stages] == ["§2.c", "§2.d", "§2.e"]
    assert (p.total.target, p.total.actual, p.total.clause) == (30, 9, "§2")
    assert str(p.stages[1].percent) == "60.0" and str(p.total.percent) == "30.0"
    assert p.persons == 9 and p.forecast is None


def test_departments_follow_the_annex_with_the_sub_items_and_units_outside_it(world):
    p = figures(world)
    rows = p.by_department
    a, b, c = rows[0], rows[1], rows[2]
    assert len(rows) == 3  # the Baotou department is another city's
    assert (a.name, a.target, a.actual) == ("测试人社局", 18, 5)  # 6 a year × 3 years
    assert (b.name, b.target, b.actual) == ("测试应急局", 9, 3)
    assert (c.name, c.target, c.actual) == ("测试工信局", None, 1)
    assert [(s.key, s.target, s.actual) for s in a.sub_rows] == [
        ("a-urban", 12, 1),
        ("a-entre", 6, 0),
        (NO_SUB_ITEM, None, 4),
    ]
    one_year = figures(world, year=2020).by_department
    assert [(r.target, r.actual) for r in one_year] == [(6, 3), (3, 2), (None, 1)]
    assert [s.actual for s in one_year[0].sub_rows] == [1, 0, 2]


def test_districts_types_and_kinds_add_up_to_the_total(world):
    p = figures(world)
    districts = by_key(p.by_district)
    assert (districts[DONGSHENG].actual, districts[EJIN_HORO].actual, districts[DALAD].actual) == (5, 3, 1)
    assert districts[DONGSHENG].name == "东胜区" and len(p.by_district) == 9  # every banner and district listed
    types = by_key(p.by_type)
    assert (types["employment_skills"].actual, types["skill_upgrading"].actual, types["safety_skills"].actual) == (
        4,
        2,
        3,
    )
    assert types["safety_skills"].clause == "§3.1.2" and types["employment_skills"].clause == "§3.1.3"
    kinds = by_key(p.by_kind)
    assert (kinds["individual"].actual, kinds["enterprise"].actual, kinds["project"].actual) == (6, 3, 0)
    for rows in (p.by_district, p.by_type, p.by_kind):
        assert sum(r.actual for r in rows) == p.persons == 9


def test_a_claim_in_review_and_another_citys_claim_are_not_person_times(world):
    assert Claim.objects.filter(status=Claim.Status.GRANTED).count() == 10  # 9 + Baotou's
    assert Claim.objects.exclude(status=Claim.Status.GRANTED).count() == 1
    assert figures(world).persons == 9


def test_skill_ratios_add_the_persons_certified_to_the_entered_base(world):
    hr = world["hr"]
    workforce_figures_record(
        actor=hr,
        year=2020,
        region="150600",
        employed=1000,
        skilled_base=240,
        high_skilled_base=70,
        source_document="2020年统计年鉴",
    )
    workforce_figures_record(
        actor=hr,
        year=2020,
        region=DONGSHENG,
        employed=100,
        skilled_base=20,
        high_skilled_base=5,
        source_document="东胜区统计公报",
    )
    ratios = {(r.region, r.year): r for r in figures(world).ratios}
    assert ratios[("150600", 2019)].skilled_percent is None  # no figures entered for 2019 or before
    city = ratios[("150600", 2020)]
    # 2020: electrician-5 ×2, electrician-3, welder-4 certified (levels 5, 5, 3, 4); level 3 is high-skilled.
    assert (city.certified, city.certified_high, city.skilled, city.high_skilled) == (4, 1, 244, 71)
    assert str(city.skilled_percent) == "24.40" and str(city.high_percent) == "29.10"
    assert city.skilled_met is False and city.high_met is False
    carried = ratios[("150600", 2021)]  # no 2021 figures: the 2020 base and everyone certified since
    assert (carried.base_year, carried.certified, str(carried.skilled_percent)) == (2020, 4, "24.40")
    district = ratios[(DONGSHENG, 2020)]
    assert (district.certified, district.certified_high, str(district.skilled_percent)) == (2, 0, "22.00")
    workforce_figures_record(
        actor=hr,
        year=2021,
        region="150600",
        employed=1000,
        skilled_base=250,
        high_skilled_base=80,
        source_document="2021年统计年鉴",
    )
    latest = {(r.region, r.year): r for r in figures(world).ratios}[("150600", 2021)]
    assert (latest.base_year, latest.certified, str(latest.skilled_percent), str(latest.high_percent)) == (
        2021,
        0,
        "25.00",
        "32.00",
    )
    assert latest.skilled_met and latest.high_met


def test_a_department_sees_only_its_own_rows(world):
    p = figures(world, user="user_a")
    assert [r.name for r in p.by_department] == ["测试人社局"]
    assert p.persons == 5 and p.stages == [] and p.total is None and p.ratios == []
    assert sum(r.actual for r in p.by_district) == 5
    assert figures(world, user="user_b").persons == 3


def test_the_public_summary_holds_the_stages_and_the_annex_rows_only(world):
    p = public_progress(programme=world["programme"], today=TODAY)
    assert [s.actual for s in p.stages] == [2, 6, 1] and p.total.actual == 9
    assert [(r.name, r.actual) for r in p.by_department] == [("测试人社局", 5), ("测试应急局", 3), ("测试工信局", 1)]
    assert p.by_district == [] and p.by_type == [] and p.by_kind == [] and p.ratios == []


def test_other_roles_read_nothing(world):
    for role in (Role.INSTITUTION_OPERATOR, Role.ENTERPRISE_OPERATOR, Role.SYSADMIN):
        organization = OrganizationFactory() if role != Role.SYSADMIN else None
        world["other"] = UserFactory(role=role, organization=organization)
        assert figures(world, user="other").persons == 0, role


# ---- the page -------------------------------------------------------------------------------------------


def page(client, user, **params):
    client.force_login(user)
    return client.get(reverse("web:dashboard:progress"), params, HTTP_ACCEPT_LANGUAGE="zh-hans")


def test_city_wide_roles_see_every_table_and_chart(client, world):
    for who in ("hr", "finance", "auditor"):
        response = page(client, world[who], programme="test-action", year="all")
        html = response.content.decode()
        assert response.status_code == 200
        for table in ("stages", "departments", "districts", "types", "kinds", "ratios"):
            assert f'id="table-{table}"' in html, (who, table)
        assert "测试应急局" in html and "东胜区" in html and 'id="dashboard-charts"' in html
        assert "echarts-6.1.0/echarts.min.js" in html and "<script>" not in html  # no inline script (CSP)
        assert 'href="/policy/#clause-2.c"' in html  # clause IDs link to the policy page


def test_a_department_page_shows_its_rows_only(client, world):
    html = page(client, world["user_a"], programme="test-action", year="all").content.decode()
    assert "测试人社局" in html and "测试应急局" not in html and "测试工信局" not in html
    assert 'id="table-stages"' not in html and 'id="table-ratios"' not in html


def test_the_page_is_refused_to_roles_without_the_dashboard(client, world):
    institution = UserFactory(role=Role.INSTITUTION_OPERATOR, organization=OrganizationFactory())
    assert page(client, institution).status_code == 403
    client.logout()
    response = client.get(reverse("web:dashboard:progress"))
    assert response.status_code == 302 and "/login/" in response["Location"]


BAD = [
    {"year": "abc"},
    {"year": "1999"},
    {"year": "２０２０"},  # full-width digits
    {"year": "99999999999999999999"},
    {"year": "-1"},
    {"year": ["2020", "x"]},
    {"programme": "no-such-programme"},
    {"programme": "test-action", "year": "2022"},
]


def test_bad_parameters_are_not_found_and_good_ones_render(client, world):
    for params in BAD:
        assert page(client, world["hr"], **params).status_code == 404, params
        assert client.get(reverse("web:dashboard:export"), params).status_code == 404, params
    for params in ({}, {"year": "all"}, {"programme": "test-action", "year": "2020"}, {"programme": "test-action"}):
        assert page(client, world["hr"], **params).status_code == 200, params


def test_the_query_count_does_not_grow_with_the_claims(client, world, django_assert_max_num_queries):
    client.force_login(world["hr"])
    url = reverse("web:dashboard:progress")
    with CaptureQueriesContext(connection) as before:
        assert client.get(url, {"programme": "test-action", "year": "all"}).status_code == 200
    for n in range(3):
        granted(
            world["dept_b"],
            year=2021,
            code="mine-ventilation",
            region=[DALAD, DONGSHENG, EJIN_HORO][n],
            end=date(2021, 4, 1),
        )
    with django_assert_max_num_queries(len(before.captured_queries)):
        response = client.get(url, {"programme": "test-action", "year": "all"})
    assert response.context["progress"].persons == 12
    with django_assert_max_num_queries(16):
        client.get(url, {"programme": "test-action", "year": "all"})
