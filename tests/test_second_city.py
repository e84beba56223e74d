"""Another city is data, not code (issue 9 point 6): a second city's programme file and catalog,
loaded beside Ordos, change none of Ordos's pages or disclosure figures; the second city's
disclosure has its own title (§4.3.a), region, annex tasks and money, and its §4.2.b deadlines
come from its own file."""

from __future__ import annotations

import copy
import re
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import yaml
from django.core.management import CommandError, call_command
from django.urls import reverse

from skillfund import policy_data
from skillfund.catalog.loading import catalog_load, occupations_load
from skillfund.catalog.models import CatalogItem
from skillfund.claims.actions import claim_grant, claim_submit
from skillfund.core.errors import DomainError
from skillfund.funds.budgets import budget_deadline, budget_submit
from skillfund.funds.ledger import fund_receive
from skillfund.funds.payouts import pay
from skillfund.organizations.models import Organization
from skillfund.programme.loading import programme_load
from skillfund.programme.models import AnnexTask, Programme
from skillfund.programme.selectors import programme_default, programme_for
from skillfund.reports import selectors, tables
from tests.factories import OrganizationFactory, make_person
from tests.funds_helpers import finance_officer, fund_source
from tests.idgen import make_id
from tests.programme_helpers import bare_programme

SHANGHAI = ZoneInfo("Asia/Shanghai")
BAOTOU_DIR = policy_data.data_path("examples", "baotou")
BAOTOU = BAOTOU_DIR / "programme-2019-2021.yaml"
ORDOS = policy_data.data_path("programmes", "ordos-2019-2021.yaml")
PERIODS = [(2019, None), (2020, None), (2020, 2), (2021, None), (2021, 4)]


def load_baotou() -> Programme:
    programme = programme_load(path=BAOTOU)
    catalog_load(path=BAOTOU_DIR / "catalog-2020.yaml")
    return programme


def report(programme: Programme, year: int, quarter: int | None = None) -> selectors.Disclosure:
    start, end = selectors.period_of(year, quarter)
    return selectors.disclosure(programme=programme, year=year, period_start=start, period_end=end)


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


def ordos_pages(client) -> dict[str, str]:
    urls = [
        reverse("reports:year", args=[y]) if q is None else reverse("reports:quarter", args=[y, q]) for y, q in PERIODS
    ]
    urls += [reverse("reports:programme_year", args=["ordos-2019-2021", 2020])]
    return {url: page(client, url) for url in urls}


@pytest.mark.django_db
def test_a_second_city_loaded_beside_ordos_changes_nothing_of_ordos(client):
    call_command("setup_demo", persons=60)  # Ordos 2019–2021: classes, claims, payments, budgets
    ordos = Programme.objects.get(code="ordos-2019-2021")
    before = {period: report(ordos, *period) for period in PERIODS}
    pages = ordos_pages(client)
    catalog = list(CatalogItem.objects.order_by("pk").values())
    assert sum(r.annual_task or 0 for r in before[(2020, None)].by_department) == 22600
    assert before[(2020, None)].used > 0  # the demo's money

    baotou = load_baotou()

    # Ordos: the same figures and the same pages (before the fix: its annex tasks summed to 45,200
    # once a second programme for the same years was loaded, and its title was in code).
    assert {period: report(ordos, *period) for period in PERIODS} == before
    assert ordos_pages(client) == pages
    assert list(CatalogItem.objects.filter(pk__in=[c["id"] for c in catalog]).order_by("pk").values()) == catalog
    assert programme_default(year=2020) == ordos  # the deployment serves the first city loaded

    # Baotou: its own title, document, region, annex; none of Ordos's money, trainees or districts.
    own = report(baotou, 2020)
    assert (own.title, own.document, own.region) == (
        "包头市职业技能提升行动专账资金使用情况公开",
        "包就组发〔2019〕9号（示例）",
        "150200",
    )
    assert tables.title(own) == "包头市职业技能提升行动专账资金使用情况公开（2020年）"
    assert [(r.name, r.annual_task) for r in own.by_department] == [
        ("包头市人力资源和社会保障局", 9400),
        ("包头市应急管理局", 6000),
        ("包头市教育局", 2000),
        ("包头市农牧局", 1000),
    ]
    assert (own.received, own.used, own.persons, own.opening_balance, own.closing_balance) == (0, 0, 0, 0, 0)
    # Its own banners and districts (the national table), then outside the city; none of Ordos's.
    districts = [r.key for r in own.by_district]
    assert districts[-1] == "outside" and "150202" in districts and own.problems() == []
    assert all(key.startswith("1502") for key in districts[:-1])
    html = page(client, reverse("reports:programme_year", args=["baotou-2019-2021", 2020]))
    assert "包头市职业技能提升行动专账资金使用情况公开（2020年）" in html and "包就组发〔2019〕9号" in html
    assert "鄂尔多斯" not in html and "东胜区" not in html


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, tzinfo=SHANGHAI)


