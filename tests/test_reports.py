"""The public disclosure of fund use (§4.3.a): its figures come from the ledger and reconcile, it
holds no personal data in any format, small cells are withheld, and an empty period renders."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from skillfund import policy_data
from skillfund.catalog.loading import catalog_load, occupations_load
from skillfund.catalog.models import CatalogItem, TrainingType
from skillfund.claims.actions import claim_grant, claim_submit
from skillfund.claims.models import Claim
from skillfund.funds.ledger import fund_receive, ledger_reverse
from skillfund.funds.payouts import advance_pay, pay, settle
from skillfund.funds.recoveries import recover, recovery_receive
from skillfund.funds.selectors import ledger_problems
from skillfund.programme.models import AnnexTask, Programme
from skillfund.regions.loading import regions_load
from skillfund.reports import pdf, selectors, tables, xlsx
from skillfund.reports.selectors import HIDDEN_COMPLEMENT, HIDDEN_SMALL, UNATTRIBUTED
from skillfund.training.models import ClassPlan
from tests.factories import DepartmentFactory, OrganizationFactory, make_class_plan, make_person
from tests.funds_helpers import finance_officer, fund_source
from tests.idgen import make_id
from tests.programme_helpers import bare_programme
from tests.test_notices import _pdf_text

SHANGHAI = ZoneInfo("Asia/Shanghai")
DONGSHENG, EJIN_HORO, DALAD = "150602", "150627", "150621"
NAMES_A = ["王建国", "李秀英", "赵志强"]
NAMES_B = ["孙丽华", "周海燕", "吴国栋"]
PHONE = "13912345678"


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


def item(code: str) -> CatalogItem:
    return CatalogItem.objects.get(year=2020, code=code)


def granted_claim(person, *, department, code: str, region: str, end: date) -> Claim:
    claim = claim_submit(
        actor=None,
        person=person,
        catalog_item=item(code),
        training_region=region,
        start_date=end.replace(day=1),
        end_date=end,
        certificate_kind=item(code).certificate_kind,
        department=department,
    )
    assert claim_grant(claim=claim, actor=None).eligible
    return claim


def id_number(seq: int) -> str:
    return make_id(birth=date(1985, 3, 1 + seq % 28), seq=seq)


def persons(names: list[str], first_seq: int, region: str) -> list:
    """Persons living in `region` (§3.3.a: they train where they live)."""
    return [
        make_person(name=name, phone=PHONE, id_number=id_number(first_seq + n), residence_region=region)
        for n, name in enumerate(names)
    ]


@pytest.fixture
def world(db, monkeypatch):
    """Two departments, two districts; a ledger for 2020 with every kind of booking:

    Q1  2020-03-01  funds received: 100,000.00 (UI surplus) + 50,000.00 (employment subsidy)
                    department A: three employment-skills claims in Dongsheng end 2020-03-10 (granted)
    Q2  2020-04-10  department A pays the three claims 1,200.00 each                       paid +3,600
        2020-05-25  department B's safety class in Ejin Horo: advance 60% of 6,000.00      advance +3,600
                    department B: three claims of that class end 2020-06-12 (granted)
    Q3  2020-07-01  the class is settled at 5,400.00 (advance cleared, 1,800.00 from cash) paid +5,400, advance −3,600
        2020-08-01  400.00 recovered from one of A's claims (§4.3.b)                       paid −400, owed +400
        2020-08-15  a payment of 1,000.00 to one of B's trainees, reversed the same day    nets to 0
        2020-09-01  100.00 of the recovery received                                        owed −100
    """
    occupations_load(path=policy_data.data_path("catalog", "occupations.yaml"))
    catalog_load(path=policy_data.data_path("catalog", "ordos-2020.yaml"))
    regions_load(path=policy_data.data_path("regions", "gb2260.yaml"))
    finance = finance_officer()
    dept_a = DepartmentFactory(name="测试人力资源和社会保障局", name_en="Test HR bureau")
    dept_b = DepartmentFactory(name="测试应急管理局", name_en="Test emergency bureau")
    programme = bare_programme()
    AnnexTask.objects.create(
        programme=programme, unit=dept_a, number="1", code="a", training="就业技能", annual_target=10, clause="Annex.1"
    )
    AnnexTask.objects.create(
        programme=programme, unit=dept_b, number="2", code="b", training="安全技能", annual_target=20, clause="Annex.2"
    )

    fund_receive(source=fund_source("ui-surplus"), amount=Decimal("100000.00"), actor=finance, at=at(date(2020, 3, 1)))
    fund_receive(
        source=fund_source("employment-subsidy", "employment_subsidy"),
        amount=Decimal("50000.00"),
        actor=finance,
        at=at(date(2020, 3, 1)),
    )
    people_a, people_b = persons(NAMES_A, 100, DONGSHENG), persons(NAMES_B, 200, EJIN_HORO)
    claims_a = [
        granted_claim(p, department=dept_a, code="electrician-5", region=DONGSHENG, end=date(2020, 3, 10))
        for p in people_a
    ]
    for claim in claims_a:
        pay(payee=claim.person, amount=Decimal("1200.00"), subject=claim, actor=finance, at=at(date(2020, 4, 10)))
    institution = OrganizationFactory()
    plan = make_class_plan(
        institution=institution,
        department=dept_b,
        catalog_item=item("miner-safety"),
        funding_mode=ClassPlan.FundingMode.PROJECT,
        region=EJIN_HORO,
        start=date(2020, 6, 1),
        days=12,
        hours=(8, 14),  # 72 class hours, the item's minimum
    )
    advance_pay(
        organization=institution,
        amount_total=Decimal("6000.00"),
        subject=plan,
        actor=finance,
        on=date(2020, 5, 25),
        at=at(date(2020, 5, 25)),
    )
    claims_b = [
        granted_claim(p, department=dept_b, code="miner-safety", region=EJIN_HORO, end=date(2020, 6, 12))
        for p in people_b
    ]
    settle(organization=institution, total=Decimal("5400.00"), subject=plan, actor=finance, at=at(date(2020, 7, 1)))
    recover(
        payee=claims_a[0].person,
        amount=Decimal("400.00"),
        subject=claims_a[0],
        reason="虚假培训",
        actor=finance,
        at=at(date(2020, 8, 1)),
    )
    mistaken = pay(
        payee=claims_b[0].person,
        amount=Decimal("1000.00"),
        subject=claims_b[0],
        actor=finance,
        at=at(date(2020, 8, 15)),
    )
    with monkeypatch.context() as m:  # a reversal is booked when it is made
        m.setattr("django.utils.timezone.now", lambda: at(date(2020, 8, 15), 16))
        ledger_reverse(transaction=mistaken, actor=finance, reason="重复付款")
    recovery_receive(payee=claims_a[0].person, amount=Decimal("100.00"), actor=finance, at=at(date(2020, 9, 1)))
    assert ledger_problems() == []
    return {
        "finance": finance,
        "dept_a": dept_a,
        "dept_b": dept_b,
        "people": people_a + people_b,
        "plan": plan,
        "institution": institution,
    }


def report(year: int = 2020, quarter: int | None = None) -> selectors.Disclosure:
    start, end = selectors.period_of(year, quarter)
    programme = Programme.objects.get(code="test-action")
    return selectors.disclosure(programme=programme, year=year, period_start=start, period_end=end)


def by_key(rows) -> dict:
    return {r.key: r for r in rows}


# ---- the figures ---------------------------------------------------------------------------------


def test_the_year_report_matches_the_ledger_by_source_department_type_and_district(world):
    d = report(2020)
    assert d.problems() == []
    assert {s.code: s.received for s in d.sources} == {
        "employment-subsidy": Decimal("50000.00"),
        "ui-surplus": Decimal("100000.00"),
    }
    assert d.received == Decimal("150000.00")
    assert (d.paid, d.advanced, d.recoveries_owed) == (Decimal("8600.00"), Decimal("0.00"), Decimal("300.00"))
    assert (d.opening_balance, d.closing_balance) == (Decimal("0.00"), Decimal("141100.00"))
    departments = by_key(d.by_department)
    a, b = departments[str(world["dept_a"].pk)], departments[str(world["dept_b"].pk)]
    assert (a.paid, a.advanced, a.persons, a.persons_year, a.annual_task) == (Decimal("3200.00"), 0, 3, 3, 10)
    assert (b.paid, b.advanced, b.persons, b.annual_task) == (Decimal("5400.00"), 0, 3, 20)
    assert (a.task_percent, b.task_percent) == (Decimal("30.0"), Decimal("15.0"))
    types = by_key(d.by_type)
    assert (types[TrainingType.EMPLOYMENT_SKILLS].total, types[TrainingType.EMPLOYMENT_SKILLS].persons) == (
        Decimal("3200.00"),
        3,
    )
    assert (types[TrainingType.SAFETY_SKILLS].total, types[TrainingType.SAFETY_SKILLS].persons) == (
        Decimal("5400.00"),
        3,
    )
    districts = by_key(d.by_district)
    assert (districts[DONGSHENG].name, districts[DONGSHENG].total) == ("东胜区", Decimal("3200.00"))
    assert (districts[EJIN_HORO].name, districts[EJIN_HORO].total) == ("伊金霍洛旗", Decimal("5400.00"))
    # all nine banners and districts are listed, then "outside the city"; nothing is unattributed
    assert len(d.by_district) == 10 and d.by_district[-1].key == "outside"
    assert UNATTRIBUTED not in districts and UNATTRIBUTED not in types and UNATTRIBUTED not in departments


def test_an_advance_counts_when_paid_and_moves_into_subsidies_when_settled(world):
    q2, q3 = report(2020, 2), report(2020, 3)
    assert q2.problems() == [] and q3.problems() == []
    b = str(world["dept_b"].pk)
    q2_b, q3_b = by_key(q2.by_department)[b], by_key(q3.by_department)[b]
    assert (q2_b.paid, q2_b.advanced, q2_b.total) == (Decimal("0.00"), Decimal("3600.00"), Decimal("3600.00"))
    # settlement: the class's whole total is paid, the advance falls; 1,800.00 left the account
    assert (q3_b.paid, q3_b.advanced, q3_b.total) == (Decimal("5400.00"), Decimal("-3600.00"), Decimal("1800.00"))
    assert (q2.used, q3.used) == (Decimal("7200.00"), Decimal("1400.00"))
    assert q2.closing_balance == q3.opening_balance
    quarters = [report(2020, q) for q in (1, 2, 3, 4)]
    assert sum(q.used for q in quarters) == report(2020).used
    assert sum(q.persons for q in quarters) == report(2020).persons == 6


# ---- small cells -------------------------------------------------------------------------------


def test_a_district_with_one_trainee_is_withheld_with_a_complement(world):
    (lone,) = persons(["钱多多"], 300, DALAD)
    granted_claim(lone, department=world["dept_a"], code="electrician-5", region=DALAD, end=date(2020, 10, 20))
    d = report(2020)
    districts = by_key(d.by_district)
    assert districts[DALAD].hidden == HIDDEN_SMALL and districts[DALAD].persons_text == "<3"
    assert districts[DALAD].persons is None and districts[DALAD].paid is None and districts[DALAD].total is None
    complements = [r for r in d.by_district if r.hidden == HIDDEN_COMPLEMENT]
    assert complements and all(r.persons_text == "—" and r.total is None for r in complements)
    # Dalad can no longer be worked out by subtraction: two or more rows are withheld
    assert len([r for r in d.by_district if r.hidden]) >= 2
    # the department table is not cut, and the totals still count everyone
    assert d.persons == 7 and by_key(d.by_department)[str(world["dept_a"].pk)].persons == 4
    assert d.problems() == []  # what is published still adds up where it can be checked


def test_a_quarter_with_one_recovery_in_a_district_withholds_it(world):
    """Q3: 400.00 recovered from one trainee in Dongsheng is money about one person."""
    districts = by_key(report(2020, 3).by_district)
    assert districts[DONGSHENG].hidden == HIDDEN_SMALL and districts[DONGSHENG].total is None


def test_the_complement_rule():
    assert selectors.hidden_keys([("a", {1, 2, 3}, Decimal(5)), ("b", set(), Decimal(0))]) == {}
    rows = [("a", {1}, Decimal(5)), ("b", {2, 3, 4}, Decimal(9)), ("c", {5, 6, 7, 8}, Decimal(1)), ("d", set(), 0)]
    # the smallest row about someone goes with it: two rows, four persons
    assert selectors.hidden_keys(rows) == {"a": HIDDEN_SMALL, "b": HIDDEN_COMPLEMENT}
    # two small rows of one person each cover only two: a third row goes too
    rows = [("a", {1}, 1), ("b", {2}, 1), ("c", {3, 4, 5}, 1)]
    assert selectors.hidden_keys(rows) == {"a": HIDDEN_SMALL, "b": HIDDEN_SMALL, "c": HIDDEN_COMPLEMENT}
    # nobody else to hide it among: nothing of the table is published
    rows = [("a", {1, 2}, 1), ("d", set(), 0), ("e", set(), 0)]
    assert selectors.hidden_keys(rows) == {"a": HIDDEN_SMALL, "d": HIDDEN_COMPLEMENT, "e": HIDDEN_COMPLEMENT}


# ---- no personal data, in any format -----------------------------------------------------------


def _personal_strings(world) -> list[str]:
    """Names (whole and masked as the notices mask them), ID numbers (whole, masked, the birth
    date part) and the phone number of everyone in the fixture."""
    found = [PHONE]
    for person in world["people"]:
        found += [person.name, person.name[0] + "*" + person.name[2:], person.id_masked]
    for seq in (*range(100, 103), *range(200, 203)):
        found += [id_number(seq), id_number(seq)[6:14]]
    return found


def _assert_no_personal_data(text: str, world) -> None:
    for value in _personal_strings(world):
        assert value not in text, value


def test_the_page_pdf_and_xlsx_hold_no_name_id_or_phone(client, world):
    page = client.get(reverse("reports:year", args=[2020]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "东胜区" in html and "3,200.00" in html and "鄂就组发〔2019〕1号" in html
    _assert_no_personal_data(html, world)

    response = client.get(reverse("reports:year_pdf", args=[2020]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = _pdf_text(response.content)
    assert "伊金霍洛旗" in text and "5,400.00" in text and "第 1 页" in text
    _assert_no_personal_data(text, world)
    plain = pdf.render(report(2020), compress=False)
    for value in _personal_strings(world):
        assert value.encode() not in plain and value.encode("utf-16-be") not in plain

    response = client.get(reverse("reports:year_xlsx", args=[2020]))
    assert response.status_code == 200 and response["Content-Disposition"].endswith('disclosure-2020.xlsx"')
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        xml = "".join(archive.read(n).decode() for n in archive.namelist() if n.endswith(".xml"))
    assert "东胜区" in xml
    _assert_no_personal_data(xml, world)


def test_the_xlsx_has_one_sheet_per_table_headed_by_the_document_and_period(world):
    book = load_workbook(io.BytesIO(xlsx.render(report(2020, 2))))
    assert book.sheetnames == ["说明", "收支总表", "资金来源", "按部门", "按培训类型", "按旗区"]
    for sheet in book.worksheets:
        assert "鄂就组发〔2019〕1号 §4.3.a" in sheet["A2"].value and "2020年4月1日至2020年6月30日" in sheet["A2"].value
        assert "2020年第2季度" in sheet["A1"].value
    departments = book["按部门"]
    rows = {r[0]: r for r in departments.iter_rows(min_row=6, values_only=True)}
    assert rows["测试应急管理局"][1:4] == (0, 3600, 3600)  # numbers, to the cent
    assert rows["合计"][3] == 7200


def test_the_page_is_public_and_in_english_when_chosen(client, world):
    client.cookies["django_language"] = "en"
    html = client.get(reverse("reports:quarter", args=[2020, 2])).content.decode()
    assert "Fund use by banner and district" in html and "Dongsheng District" in html and "2020 Q2" in html
    assert "fewer than 3 persons" in html


def test_the_chooser_redirects_and_defaults_to_the_programmes_latest_year(client, world):
    response = client.get(reverse("reports:index"), {"year": "2020", "quarter": "3"})
    assert response.status_code == 302 and response["Location"] == reverse("reports:quarter", args=[2020, 3])
    index = client.get(reverse("reports:index"))  # the 2019–2021 programme, read after it ended
    assert index.status_code == 200 and '<option value="2021" selected>' in index.content.decode()
    assert client.get("/public/disclosure/2020/5/").status_code == 404
    assert client.get("/public/disclosure/2018/").status_code == 404
    assert client.get(f"/public/disclosure/{timezone.localdate().year + 1}/").status_code == 404


def test_an_empty_period_renders_cleanly(client, db):
    bare_programme()
    d = report(2019)
    assert d.is_empty and d.problems() == [] and d.used == 0 and d.by_department == []
    assert all(r.total == 0 and not r.hidden for r in d.by_type + d.by_district)
    assert client.get(reverse("reports:year", args=[2019])).status_code == 200
    pdf_response = client.get(reverse("reports:year_pdf", args=[2019]))
    assert pdf_response.status_code == 200 and "本期专账无资金收支" in _pdf_text(pdf_response.content)
    assert client.get(reverse("reports:year_xlsx", args=[2019])).status_code == 200
    assert pdf.page_count(d) == 1


def test_money_with_no_training_behind_it_is_shown_as_not_attributed(world):
    pay(
        payee=world["institution"],
        amount=Decimal("250.00"),
        subject=("materials.textbook", "7"),
        department=world["dept_a"],
        actor=world["finance"],
        at=at(date(2020, 11, 2)),
    )
    d = report(2020, 4)
    assert d.problems() == []
    assert by_key(d.by_type)[UNATTRIBUTED].total == Decimal("250.00")
    assert by_key(d.by_district)[UNATTRIBUTED].total == Decimal("250.00")
    assert tables.text(Decimal("1234.5")) == "1,234.50"


def test_the_report_reads_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    with django_assert_max_num_queries(20):
        report(2020)


def test_the_default_pages_reach_every_year_of_the_regions_programmes(client, db):
    """The current year's programme (e.g. the demo year) and the 2019–2021 action are one city's:
    from this year's page a reader can choose any year back to 2019, each showing its programme."""
    from django.utils import timezone

    this_year = timezone.localdate().year
    bare_programme()
    bare_programme(code="this-year", start_year=this_year, end_year=this_year)
    page = client.get(reverse("reports:year", args=[this_year])).content.decode()
    assert f'<option value="{this_year}" selected>' in page and '<option value="2019">' in page
    assert client.get(reverse("reports:year", args=[2020])).status_code == 200
