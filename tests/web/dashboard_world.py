"""A small programme with hand-countable person-times for the dashboard tests (figures in the
docstring of `world`)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.core.cache import cache

from skillfund import policy_data
from skillfund.accounts.models import Role
from skillfund.catalog.loading import catalog_load, occupations_load
from skillfund.catalog.models import CatalogItem
from skillfund.claims.actions import claim_grant, claim_submit
from skillfund.claims.models import Claim
from skillfund.programme.models import AnnexTask, RatioTarget, Stage
from skillfund.regions.loading import regions_load
from skillfund.training.models import Enrolment
from tests.factories import DepartmentFactory, UserFactory, make_class_plan, make_person
from tests.programme_helpers import bare_programme

SHANGHAI = ZoneInfo("Asia/Shanghai")
DONGSHENG, EJIN_HORO, DALAD, BAOTOU_DONGHE = "150602", "150627", "150621", "150202"


def item(year: int, code: str) -> CatalogItem:
    return CatalogItem.objects.get(year=year, code=code)


def granted(department, *, year: int, code: str, region: str, end: date, kind: str = Claim.Kind.INDIVIDUAL) -> Claim:
    person = make_person(residence_region=region, hukou_region=region)
    claim = claim_submit(
        actor=None,
        person=person,
        catalog_item=item(year, code),
        training_region=region,
        start_date=end.replace(day=1),
        end_date=end,
        certificate_kind=item(year, code).certificate_kind,
        department=department,
        kind=kind,
    )
    decision = claim_grant(claim=claim, actor=None)
    assert decision.eligible, decision.facts
    return claim


def build_world() -> dict:
    """Programme 2019–2021 (region 150600): stages 5 / 10 / 15 (§2.c–e), total 30 (§2.a).
    Annex: A (HR bureau) 6 a year with sub-items a-urban 4 and a-entre 2; B 3 a year. C is not in
    the annex. Granted claims (person-times):

        2019-12-10  A  Dongsheng  electrician-5 (level 5)   individual   ×2
        2020-03-20  A  Dongsheng  electrician-5 (level 5)   individual   ×2  (one in a class of a-urban)
        2020-06-15  A  Ejin Horo  electrician-3 (level 3)   enterprise   ×1
        2020-06-12  B  Ejin Horo  miner-safety (completion) project      ×2
        2020-07-10  C  Dalad      welder-4 (level 4)        individual   ×1
        2021-03-05  B  Dongsheng  miner-safety (completion) individual   ×1

    Not counted: A's claim still in review (2020), and a Baotou department's granted claim."""
    cache.clear()  # the dashboards' cached figures of an earlier test
    regions_load(path=policy_data.data_path("regions", "gb2260.yaml"))
    occupations_load(path=policy_data.data_path("catalog", "occupations.yaml"))
    for year in (2019, 2020, 2021):
        catalog_load(path=policy_data.data_path("catalog", f"ordos-{year}.yaml"))
    dept_a = DepartmentFactory(name="测试人力资源和社会保障局", short_name="测试人社局", name_en="Test HR bureau")
    dept_b = DepartmentFactory(name="测试应急管理局", short_name="测试应急局", name_en="Test emergency bureau")
    dept_c = DepartmentFactory(name="测试工业和信息化局", short_name="测试工信局", name_en="Test industry bureau")
    baotou = DepartmentFactory(name="包头测试局", region="150202")
    programme = bare_programme(hr_bureau=dept_a)
    for number, year, target, clause in ((1, 2019, 5, "§2.c"), (2, 2020, 10, "§2.d"), (3, 2021, 15, "§2.e")):
        Stage.objects.create(
            programme=programme, number=number, name=f"阶段{number}", year=year, target=target, clause=clause
        )
    for code, percent in (("skilled-share", "25"), ("high-skilled-share", "30")):
        RatioTarget.objects.create(
            programme=programme,
            code=code,
            description=code,
            min_percent=percent,
            by_date=date(2021, 12, 31),
            clause="§2.b",
        )
    task_a = AnnexTask.objects.create(
        programme=programme, unit=dept_a, number="1", code="a", training="就业技能", annual_target=6, clause="Annex.1"
    )
    urban = AnnexTask.objects.create(
        programme=programme,
        unit=dept_a,
        parent=task_a,
        number="1.1",
        code="a-urban",
        training="城镇就业技能",
        annual_target=4,
        clause="Annex.1",
    )
    AnnexTask.objects.create(
        programme=programme,
        unit=dept_a,
        parent=task_a,
        number="1.2",
        code="a-entre",
        training="创业培训",
        annual_target=2,
        clause="Annex.1",
    )
    AnnexTask.objects.create(
        programme=programme, unit=dept_b, number="2", code="b", training="安全技能", annual_target=3, clause="Annex.2"
    )

    for _ in range(2):
        granted(dept_a, year=2019, code="electrician-5", region=DONGSHENG, end=date(2019, 12, 10))
    in_class, _other = (
        granted(dept_a, year=2020, code="electrician-5", region=DONGSHENG, end=date(2020, 3, 20)) for _ in range(2)
    )
    granted(
        dept_a, year=2020, code="electrician-3", region=EJIN_HORO, end=date(2020, 6, 15), kind=Claim.Kind.ENTERPRISE
    )
    for _ in range(2):
        granted(
            dept_b, year=2020, code="miner-safety", region=EJIN_HORO, end=date(2020, 6, 12), kind=Claim.Kind.ENTERPRISE
        )
    granted(dept_c, year=2020, code="welder-4", region=DALAD, end=date(2020, 7, 10))
    granted(dept_b, year=2021, code="miner-safety", region=DONGSHENG, end=date(2021, 3, 5))
    granted(baotou, year=2020, code="welder-5", region=BAOTOU_DONGHE, end=date(2020, 5, 5))
    claim_submit(
        actor=None,
        person=make_person(),
        catalog_item=item(2020, "welder-5"),
        training_region=DONGSHENG,
        start_date=date(2020, 4, 1),
        end_date=date(2020, 4, 20),
        department=dept_a,
        certificate_kind="skill_level",
    )
    # One of A's 2020 claims came from a class plan that names the sub-item a-urban.
    plan = make_class_plan(
        department=dept_a,
        catalog_item=item(2020, "electrician-5"),
        annex_task=urban,
        start=date(2020, 3, 1),
        days=15,
        hours=(8, 16),  # 120 class hours, the item's minimum
    )
    enrolment = Enrolment.objects.create(
        class_plan=plan, person=in_class.person, enrolled_at=datetime(2020, 2, 1, 9, tzinfo=SHANGHAI)
    )
    Claim.objects.filter(pk=in_class.pk).update(enrolment=enrolment)

    return {
        "programme": programme,
        "dept_a": dept_a,
        "dept_b": dept_b,
        "dept_c": dept_c,
        "hr": UserFactory(role=Role.HR_STAFF),
        "finance": UserFactory(role=Role.FINANCE_OFFICER),
        "auditor": UserFactory(role=Role.AUDITOR),
        "user_a": UserFactory(role=Role.DEPARTMENT_STAFF, organization=dept_a),
        "user_b": UserFactory(role=Role.DEPARTMENT_STAFF, organization=dept_b),
    }