@pytest.fixture
def two_cities(db):
    occupations_load(path=policy_data.data_path("catalog", "occupations.yaml"))
    ordos, baotou = programme_load(path=ORDOS), load_baotou()
    finance = finance_officer()
    fund_receive(source=fund_source(), amount=Decimal("100000.00"), actor=finance, at=at(date(2020, 3, 1)))
    return {
        "ordos": ordos,
        "baotou": baotou,
        "finance": finance,
        "ordos_hr": Organization.objects.get(unit_code="hrss"),
        "baotou_hr": Organization.objects.get(unit_code="baotou-hrss"),
    }


def test_each_city_keeps_its_own_money_and_trainees(two_cities):
    w = two_cities
    institution = OrganizationFactory()
    for department, amount in ((w["ordos_hr"], "300.00"), (w["baotou_hr"], "250.00")):
        pay(
            payee=institution,
            amount=Decimal(amount),
            subject=("materials.textbook", str(department.pk)),
            department=department,
            actor=w["finance"],
            at=at(date(2020, 5, 6)),
        )
    person = make_person(id_number=make_id(birth=date(1990, 4, 2), seq=77), residence_region="150203")
    item = CatalogItem.objects.get(year=2020, code="baotou-electrician-5")
    claim = claim_submit(
        actor=None,
        person=person,
        catalog_item=item,
        training_region="150203",  # 昆都仑区, Baotou
        start_date=date(2020, 6, 1),
        end_date=date(2020, 6, 30),
        certificate_kind=item.certificate_kind,
        department=w["baotou_hr"],
    )
    assert claim_grant(claim=claim, actor=None).eligible

    ordos, baotou = report(w["ordos"], 2020), report(w["baotou"], 2020)
    assert (ordos.received, ordos.paid, ordos.persons) == (Decimal("100000.00"), Decimal("300.00"), 0)
    assert (baotou.received, baotou.paid, baotou.persons) == (0, Decimal("250.00"), 1)
    assert ordos.problems() == [] and baotou.problems() == []
    assert {r.name: r.persons_year for r in baotou.by_department}["包头市人力资源和社会保障局"] == 1
    assert {r.name: r.persons_year for r in ordos.by_department}["鄂尔多斯市人力资源和社会保障局"] == 0
    assert "150203" in [r.key for r in baotou.by_district]
    assert not [r.key for r in ordos.by_district if r.key.startswith("1502")]


def test_each_city_s_budget_deadlines_come_from_its_own_file(two_cities):
    """§4.2.b: Ordos's file says November 2019, then February; the example Baotou file says
    December 2019, then March."""
    w = two_cities
    assert budget_deadline(programme=w["baotou"], year=2019) == date(2019, 12, 31)
    assert budget_deadline(programme=w["baotou"], year=2021) == date(2021, 3, 31)
    assert budget_deadline(programme=w["ordos"], year=2021) == date(2021, 2, 28)
    on_time_for_baotou = at(date(2020, 3, 20))
    baotou = budget_submit(
        department=w["baotou_hr"],
        year=2020,
        planned_trainees=10,
        amount=Decimal("1.00"),
        actor=None,
        submitted_at=on_time_for_baotou,
    )
    ordos = budget_submit(
        department=w["ordos_hr"],
        year=2020,
        planned_trainees=10,
        amount=Decimal("1.00"),
        actor=None,
        submitted_at=on_time_for_baotou,
    )
    assert (baotou.deadline, baotou.late) == (date(2020, 3, 31), False)
    assert (ordos.deadline, ordos.late) == (date(2020, 2, 29), True)
    with pytest.raises(DomainError, match="budget_year"):
        budget_submit(department=w["baotou_hr"], year=2018, planned_trainees=1, amount=Decimal("1.00"), actor=None)


