"""The public portal (/): every page answers the public in Chinese and in English without a
sign-in, shows names where the data holds codes, takes any query string without a 500, and reads a
fixed number of queries however many rows it lists."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from skillfund.accounts.models import Role
from skillfund.catalog.models import CertificateKind, TrainingType
from skillfund.regions.models import Region
from skillfund.training.actions.enrolment import enrolment_create
from skillfund.training.models import ClassPlan
from tests.factories import (
    OrganizationFactory,
    UserFactory,
    make_catalog_item,
    make_class_plan,
    make_occupation,
    make_person,
)
from tests.funds_helpers import ordos_programme

DONGSHENG, KANGBASHI, EJIN_HORO = "150602", "150603", "150627"
WORKER_SIGN_IN = "/me/login/"  # the worker pages' sign-in (web:worker:login)
PUBLIC_PAGES = ["portal:home", "portal:policy", "portal:catalog", "portal:classes", "portal:apply", "portal:progress"]
# A fixed day, so every class below starts in this year's catalog year.
TODAY = datetime(2026, 5, 11, 10, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def _on_a_fixed_day():
    with time_machine.travel(TODAY, tick=True):
        yield


def _regions() -> None:
    Region.objects.create(code="150600", name="鄂尔多斯市", name_en="Ordos", level=Region.Level.PREFECTURE)
    for code, name, name_en in [
        (DONGSHENG, "东胜区", "Dongsheng District"),
        (KANGBASHI, "康巴什区", "Kangbashi District"),
        (EJIN_HORO, "伊金霍洛旗", "Ejin Horo Banner"),
    ]:
        Region.objects.create(code=code, name=name, name_en=name_en, level=Region.Level.COUNTY, parent_id="150600")


@pytest.fixture
def world(db):
    """The Ordos programme; this year's catalog (a welder item, an electrician item, a safety item
    with a sample standard) and 2020's; classes: two open (Dongsheng welders, Ejin Horo electricians),
    and four that are not — one full, one started, one only filed, one rejected-free draft."""
    _regions()
    programme = ordos_programme()
    year = timezone.localdate().year
    welder = make_occupation("6-18-02-04", "焊工")
    welder.name_en = "Welder"
    welder.save()
    electrician = make_occupation("6-31-01-03", "电工")
    items = {
        "welder": make_catalog_item(year=year, code="welder-5", occupation=welder, title="焊工（五级/初级工）"),
        "electrician": make_catalog_item(year=year, code="electrician-5", occupation=electrician),
        "safety": make_catalog_item(
            year=year,
            code="miner-safety",
            title="煤矿安全作业",
            level=None,
            certificate_kind=CertificateKind.SPECIAL_OPERATION,
            training_type=TrainingType.SAFETY_SKILLS,
            standard=Decimal("800.00"),
            is_sample=True,
        ),
        "old": make_catalog_item(year=2020, code="electrician-5", occupation=electrician),
    }
    items["safety"].occupation = None  # the factory gives every item an occupation
    items["safety"].save(update_fields=["occupation"])
    today = timezone.localdate()
    institution = OrganizationFactory(name="华夏职业技能培训学校", name_en="Huaxia Vocational School")
    open_welders = make_class_plan(
        institution=institution, catalog_item=items["welder"], start=today + timedelta(days=20), region=DONGSHENG
    )
    open_electricians = make_class_plan(
        institution=institution,
        catalog_item=items["electrician"],
        start=today + timedelta(days=30),
        region=EJIN_HORO,
        capacity=12,
    )
    full = make_class_plan(
        institution=institution, catalog_item=items["electrician"], start=today + timedelta(days=40), capacity=1
    )
    enrolment_create(class_plan=full, person=make_person(), actor=None)
    started = make_class_plan(institution=institution, catalog_item=items["old"], start=today.replace(year=2020))
    filed = make_class_plan(
        institution=institution, catalog_item=items["welder"], start=today + timedelta(days=25), approve=False
    )
    return {
        "programme": programme,
        "items": items,
        "open": [open_welders, open_electricians],
        "not_open": [full, started, filed],
    }


def _get(client, name: str, lang: str = "zh-hans", **params):
    client.cookies["django_language"] = lang
    return client.get(reverse(name), params)


@pytest.mark.parametrize("name", PUBLIC_PAGES)
@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_every_portal_page_answers_the_public_in_both_languages(client, world, name, lang):
    response = _get(client, name, lang)
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<html lang="{lang}">' in html
    # The portal's own navigation on every page, in the page's language.
    assert ("政策文件" in html) == (lang == "zh-hans") and ("The policy" in html) == (lang == "en")
    # The same for every visitor in a language: a browser may keep it a few minutes.
    assert "max-age=300" in response["Cache-Control"] and "Cookie" in response["Vary"]


def test_a_signed_in_user_is_not_served_a_cacheable_page(client, world):
    client.force_login(UserFactory(role=Role.HR_STAFF))
    response = client.get(reverse("portal:home"))
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]


def test_the_home_page_is_the_public_home_not_a_staff_sign_in(client, world):
    response = _get(client, "portal:home")
    html = response.content.decode()
    assert response.status_code == 200 and "鄂尔多斯市职业技能提升行动实施方案" in html
    # The §2 targets: the total and the three stages, each citing its clause, linked to the policy.
    assert "65000" in html.replace(",", "") and 'href="/policy/#clause-2.a"' in html
    for year, target, clause in [(2019, 15000, "2.c"), (2020, 30000, "2.d"), (2021, 20000, "2.e")]:
        assert str(year) in html and str(target) in html.replace(",", "") and f"#clause-{clause}" in html
    assert "技能劳动者占就业人员总量的比例" in html and "#clause-2.b" in html
    # Links to every public page, and a way in for workers and for staff.
    for name in ["portal:policy", "portal:catalog", "portal:classes", "portal:apply", "notices:list", "reports:index"]:
        assert f'href="{reverse(name)}"' in html
    assert f'href="{WORKER_SIGN_IN}"' in html and f'href="{reverse("web:login")}"' in html
    assert "2个培训班正在招生" in html


def test_the_home_page_in_english(client, world):
    html = _get(client, "portal:home", "en").content.decode()
    assert "Ordos Vocational Skills Enhancement Action" in html and "person-times of subsidized training" in html
    assert "2 classes are open for enrolment" in html


# ---- catalog --------------------------------------------------------------------------------------


def test_the_catalog_shows_this_years_list_with_names_not_codes(client, world):
    html = _get(client, "portal:catalog").content.decode()
    year = timezone.localdate().year
    assert f'<option value="{year}" selected>' in html and '<option value="2020">' in html
    assert "共3项" in html
    assert "焊工" in html and "6-18-02-04" in html and "1200.00" in html.replace(",", "") and "800.00" in html
    assert (
        "五级/初级工" in html and "职业技能等级证书" in html and "特种作业操作证书" in html and "安全技能培训" in html
    )
    assert "示例" in html  # the sample standard is marked as one
    for code in ("skill_level", "special_operation", "employment_skills", "safety_skills", "welder-5"):
        assert code not in re.sub(r'value="[^"]*"', "", html)


def test_the_catalog_in_english_names_occupations_in_english(client, world):
    html = _get(client, "portal:catalog", "en").content.decode()
    assert "Welder" in html and "3 items" in html and "level 5 / junior worker" in html


def test_the_catalog_filters_by_year_occupation_and_type(client, world):
    assert "共1项" in _get(client, "portal:catalog", year="2020").content.decode()
    by_name = _get(client, "portal:catalog", q="焊工").content.decode()
    assert "共1项" in by_name and "焊工（五级/初级工）" in by_name and "电工（五级/初级工）" not in by_name
    by_code = _get(client, "portal:catalog", q="6-31-01").content.decode()
    assert "共1项" in by_code and "电工（五级/初级工）" in by_code
    by_type = _get(client, "portal:catalog", type=TrainingType.SAFETY_SKILLS).content.decode()
    assert "共1项" in by_type and "煤矿安全作业" in by_type


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"year": "abc"}, "year"),
        ({"year": "9" * 30}, "year"),
        ({"year": "1999"}, "year"),
        ({"type": "no_such_type"}, "type"),
        ({"q": "焊" * 500}, "q"),
    ],
)
def test_bad_catalog_filters_are_refused_at_the_field_and_the_list_still_shows(client, world, params, field):
    response = _get(client, "portal:catalog", **params)
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="id_{field}_error"' in html and 'class="field-error"' in html
    assert "共3项" in html  # this year's list, without the refused filter


@pytest.mark.parametrize("page", ["abc", "0", "-1", "99999999999999999999", "9" * 5000])
def test_any_page_number_gives_a_page(client, world, page):
    assert _get(client, "portal:catalog", page=page).status_code == 200
    assert _get(client, "portal:classes", page=page).status_code == 200


def test_the_catalog_reads_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    year = timezone.localdate().year
    for n in range(40):
        make_catalog_item(year=year, code=f"extra-{n:02d}", occupation=make_occupation(f"6-99-00-{n:02d}", f"职业{n}"))
    with django_assert_max_num_queries(3):  # the years, the count, the page
        response = _get(client, "portal:catalog")
    assert "共43项" in response.content.decode() and "第1页，共2页" in response.content.decode()


# ---- open classes ---------------------------------------------------------------------------------


def test_open_classes_are_the_approved_ones_ahead_with_places_left(client, world):
    html = _get(client, "portal:classes").content.decode()
    assert "共2个培训班在招生" in html
    for plan in world["open"]:
        assert plan.start_date.isoformat() in html
    assert "东胜区" in html and "伊金霍洛旗" in html  # districts by name
    assert "30 / 30" in html and "12 / 12" in html  # places left of capacity
    assert "华夏职业技能培训学校" in html and "个人申领" in html
    for plan in world["not_open"]:
        assert plan.start_date.isoformat() not in html or plan.start_date == world["open"][0].start_date
    assert f'href="{WORKER_SIGN_IN}"' in html  # how to enrol: the worker pages


def test_open_classes_filter_by_district_and_occupation(client, world):
    dongsheng = _get(client, "portal:classes", district=DONGSHENG).content.decode()
    assert "共1个培训班在招生" in dongsheng and "焊工" in dongsheng
    assert "共0个培训班在招生" in _get(client, "portal:classes", district=KANGBASHI).content.decode()
    electricians = _get(client, "portal:classes", occupation="6-31-01-03").content.decode()
    assert "共1个培训班在招生" in electricians and "伊金霍洛旗" in electricians
    both = _get(client, "portal:classes", district=EJIN_HORO, occupation="6-18-02-04").content.decode()
    assert "共0个培训班在招生" in both and "没有符合条件的培训班" in both


def test_open_classes_in_english_name_the_district_in_english(client, world):
    html = _get(client, "portal:classes", "en").content.decode()
    assert "Dongsheng District" in html and "Huaxia Vocational School" in html and "2 open classes" in html


@pytest.mark.parametrize(
    "params",
    [{"district": "abc"}, {"district": "999999"}, {"district": "9" * 40}, {"occupation": "no-such"}, {"x": "1"}],
)
def test_bad_class_filters_are_refused_at_the_field_and_never_a_500(client, world, params):
    response = _get(client, "portal:classes", **params)
    assert response.status_code == 200
    html = response.content.decode()
    assert "共2个培训班在招生" in html
    if set(params) & {"district", "occupation"}:
        assert "field-error" in html


def test_the_open_classes_page_reads_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    item = world["items"]["welder"]
    start = timezone.localdate() + timedelta(days=50)
    for _ in range(8):
        make_class_plan(catalog_item=item, start=start, region=KANGBASHI)
    with django_assert_max_num_queries(7):  # programme (2), districts, occupations, count, page, their regions
        response = _get(client, "portal:classes")
    assert "共10个培训班在招生" in response.content.decode()


def test_the_open_classes_page_shows_no_trainee(client, world):
    full = world["not_open"][0]
    person = full.enrolments.get().person
    html = _get(client, "portal:classes").content.decode()
    assert person.name not in html and person.id_masked not in html


# ---- how to apply ---------------------------------------------------------------------------------


def test_how_to_apply_cites_the_clauses_and_the_parameters_in_force(client, world):
    html = _get(client, "portal:apply").content.decode()
    for clause in ("3.3.a", "3.3.b", "3.3.c", "3.3.d", "3.3.f", "3.3.g", "4.3.d", "4.4.d"):
        assert f'href="/policy/#clause-{clause}"' in html
    assert "每人每年可享受不超过3次" in html and "最长不超过6个月" in html and "60%" in html and "80%" in html
    english = _get(client, "portal:apply", "en").content.decode()
    assert "At most 3 subsidies per person per year" in english and "Steps for training institutions" in english


def test_the_home_and_apply_pages_read_few_queries(client, world, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):  # the programme (2), its stages and targets, two counts
        assert _get(client, "portal:home").status_code == 200
    with django_assert_max_num_queries(0):  # parameters and the policy text are files
        assert _get(client, "portal:apply").status_code == 200
    with django_assert_max_num_queries(0):
        assert _get(client, "portal:policy").status_code == 200


def test_the_portal_lists_only_approved_plans(world):
    from skillfund.training.open_classes import open_class_plans

    plans = list(open_class_plans(today=timezone.localdate()))
    assert plans == world["open"]
    assert all(p.status == ClassPlan.Status.APPROVED for p in plans)
    assert [p.places_left for p in plans] == [30, 12]


# ---- one open class -------------------------------------------------------------------------------


def test_an_open_class_shows_its_sessions_in_beijing_time(client, world):
    plan = world["open"][0]
    response = client.get(reverse("portal:class", args=[plan.code]))
    html = response.content.decode()
    assert response.status_code == 200 and "max-age=300" in response["Cache-Control"]
    assert "焊工（五级/初级工）" in html and "东胜区" in html and "30 / 30" in html and "15" in html  # 5 × 3 hours
    assert html.count("09:00–12:00") == 5  # the sessions' local times, never UTC (01:00)
    assert "01:00" not in html and f'href="{WORKER_SIGN_IN}"' in html
    assert f'href="{reverse("portal:class", args=[plan.code])}"' in _get(client, "portal:classes").content.decode()
    english = _get(client, "portal:classes", "en")
    assert english.status_code == 200
    client.cookies["django_language"] = "en"
    assert "Sessions" in client.get(reverse("portal:class", args=[plan.code])).content.decode()


def test_a_class_that_is_not_open_is_not_found(client, world):
    for plan in world["not_open"]:  # full, started, only filed
        assert client.get(reverse("portal:class", args=[plan.code])).status_code == 404
    for code in ["no-such-class", "x" * 500, "1' OR '1'='1"]:
        assert client.get(reverse("portal:class", args=[code])).status_code == 404


def test_a_class_page_reads_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    plan = world["open"][0]
    with django_assert_max_num_queries(3):  # the class, its sessions, its district
        assert client.get(reverse("portal:class", args=[plan.code])).status_code == 200
