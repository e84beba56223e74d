"""A decision's checks call codes by their names (issue 10, "codes are shown as names"): the §3.3.a
places by their GB/T 2260 names, the certificate by its kind's name, the §3.3.b occupation by its
name and code and the level by its name — in Chinese and in English, on the worker's claim page,
the review page and the batch file alike. The rules engine stays pure: it is handed the names."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from skillfund.accounts.models import Role
from skillfund.catalog.models import CertificateKind
from skillfund.claims.actions import claim_decide, claim_grant, claim_submit
from skillfund.claims.decisions import decision_lines
from skillfund.claims.models import Application
from skillfund.claims.names import decision_names
from skillfund.claims.preview import class_previews
from skillfund.claims.review import application_create, application_step
from skillfund.policy.explain import Names, explain
from skillfund.regions import names as regions
from tests.factories import UserFactory, make_catalog_item, make_class_plan, make_occupation, make_person
from tests.web.review_helpers import make_world
from tests.web.test_worker_pages import bind

pytestmark = pytest.mark.django_db

RAW_CODE = re.compile(r"[a-z]+_[a-z_]+")  # certificate_obtained, skill_level, training_completion …
BARE_REGION = re.compile(r"(?<![\d*])\d{6}(?![\d*])")  # 150602, not a masked ID number 150602********


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.SKILLFUND_REQUIRE_2FA = False
    settings.LANGUAGE_CODE = "zh-hans"


def submit(person, item, *, region="150602", month=3):
    return claim_submit(
        actor=None,
        person=person,
        catalog_item=item,
        training_region=region,
        start_date=date(2020, month, 1),
        end_date=date(2020, month, 5),
        certificate_kind=item.certificate_kind,
        today=date(2021, 1, 1),
    )


@pytest.fixture
def claims():
    """One person from 达拉特旗, three claims decided: trained in 东胜区 with a level-3 skill-level
    certificate after the same occupation and level was granted (§3.3.a passes, §3.3.b refuses);
    trained in Hohhot (§3.3.a refuses); a training-completion certificate without level."""
    person = make_person(hukou_region="150621", residence_region="150621")
    electrician = make_occupation("6-31-01-03", "电工")
    electrician.name_en = "Electrician"
    electrician.save()
    level_3 = make_catalog_item(code="electrician-3", occupation=electrician, level=3, title="电工（三级/高级工）")
    assert claim_grant(claim=submit(person, level_3, month=1), actor=None).eligible
    again = submit(person, level_3, month=3)
    elsewhere = submit(
        person,
        make_catalog_item(code="weld-5", occupation=make_occupation("6-18-02-04", "焊工")),
        region="150102",
        month=4,
    )
    completion = make_catalog_item(
        code="guard",
        occupation=make_occupation("4-07-05-01", "保安员"),
        level=None,
        certificate_kind=CertificateKind.TRAINING_COMPLETION,
        title="保安员（培训合格）",
    )
    plain = submit(person, completion, month=5)
    decided = {
        name: claim_decide(claim=c, actor=None)
        for name, c in {"again": again, "elsewhere": elsewhere, "completion": plain}.items()
    }
    return person, decided


def texts(decisions) -> tuple[list[str], list[str]]:
    names = decision_names(decisions)
    lines = [line for d in decisions for line in decision_lines(d, names)]
    return [line.zh for line in lines], [line.en for line in lines]


def no_raw_codes(texts: list[str]) -> None:
    for text in texts:
        assert not RAW_CODE.search(text), text
        assert not BARE_REGION.search(text), text


def test_every_check_names_its_codes_in_chinese_and_english(claims):
    _person, decided = claims
    zh, en = texts(list(decided.values()))
    no_raw_codes(zh)
    no_raw_codes(en)
    said_zh, said_en = "\n".join(zh), "\n".join(en)
    # §3.3.a: the places, and the area they share, by name
    assert "培训地鄂尔多斯市东胜区与户籍地鄂尔多斯市达拉特旗同属一个地级市（鄂尔多斯市）" in said_zh
    assert "Trained in Dongsheng District, Ordos, in the same prefecture (Ordos) as the registered region" in said_en
    assert "培训地呼和浩特市新城区与本人户籍地（鄂尔多斯市达拉特旗）" in said_zh
    assert "（培训地属呼和浩特市）" in said_zh and "(prefecture Hohhot)" in said_en
    assert "求职就业地（—）" in said_zh  # no job-seeking place recorded
    # §3.3.a: the certificate by its kind's name
    assert "已取得证书（职业技能等级证书）" in said_zh and "已取得证书（培训合格证书）" in said_zh
    assert "Certificate obtained: skill level" in said_en and "Certificate obtained: training completion" in said_en
    # §3.3.b: the occupation by name and code, the level by name
    assert "同一职业同一等级（电工（6-31-01-03），三级/高级工）已享受过补贴，不可重复享受" in said_zh
    assert "Electrician (6-31-01-03), level 3 / senior worker, was already subsidized" in said_en
    # the clause IDs stay, for the pages to link
    clauses = {line.clause for d in decided.values() for line in decision_lines(d)}
    assert {"§3.3.a", "§3.3.b", "§3.3.c"} <= clauses


def test_one_decision_alone_is_named_too(claims):
    _person, decided = claims
    (text,) = [line.zh for line in decision_lines(decided["again"]) if line.status == "fail"]
    assert "电工（6-31-01-03）" in text


def test_names_for_a_page_cost_one_query_however_many_decisions(claims, django_assert_num_queries):
    _person, decided = claims
    decisions = list(decided.values())
    with django_assert_num_queries(1):  # the occupations; regions and labels need none
        names = decision_names(decisions)
    with django_assert_num_queries(0):
        for decision in decisions:
            decision_lines(decision, names)


def test_the_worker_reads_names_on_their_claim_page(client, claims, settings):
    person, decided = claims
    client.force_login(bind(person))
    url = reverse("web:worker:claim", args=[decided["again"].claim_id])
    for language, want in (
        ("zh-hans", ["鄂尔多斯市东胜区", "职业技能等级证书", "电工（6-31-01-03）", "三级/高级工"]),
        ("en", ["Dongsheng District, Ordos", "Certificate obtained: skill level", "Electrician (6-31-01-03)"]),
    ):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        response = client.get(url)
        assert response.status_code == 200
        shown = [line["text"] for line in response.context["lines"]]
        no_raw_codes(shown)
        page = response.content.decode()
        for name in want:
            assert name in page, (language, name)


def test_the_reviewer_reads_names_beside_the_application(client, claims, settings):
    _person, decided = claims
    department, institution, people = make_world()
    application = application_create(
        kind=Application.Kind.PROJECT,
        department=department,
        applicant=institution,
        claims=[d.claim for d in decided.values()],
        actor=people["institution"],
    )
    application_step(application=application, step="submit", actor=people["institution"])
    client.force_login(people["department"])
    url = reverse("web:review:application", args=[application.pk])
    for language, want in (
        ("zh-hans", ["呼和浩特市新城区", "培训合格证书", "同一职业同一等级（电工（6-31-01-03），三级/高级工）"]),
        ("en", ["(prefecture Hohhot)", "training completion", "Electrician (6-31-01-03), level 3 / senior worker"]),
    ):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        response = client.get(url)
        assert response.status_code == 200
        checks = [c["text"] for line in response.context["lines"] for c in line["checks"]]
        assert len(checks) >= 3 * 9
        no_raw_codes(checks)
        page = response.content.decode()
        for name in want:
            assert name in page, (language, name)
        assert 'class="clause"' in page  # the clause IDs still link to the policy text


def test_the_enrolment_preview_names_its_codes():
    person = make_person(hukou_region="150621", residence_region="150621")
    plan = make_class_plan(region="150602")
    (preview,) = class_previews(person, [plan])
    zh = [c["zh"] for c in preview["checks"]]
    en = [c["en"] for c in preview["checks"]]
    no_raw_codes(zh)
    no_raw_codes(en)
    assert any("鄂尔多斯市东胜区" in t for t in zh) and any("职业技能等级证书" in t for t in zh)


def test_the_engine_is_handed_names_and_shows_codes_it_has_none_for():
    row = {
        "chk_certificate_obtained": True,
        "certificate": "skill_level",
        "chk_training_place": False,
        "training_region": "150102",
        "hukou_region": "999999",  # no name: shown as it is
        "residence_region": "150602",
        "job_region": None,
        "p_training_place_level": 4,
    }
    named = Names(
        regions={"150102": ("呼和浩特市新城区", "Xincheng, Hohhot"), "150100": ("呼和浩特市", "Hohhot")},
        certificates={"skill_level": ("职业技能等级证书", "skill level")},
    )
    lines = {line.name: line for line in explain(row, named)}
    assert lines["certificate_obtained"].zh == "已取得证书（职业技能等级证书）"
    assert lines["training_place"].zh.startswith("培训地呼和浩特市新城区与本人户籍地（999999）、常住地（150602）")
    assert "(prefecture Hohhot)" in lines["training_place"].en
    assert explain(row)[1].zh == "已取得证书（skill_level）"  # without names: the codes, as before


def test_region_labels_name_counties_with_the_place_above_them():
    labels = regions.labels()
    assert labels["150602"] == ("鄂尔多斯市东胜区", "Dongsheng District, Ordos")
    assert labels["150600"] == ("鄂尔多斯市", "Ordos")
    assert labels["150000"] == ("内蒙古自治区", "Inner Mongolia")
    assert labels["110105"][0] == "北京市朝阳区"
    assert labels["110100"] == ("北京市", "Beijing")  # a municipality's prefecture-level area
    assert labels["429000"][0] == "湖北省省直辖县级行政区划"


def test_the_region_filter_names_a_code_in_the_users_language():
    template = Template("{% load skillfund %}{{ code|region_name }}")
    with translation.override("zh-hans"):
        assert template.render(Context({"code": "150602"})) == "鄂尔多斯市东胜区"
        assert template.render(Context({"code": "159999"})) == "159999"  # not listed: as it is
    with translation.override("en"):
        assert template.render(Context({"code": "150602"})) == "Dongsheng District, Ordos"


def test_the_back_offices_application_page_names_the_actors_role(client, claims):
    _person, decided = claims
    department, institution, people = make_world()
    application = application_create(
        kind=Application.Kind.PROJECT,
        department=department,
        applicant=institution,
        claims=[decided["again"].claim],
        actor=people["institution"],
    )
    application_step(application=application, step="submit", actor=people["institution"])
    client.force_login(UserFactory(role=Role.SYSADMIN, is_staff=True, is_superuser=True))
    page = client.get(reverse("admin:claims_application_change", args=[application.pk])).content.decode()
    assert "(培训机构经办人)" in page and "(institution_operator)" not in page
    assert "电工（6-31-01-03）" in page  # the checks there are named too