def test_the_deployment_s_region_picks_the_default_programme(two_cities, client, settings):
    assert programme_default(year=2020) == two_cities["ordos"]
    assert "鄂尔多斯市职业技能提升行动专账资金使用情况公开（2020年）" in page(
        client, reverse("reports:year", args=[2020])
    )
    settings.SKILLFUND_REGION = "150200"
    assert programme_default(year=2020) == two_cities["baotou"]
    assert "包头市职业技能提升行动专账资金使用情况公开（2020年）" in page(client, reverse("reports:year", args=[2020]))
    assert client.get(reverse("reports:programme_year", args=["nowhere", 2020])).status_code == 404


def baotou_data() -> dict:
    return yaml.safe_load(BAOTOU.read_text(encoding="utf-8"))


def write(tmp_path, data: dict):
    path = tmp_path / "programme.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_a_unit_code_of_another_city_is_refused_and_nothing_is_written(db, tmp_path):
    programme_load(path=ORDOS)
    data = baotou_data()
    data["units"][0]["code"] = "hrss"  # Ordos's HR bureau's code
    data["programme"]["hr_bureau"] = "hrss"
    for task in data["annex"]["tasks"]:
        task["unit"] = "hrss" if task["unit"] == "baotou-hrss" else task["unit"]
    for plan in data["plans"]:
        plan["units"] = ["hrss" if u == "baotou-hrss" else u for u in plan["units"]]
    with pytest.raises(DomainError, match="unit hrss: the code belongs to 鄂尔多斯市人力资源和社会保障局"):
        programme_load(path=write(tmp_path, data))
    assert Organization.objects.get(unit_code="hrss").name == "鄂尔多斯市人力资源和社会保障局"
    assert not Programme.objects.filter(code="baotou-2019-2021").exists()
    assert not Organization.objects.filter(region="150200").exists()


def test_a_file_without_title_deadlines_or_hr_bureau_is_refused_by_the_command(db, tmp_path):
    data = copy.deepcopy(baotou_data())
    for key in ("disclosure", "budget_deadlines", "hr_bureau"):
        del data["programme"][key]
    with pytest.raises(CommandError) as refused:
        call_command("load_programme", str(write(tmp_path, data)))
    for words in ("programme.disclosure", "programme.budget_deadlines", "programme.hr_bureau"):
        assert words in str(refused.value)
    data = baotou_data()
    data["programme"]["budget_deadlines"][1]["month"] = 13
    with pytest.raises(CommandError, match="month 1–12"):
        call_command("load_programme", str(write(tmp_path, data)))
    assert not Programme.objects.exists() and not AnnexTask.objects.exists()


def test_a_page_s_programme_is_its_region_s_for_the_year(db):
    """The same city's next programme takes over the years it covers; a year after every
    programme keeps the latest; a county belongs to its prefecture's programme."""
    first = bare_programme(code="first", start_year=2019, end_year=2021)
    later = bare_programme(code="later", start_year=2022, end_year=2024)
    assert programme_for(region="150621", year=2020) == first  # 达拉特旗 is in Ordos
    assert programme_for(region="150600", year=2023) == later
    assert programme_for(region="150600", year=2030) == later
    assert programme_for(region="150600", year=2010) == first
    assert programme_for(region="150203", year=2020) is None  # no Baotou programme loaded
    assert programme_default(year=2023) == later
