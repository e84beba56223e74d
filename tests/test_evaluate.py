"""`skillfund evaluate`: a file of claims decided in one run, by the same engine as one claim online."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from openpyxl import Workbook
from python_calamine import CalamineWorkbook

from skillfund import policy_data
from skillfund.catalog.loading import catalog_load, occupations_load
from skillfund.catalog.models import CatalogItem
from skillfund.claims.actions import claim_decide, claim_submit
from skillfund.claims.batch import claims_evaluate
from skillfund.claims.decisions import decision_lines
from skillfund.claims.models import Claim, Decision
from skillfund.core.errors import InvalidInput
from skillfund.core.models import AuditRecord
from skillfund.organizations.models import Organization
from skillfund.registry.actions import person_status_add
from skillfund.registry.idnumbers import mask
from skillfund.training.actions.work import employment_create, work_training_month_record
from tests.factories import DepartmentFactory, OrganizationFactory, make_class_plan, make_person
from tests.idgen import make_id

TODAY = date(2021, 6, 30)
HEADER = "申请编号,公民身份号码,目录项目,目录年度,培训地区划代码,培训开始日期,培训结束日期,证书类型,证书编号,培训费"


@pytest.fixture
def catalog(db):
    occupations_load(path=policy_data.data_path("catalog", "occupations.yaml"))
    catalog_load(path=policy_data.data_path("catalog", "ordos-2020.yaml"))
    catalog_load(path=policy_data.data_path("catalog", "ordos-2021.yaml"))


@pytest.fixture
def ids(catalog):
    """Five registered persons, by what is special about them."""
    names = ["plain", "poor", "pensioner", "elsewhere", "no_cert"]
    numbers = {name: make_id(birth=date(1985, 3, 1 + n), seq=100 + n) for n, name in enumerate(names)}
    persons = {name: make_person(id_number=number) for name, number in numbers.items() if name != "pensioner"}
    persons["pensioner"] = make_person(id_number=numbers["pensioner"], receives_pension=True)
    poverty_office = DepartmentFactory(unit_code="poverty-office")  # the unit that may assert it
    person_status_add(
        actor=None, person=persons["poor"], kind="poor_labourer", valid_from=date(2019, 1, 1), source_org=poverty_office
    )
    return numbers


def readme_csv(ids: dict[str, str]) -> str:
    """What a new user writes from docs/claims-file-format.md: Chinese headers, one row per claim."""
    return "\n".join(
        [
            HEADER,
            f"SQ-001,{ids['plain']},electrician-5,2020,150602,2020-05-11,2020-05-22,职业技能等级证书,ZS-1,",
            f"SQ-002,{ids['poor']},housekeeping-5,2020,150602,2020-08-03,2020-08-12,职业技能等级证书,ZS-2,",
            f"SQ-003,{ids['pensioner']},welder-5,2020,150602,2020-06-01,2020-06-10,skill_level,ZS-3,",
            f"SQ-004,{ids['elsewhere']},so-welding,2020,150102,2020-06-01,2020-06-10,特种作业操作证,ZS-4,900",
            f"SQ-005,{ids['no_cert']},chinese-cook-5,2020,150602,2020-07-01,2020-07-10,,,1200.50",
        ]
    )


def evaluate(tmp_path: Path, text: str | bytes, name: str = "claims.csv", out: str = "decisions.csv", **kw):
    path = tmp_path / name
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    return claims_evaluate(actor=None, file=path, out=tmp_path / out, today=TODAY, **kw)


def read_csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def test_a_csv_written_from_the_readme_is_decided_and_explained(tmp_path, ids):
    result = evaluate(tmp_path, readme_csv(ids))

    rows = {r["reference"]: r for r in read_csv(tmp_path / "decisions.csv")}
    assert list(rows) == ["SQ-001", "SQ-002", "SQ-003", "SQ-004", "SQ-005"]
    assert [rows[r]["eligible"] for r in rows] == ["true", "true", "false", "false", "false"]
    plain = rows["SQ-001"]
    assert plain["person"] == mask(ids["plain"]) and ids["plain"] not in (tmp_path / "decisions.csv").read_text()
    assert (plain["subsidy"], plain["trainee_share"], plain["living_allowance"]) == ("1200.00", "0.00", "0.00")
    assert plain["failed_clauses"] == "" and "补贴1200.00元" in plain["reasons_zh"]
    poor = rows["SQ-002"]  # a poor labourer trains free and gets 10 days of living allowance (§3.3.d, §3.3.f)
    assert (poor["subsidy"], poor["free"], poor["living_allowance"]) == ("800.00", "true", "500.00")
    assert rows["SQ-003"]["failed_clauses"] == "§3.3.c"
    assert rows["SQ-004"]["failed_clauses"] == "§3.3.a"  # the training region 150102, by its name
    assert "呼和浩特市新城区" in rows["SQ-004"]["reasons_zh"] and "(prefecture Hohhot)" in rows["SQ-004"]["reasons_en"]
    assert rows["SQ-005"]["reasons_zh"] == "培训后未取得规定的证书"
    assert rows["SQ-005"]["subsidy"] == "0.00" and rows["SQ-005"]["trainee_share"] == "1200.50"

    assert (result.eligible, result.refused_by_clause, result.total("subsidy")) == (
        2,
        {"§3.3.a": 2, "§3.3.c": 1},
        Decimal("2000.00"),
    )
    claims = Claim.objects.filter(batch=result.run_id)
    assert claims.count() == 5 and set(claims.values_list("status", flat=True)) == {Claim.Status.DECIDED}
    assert AuditRecord.objects.filter(action="claims.evaluate").count() == 1
    # The reasons are what decision_lines renders from each stored decision.
    for decision in Decision.objects.select_related("claim"):
        row = rows[decision.claim.reference]
        shown = [
            line for line in decision_lines(decision) if line.status == ("outcome" if decision.eligible else "fail")
        ]
        assert row["reasons_en"] == "; ".join(line.en for line in shown)
        assert Decimal(row["subsidy"]) == decision.subsidy


def test_jsonl_and_xlsx_files_round_trip(tmp_path, ids):
    lines = list(csv.DictReader(io.StringIO(readme_csv(ids))))
    keys = ["claim", "id_number", "item", "year", "training_region", "start_date", "end_date"]
    keys += ["certificate", "certificate_number", "fee"]
    records = [dict(zip(keys, line.values(), strict=True)) for line in lines]
    jsonl = "\n".join(json.dumps({k: v for k, v in r.items() if v}, ensure_ascii=False) for r in records)
    evaluate(tmp_path, jsonl, name="claims.jsonl", out="from-jsonl.xlsx")

    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    for r in records:
        sheet.append([int(v) if k == "year" else (date.fromisoformat(v) if "date" in k else v) for k, v in r.items()])
    xlsx = io.BytesIO()
    book.save(xlsx)
    again = evaluate(tmp_path, xlsx.getvalue(), name="claims.xlsx", out="from-xlsx.jsonl")

    table = CalamineWorkbook.from_path(str(tmp_path / "from-jsonl.xlsx")).get_sheet_by_index(0).to_python()
    from_xlsx = [dict(zip(table[0], row, strict=True)) for row in table[1:]]
    from_jsonl = [json.loads(line) for line in (tmp_path / "from-xlsx.jsonl").read_text().splitlines()]
    assert [r["reference"] for r in from_xlsx] == [r["reference"] for r in from_jsonl] == [r["claim"] for r in records]
    for a, b in zip(from_xlsx, from_jsonl, strict=True):
        assert Decimal(str(a["subsidy"])).quantize(Decimal("0.01")) == Decimal(b["subsidy"])
        assert (a["eligible"], a["failed_clauses"], a["reasons_zh"]) == (
            b["eligible"],
            b["failed_clauses"],
            b["reasons_zh"],
        )
    assert again.reused == 5 and Claim.objects.count() == 5 and Decision.objects.count() == 10


GOOD = "SQ-1,{id},electrician-5,2020,150602,2020-05-11,2020-05-22,职业技能等级证书,ZS-1,"


@pytest.mark.parametrize(
    ("row", "column", "reason"),
    [
        ("SQ-1,{unknown},electrician-5,2020,150602,2020-05-11,2020-05-22,,,", "公民身份号码", "no person"),
        ("SQ-1,{id},welder-9,2020,150602,2020-05-11,2020-05-22,,,", "目录项目", "not in the 2020 catalog"),
        ("SQ-1,{id},electrician-5,2020,150602,2020-05-11,2020-05-22,,,", None, None),  # the good row
        ("SQ-1,{id},electrician-5,2020,150602,5/11/2020,2020-05-22,,,", "培训开始日期", "a date is written"),
        ("SQ-1,{id},electrician-5,2020,150602,2020-02-30,2020-05-22,,,", "培训开始日期", "no such date"),
        ("SQ-1,{id},electrician-5,2020,150602,2020-05-11,2020-05-01,,,", "培训结束日期", "before the start date"),
        ("SQ-1,{id},electrician-5,2021,150602,2021-07-01,2021-07-10,,,", "培训结束日期", "not ended yet"),
        ("SQ-1,{id},electrician-5,2020,150602,2020-05-11,2020-05-22,,,12.345", "培训费", "at most 2 decimals"),
        ("SQ-1,{id},electrician-5,2020,150602,2020-05-11,2020-05-22,,,-5", "培训费", "cannot be negative"),
        ("SQ-1,{id},electrician-5,2020,150602,2020-05-11,2020-05-22,驾驶证,,", "证书类型", "unknown certificate"),
        ("SQ-1,{id},electrician-5,2020,15060X,2020-05-11,2020-05-22,,,", "培训地区划代码", "6 digits"),
        ("SQ-1,{id},electrician-5,2020,150602,2019-01-02,2019-01-10,,,", "培训结束日期", "before the policy applies"),
        ("SQ-1,{id},,2020,150602,2020-05-11,2020-05-22,,,", "目录项目", "required without a class code"),
    ],
)
def test_a_bad_row_is_named_by_row_and_column_and_nothing_is_written(tmp_path, ids, row, column, reason):
    text = "\n".join([HEADER, GOOD.format(id=ids["poor"]).replace("SQ-1", "SQ-0"), row])
    text = text.format(id=ids["plain"], unknown=make_id(birth=date(1970, 1, 1), seq=999))
    if column is None:
        assert len(evaluate(tmp_path, text).lines) == 2
        return
    with pytest.raises(InvalidInput) as exc:
        evaluate(tmp_path, text)
    (problem,) = exc.value.problems
    assert (problem.row, problem.column) == (3, column) and reason in problem.en
    assert Claim.objects.count() == Decision.objects.count() == 0
    assert not (tmp_path / "decisions.csv").exists() and not list(tmp_path.glob(".*part"))


def test_a_duplicate_reference_in_the_file_is_an_error(tmp_path, ids):
    text = "\n".join([HEADER, GOOD.format(id=ids["plain"]), GOOD.format(id=ids["poor"])])
    with pytest.raises(InvalidInput) as exc:
        evaluate(tmp_path, text)
    assert [(p.row, p.column, p.en) for p in exc.value.problems] == [(3, "申请编号", "duplicates row 2")]
    assert Claim.objects.count() == 0


@pytest.mark.parametrize(
    ("text", "name", "row", "column", "reason"),
    [
        ('{"claim": "A", "id_number": "x"\n', "c.jsonl", 1, "文件 / file", "not a JSON object"),
        ("[1, 2]\n", "c.jsonl", 1, "文件 / file", "not a JSON object"),
        ("申请编号,目录项目\nA,electrician-5\n", "c.csv", None, "文件 / file", "missing required columns"),
        ("PK\x03\x04garbage", "c.xlsx", None, "文件 / file", "cannot read the Excel workbook"),
        ("a,b\n1,2\n", "c.pdf", None, "文件 / file", "only .csv, .xlsx and .jsonl"),
        ('{"claim": "A", "id_number": 150602199001011234}\n', "c.jsonl", 1, "id_number", "stored as a number"),
        ('{"claim": "A", "id_number": "150602199001011238", "kind": "grant"}\n', "c.jsonl", 1, "kind", "kind is"),
    ],
)
def test_a_malformed_file_is_refused_whole(tmp_path, catalog, text, name, row, column, reason):
    with pytest.raises(InvalidInput) as exc:
        evaluate(tmp_path, text, name=name)
    problem = exc.value.problems[0]
    assert (problem.row, problem.column) == (row, column) and reason in problem.en
    assert Claim.objects.count() == 0


def test_every_problem_of_a_file_is_reported_in_row_order(tmp_path, ids):
    text = "\n".join(
        [
            HEADER,
            f"SQ-1,{ids['plain']},electrician-5,2020,150602,2020-05-11,2020-05-01,驾驶证,,",
            f"SQ-1,{make_id(birth=date(1970, 1, 1), seq=998)},electrician-5,2020,150602,2020-05-11,2020-05-22,,,",
        ]
    )
    with pytest.raises(InvalidInput) as exc:
        evaluate(tmp_path, text)
    assert [(p.row, p.column) for p in exc.value.problems] == [
        (2, "证书类型"),
        (2, "培训结束日期"),
        (3, "申请编号"),
    ]


def test_two_claims_for_one_occupation_and_level_in_one_file_get_one_subsidy(tmp_path, ids):
    text = "\n".join(
        [
            HEADER,
            f"LATE,{ids['plain']},electrician-5,2020,150602,2020-09-01,2020-09-10,职业技能等级证书,,",
            f"EARLY,{ids['plain']},electrician-5,2020,150602,2020-03-01,2020-03-10,职业技能等级证书,,",
        ]
    )
    result = evaluate(tmp_path, text)
    by_ref = {line["reference"]: line for line in result.lines}
    assert by_ref["EARLY"]["eligible"] and not by_ref["LATE"]["eligible"]
    assert by_ref["LATE"]["failed_clauses"] == "§3.3.b"
    assert "never subsidized twice" in by_ref["LATE"]["reasons_en"]


def test_the_online_path_decides_each_claim_as_the_batch_did(tmp_path, ids):
    result = evaluate(tmp_path, readme_csv(ids))
    for claim in Claim.objects.filter(batch=result.run_id):
        batch = claim.decisions.get()
        twin = claim_submit(
            actor=None,
            person=claim.person,
            catalog_item=claim.catalog_item,
            training_region=claim.training_region,
            start_date=claim.start_date,
            end_date=claim.end_date,
            certificate_kind=claim.certificate_kind,
            fee=claim.fee,
            today=TODAY,
        )
        online = claim_decide(claim=twin, actor=None)
        online.refresh_from_db()
        assert (online.eligible, online.subsidy, online.living_allowance, online.failed_mask, online.facts) == (
            batch.eligible,
            batch.subsidy,
            batch.living_allowance,
            batch.failed_mask,
            batch.facts,
        )


def test_a_decision_keeps_the_facts_that_differ_from_the_usual(tmp_path, ids):
    """Stored facts (PostgreSQL: written by COPY) leave out the usual values and still explain."""
    result = evaluate(tmp_path, readme_csv(ids))
    facts = {c.reference: c.decisions.get().facts for c in Claim.objects.filter(batch=result.run_id)}
    assert facts["SQ-001"] == {"hukou_region": "150602", "residence_region": "150602"}
    assert facts["SQ-003"] == {"hukou_region": "150602", "residence_region": "150602", "pension": True}
    assert facts["SQ-002"]["status_bits"] == 1  # poor_labourer
    decision = Claim.objects.get(batch=result.run_id, reference="SQ-003").decisions.get()
    assert [line.clause for line in decision_lines(decision) if line.status == "fail"] == ["§3.3.c"]


def test_running_a_file_again_reuses_its_claims_and_adds_decisions(tmp_path, ids):
    first = evaluate(tmp_path, readme_csv(ids))
    second = evaluate(tmp_path, readme_csv(ids))
    assert (first.created, first.reused, second.created, second.reused) == (5, 0, 0, 5)
    assert Claim.objects.count() == 5 and Decision.objects.count() == 10
    assert set(Claim.objects.values_list("batch", flat=True)) == {second.run_id}
    assert [line["eligible"] for line in first.lines] == [line["eligible"] for line in second.lines]

    changed = readme_csv(ids).replace("2020-05-22,职业技能等级证书,ZS-1", "2020-05-23,职业技能等级证书,ZS-1")
    with pytest.raises(InvalidInput) as exc:
        evaluate(tmp_path, changed)
    assert [(p.row, p.column) for p in exc.value.problems] == [(2, "培训结束日期")]
    assert "already exists with different facts" in exc.value.problems[0].en
    assert Decision.objects.count() == 10


def test_a_class_code_brings_the_class_plans_facts_and_department(tmp_path, ids, department):
    plan = make_class_plan(
        department=department,
        catalog_item=CatalogItem.objects.get(year=2020, code="electrician-5"),
        days=20,
        hours=(9, 15),  # 120 class hours, the item's minimum
    )
    text = f"申请编号,公民身份号码,开班计划编号,证书类型\nK-1,{ids['plain']},{plan.code},职业技能等级证书\n"
    result = evaluate(tmp_path, text)
    claim = Claim.objects.get(reference="K-1")
    assert (claim.department, claim.start_date, claim.end_date, claim.training_region) == (
        department,
        plan.start_date,
        plan.end_date,
        plan.region,
    )
    assert result.lines[0]["eligible"]

    conflicting = f"申请编号,公民身份号码,开班计划编号,培训结束日期\nK-2,{ids['plain']},{plan.code},2020-07-01\n"
    with pytest.raises(InvalidInput) as exc:
        evaluate(tmp_path, conflicting)
    assert [(p.row, p.column) for p in exc.value.problems] == [(2, "培训结束日期")]
    unknown = f"申请编号,公民身份号码,开班计划编号\nK-3,{ids['plain']},NO-SUCH-CLASS\n"
    with pytest.raises(InvalidInput) as exc:
        evaluate(tmp_path, unknown)
    assert [(p.row, p.column, p.en) for p in exc.value.problems] == [(2, "开班计划编号", "no class plan has this code")]


def test_training_through_work_names_its_employer(tmp_path, ids):
    workshop = OrganizationFactory(kind=Organization.Kind.POVERTY_WORKSHOP)
    poor = Claim._meta.get_field("person").related_model.objects.get(id_masked=mask(ids["poor"]))
    employment = employment_create(employer=workshop, person=poor, start_date=date(2020, 3, 2), actor=None)
    for month in (3, 4, 5, 6):
        work_training_month_record(
            employment=employment, month=date(2020, month, 1), hours=Decimal("20"), content="岗位实训", actor=None
        )
    header = "claim,id_number,item,training_region,start_date,end_date,kind,months,employer,certificate"
    good = (
        f"W-1,{ids['poor']},housekeeping-5,150602,2020-03-02,2020-06-30,以工代训,4,{workshop.credit_code},培训合格证书"
    )
    result = evaluate(tmp_path, f"{header}\n{good}\n")
    line = result.lines[0]
    assert (line["eligible"], line["months_subsidized"], line["subsidy"]) == (True, 4, Decimal("2000.00"))
    assert Claim.objects.get(reference="W-1").employment.employer == workshop

    nobody = good.replace("W-1", "W-2").replace(ids["poor"], ids["plain"])
    # Months already claimed by W-1 are not claimed again (§3.3.g), with or without a number.
    again = good.replace("W-1", "W-3").replace(",4,", ",,")
    with pytest.raises(InvalidInput) as exc:
        evaluate(tmp_path, f"{header}\n{nobody}\n{again}\n")
    assert [(p.row, p.column) for p in exc.value.problems] == [(2, "employer"), (3, "months")]
    assert "not claimed before" in exc.value.problems[1].en


def test_training_through_work_months_are_the_recorded_rows(tmp_path, ids):
    """§3.3.g: the months subsidized are counted from the recorded monthly training rows within the
    claim's period; a file giving another number is refused, an empty cell takes the record."""
    workshop = OrganizationFactory(kind=Organization.Kind.POVERTY_WORKSHOP)
    poor = Claim._meta.get_field("person").related_model.objects.get(id_masked=mask(ids["poor"]))
    employment = employment_create(employer=workshop, person=poor, start_date=date(2020, 1, 6), actor=None)
    for month in (1, 2, 3, 9):  # September lies outside the claimed period
        work_training_month_record(
            employment=employment, month=date(2020, month, 1), hours=Decimal("20"), content="岗位实训", actor=None
        )
    header = "claim,id_number,item,training_region,start_date,end_date,kind,months,employer"
    row = (
        f"{{ref}},{ids['poor']},housekeeping-5,150602,2020-01-06,2020-06-30,以工代训,{{months}},{workshop.credit_code}"
    )
    with pytest.raises(InvalidInput) as exc:
        evaluate(tmp_path, f"{header}\n{row.format(ref='W-6', months=6)}\n")
    (problem,) = exc.value.problems
    assert (problem.row, problem.column, problem.value) == (2, "months", "6")
    assert "3 on record (2020-01, 2020-02, 2020-03)" in problem.en and "登记3个月" in problem.zh
    assert Claim.objects.count() == 0

    result = evaluate(tmp_path, f"{header}\n{row.format(ref='W-7', months='')}\n")
    assert (result.lines[0]["months_subsidized"], result.lines[0]["subsidy"]) == (3, Decimal("1500.00"))
    assert Claim.objects.get(reference="W-7").months == 3


def test_the_command_prints_a_summary(tmp_path, ids, capsys):
    path = tmp_path / "claims.csv"
    path.write_text(readme_csv(ids), encoding="utf-8")
    out = io.StringIO()
    # The command judges "in the future" against the real today; the file's claims are from 2020.
    call_command("evaluate", str(path), "--out", str(tmp_path / "d.xlsx"), stdout=out, stderr=io.StringIO())
    text = out.getvalue()
    assert "eligible" in text and "§3.3.c" in text and "2000.00" in text
    assert (tmp_path / "d.xlsx").exists()
