"""Past subsidies (§3.3.b): recorded as history grants, counted by every decision path, shown on
the person's record; a claim dated before the parameters is refused before anything is written."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, connections, transaction
from django.urls import reverse
from django.utils import timezone

from skillfund import policy_data
from skillfund.accounts.models import Role
from skillfund.catalog.loading import catalog_load, occupations_load
from skillfund.catalog.models import CatalogItem, Occupation
from skillfund.claims.actions import claim_decide, claim_grant, claim_submit, claims_grant
from skillfund.claims.batch import claims_evaluate
from skillfund.claims.decisions import decision_lines
from skillfund.claims.history import history_import
from skillfund.claims.models import Claim, Grant, QuotaTally
from skillfund.claims.preview import enrolment_preview
from skillfund.claims.whatif import what_if
from skillfund.core.errors import DomainError, InvalidInput
from skillfund.core.models import AuditRecord
from skillfund.training.actions.enrolment import enrolment_create
from tests.factories import OrganizationFactory, UserFactory, at, make_catalog_item, make_class_plan, make_person
from tests.idgen import make_id

TODAY = date(2021, 6, 30)
HEADER = "公民身份号码,姓名,职业（工种）,等级,证书类型,证书编号,培训结束日期,补贴金额,发放单位,来源系统"
PROVINCE = "内蒙古职业技能提升行动管理系统"
NEVER_TWICE_ZH = "同一职业同一等级（电工（6-31-01-03），三级/高级工）已享受过补贴，不可重复享受"
EXAMPLE = Path(__file__).resolve().parent.parent / "docs" / "examples" / "past-subsidies.csv"


@pytest.fixture
def catalog(db):
    occupations_load(path=policy_data.data_path("catalog", "occupations.yaml"))
    for year in (2019, 2020, 2021):
        catalog_load(path=policy_data.data_path("catalog", f"ordos-{year}.yaml"))


@pytest.fixture
def people(catalog):
    """Two registered persons, by their ID numbers."""
    numbers = {"wang": make_id(birth=date(1980, 2, 3), seq=11), "li": make_id(birth=date(1991, 7, 8), seq=22)}
    return {key: make_person(id_number=number, name=f"{key}某") for key, number in numbers.items()} | {
        "numbers": numbers
    }


def csv_of(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


def record(data: bytes, actor=None, name: str = "past.csv"):
    return history_import(actor=actor, file=data, file_name=name, today=TODAY)


def electrician_3(number: str, name: str = "", **changes) -> str:
    """A row: electrician (6-31-01-03) at level 3, from the provincial system, in 2018."""
    cells = {
        "occupation": "6-31-01-03",
        "level": "高级工",
        "certificate": "职业技能等级证书",
        "cert_no": "ZS-2018-1",
        "end": "2018-10-20",
        "amount": "2000",
        "unit": "达拉特旗人社局",
        "source": PROVINCE,
    } | changes
    return ",".join([number, name, *cells.values()])


def item(code: str, year: int = 2020) -> CatalogItem:
    return CatalogItem.objects.get(year=year, code=code)


def claim_for(person, code: str, *, year: int = 2020, month: int = 5, end: date | None = None) -> Claim:
    it = item(code, year)
    return claim_submit(
        actor=None,
        person=person,
        catalog_item=it,
        training_region="150602",
        start_date=date(year, month, 1),
        end_date=end or date(year, month, 10),
        certificate_kind=it.certificate_kind,
        today=TODAY,
    )


# ---- recording -----------------------------------------------------------------------------------


def test_a_file_of_past_subsidies_is_recorded_as_history_grants(people):
    wang, li = people["numbers"]["wang"], people["numbers"]["li"]
    data = csv_of(
        electrician_3(wang, "wang某"),
        electrician_3(li, occupation="电工", level="4", end="2020年3月5日", amount="1600.50", source="上一期培训项目"),
        electrician_3(li, occupation="保育师", level="专项能力", certificate="专项职业能力证书", cert_no=""),
    )
    result = record(data)
    assert (result.rows, result.recorded, result.already_recorded, result.counted_in_year) == (3, 3, 0, 1)
    grants = {(g.person.name, g.subject, g.level_key): g for g in Grant.objects.select_related("person")}
    assert set(grants) == {("wang某", "6-31-01-03", 3), ("li某", "6-31-01-03", 4), ("li某", "4-10-01-03", 0)}
    for g in grants.values():
        assert g.origin == Grant.Origin.HISTORY and g.claim is None and g.decision is None
    by_li = grants[("li某", "6-31-01-03", 4)]
    assert (by_li.year, by_li.amount, by_li.source_system) == (2020, Decimal("1600.50"), "上一期培训项目")
    # 2020 is under the yearly cap (§3.3.b from 2019-11-28); 2018 counts toward never-twice only.
    assert list(QuotaTally.objects.values_list("person_id", "year", "used", "cap")) == [(people["li"].pk, 2020, 1, 3)]
    audit = AuditRecord.objects.get(action="grants.history_import")
    assert audit.after["recorded"] == 3 and len(audit.after["sha256"]) == 64
    assert wang not in str(audit.after) and wang[6:14] not in str(audit.after)  # no personal data


def test_past_subsidies_in_an_office_layout_are_recorded(people):
    """The shared reading layer: a title row above the header, one 发放单位 merged over its rows,
    and the footer lines (合计, 制表人) below — skipped and named, as for rosters."""
    import io

    from openpyxl import Workbook

    wang, li = people["numbers"]["wang"], people["numbers"]["li"]
    book = Workbook()
    sheet = book.active
    sheet.append(["达拉特旗既往职业技能培训补贴发放明细"])
    sheet.merge_cells("A1:J1")
    sheet.append(HEADER.split(","))
    for number in (wang, li):
        row = electrician_3(number).split(",")
        row[1] = ""  # no name: it is optional
        sheet.append(row)
    sheet.merge_cells("I3:I4")  # one granting unit for both rows
    sheet.append(["合计", "2人", None, None, None, None, None, "4000"])
    sheet.append(["制表人：王芳", None, "审核人：李明"])
    out = io.BytesIO()
    book.save(out)
    result = record(out.getvalue(), name="既往补贴.xlsx")
    assert (result.rows, result.recorded) == (2, 2)
    assert set(Grant.objects.values_list("granting_unit", flat=True)) == {"达拉特旗人社局"}
    assert {w.row for w in result.warnings if w.zh.startswith("已跳过")} >= {1, 5, 6}


def test_importing_the_same_file_again_changes_nothing(people):
    data = csv_of(electrician_3(people["numbers"]["wang"]), electrician_3(people["numbers"]["li"], end="2020-06-01"))
    record(data)
    before = list(Grant.objects.values()), list(QuotaTally.objects.values())
    again = record(data)
    assert (again.recorded, again.already_recorded, again.counted_in_year) == (0, 2, 0)
    assert (list(Grant.objects.values()), list(QuotaTally.objects.values())) == before


@pytest.mark.parametrize(
    ("row", "column", "zh"),
    [
        ({"occupation": "火箭工程师"}, "职业（工种）", "职业目录中没有该职业编码或名称"),
        ({"level": "六级"}, "等级", "等级应为1–5"),
        ({"level": "无等级"}, "等级", "该证书须有等级1–5"),
        ({"certificate": "特种作业操作证", "level": "3"}, "等级", "该证书没有等级"),
        ({"amount": "-5"}, "补贴金额", ""),
        ({"end": "2021-07-01"}, "培训结束日期", "结束日期晚于今天"),
        ({"end": "2018-02-30"}, "培训结束日期", "日期不存在"),
        ({"source": ""}, "来源系统", "必填"),
    ],
)
def test_a_bad_value_is_named_by_row_and_column_and_nothing_is_written(people, row, column, zh):
    data = csv_of(
        electrician_3(people["numbers"]["li"], occupation="4-03-02-01", level="5"),
        electrician_3(people["numbers"]["wang"], **row),
    )
    with pytest.raises(InvalidInput) as refused:
        record(data)
    (problem,) = refused.value.problems
    assert (problem.row, problem.column) == (3, column) and zh in problem.zh and problem.en
    assert not Grant.objects.exists() and not AuditRecord.objects.filter(action="grants.history_import").exists()


def test_a_person_not_registered_is_refused_with_a_masked_number(people):
    stranger = make_id(birth=date(1975, 5, 5), seq=77)
    with pytest.raises(InvalidInput) as refused:
        record(csv_of(electrician_3(stranger)))
    (problem,) = refused.value.problems
    assert problem.row == 2 and "请先登记" in problem.zh and "register the person first" in problem.en
    assert problem.value == stranger[:6] + "********" + stranger[-4:]
    assert not Grant.objects.exists()


def test_a_name_differing_from_the_registry_is_refused(people):
    with pytest.raises(InvalidInput) as refused:
        record(csv_of(electrician_3(people["numbers"]["wang"], "王某某")))
    assert refused.value.problems[0].column == "姓名"


def test_a_row_repeating_another_names_both_rows(people):
    wang = people["numbers"]["wang"]
    data = csv_of(electrician_3(wang), electrician_3(people["numbers"]["li"]), electrician_3(wang, level="三级"))
    with pytest.raises(InvalidInput) as refused:
        record(data)
    (problem,) = refused.value.problems
    assert problem.row == 4 and "与第2行重复" in problem.zh and "repeats row 2" in problem.en
    assert not Grant.objects.exists()


def test_a_row_clashing_with_a_grant_of_this_platform_is_refused(people):
    claim_grant(claim=claim_for(people["wang"], "electrician-3"), actor=None)
    with pytest.raises(InvalidInput) as refused:
        record(csv_of(electrician_3(people["numbers"]["wang"])))
    (problem,) = refused.value.problems
    assert problem.row == 2 and "已于2020年享受补贴" in problem.zh and "§3.3.b" in problem.zh
    assert Grant.objects.count() == 1


def test_a_row_differing_from_the_history_grant_recorded_is_a_clash_not_a_repeat(people):
    record(csv_of(electrician_3(people["numbers"]["wang"])))
    with pytest.raises(InvalidInput) as refused:
        record(csv_of(electrician_3(people["numbers"]["wang"], amount="2500")))
    assert f"来源：{PROVINCE}" in refused.value.problems[0].zh
    assert Grant.objects.get().amount == Decimal("2000.00")


def test_past_subsidies_over_a_years_cap_are_refused(people):
    for code, month in (("electrician-5", 3), ("welder-5", 4), ("chinese-cook-5", 5)):
        claim_grant(claim=claim_for(people["wang"], code, month=month), actor=None)
    with pytest.raises(InvalidInput) as refused:
        record(csv_of(electrician_3(people["numbers"]["wang"], end="2020-09-01")))
    (problem,) = refused.value.problems
    assert problem.column == "培训结束日期" and "超过每年3次的上限" in problem.zh
    assert QuotaTally.objects.get(person=people["wang"], year=2020).used == 3


def test_the_database_holds_a_history_grant_to_no_claim_and_a_policy_grant_to_one(people):
    claim_grant(claim=claim_for(people["wang"], "electrician-5"), actor=None)
    policy = Grant.objects.get()
    common = {"person": people["li"], "kind": "individual", "year": 2018, "end_date": date(2018, 1, 1)}
    common |= {"amount": Decimal("1"), "granted_at": timezone.now()}
    with pytest.raises(IntegrityError), transaction.atomic():  # a history grant paying a claim
        Grant.objects.create(
            **common, origin="history", subject="x", level_key=1, source_system=PROVINCE, claim=policy.claim
        )
    with pytest.raises(IntegrityError), transaction.atomic():  # a policy grant without a decision
        Grant.objects.create(**common, origin="policy", subject="y", level_key=1)
    with pytest.raises(IntegrityError), transaction.atomic():  # a history grant saying not where from
        Grant.objects.create(**common, origin="history", subject="z", level_key=1)
    Grant.objects.create(**common, origin="history", subject="w", level_key=1, source_system=PROVINCE)
    with pytest.raises(IntegrityError), transaction.atomic():  # never twice (§3.3.b), for history too
        Grant.objects.create(**common, origin="history", subject="w", level_key=1, source_system="上一期培训项目")


# ---- who may record ------------------------------------------------------------------------------


def test_only_the_hr_bureau_records_past_subsidies(people):
    operator = UserFactory(role=Role.INSTITUTION_OPERATOR, organization=OrganizationFactory())
    with pytest.raises(DomainError) as refused:
        record(csv_of(electrician_3(people["numbers"]["wang"])), actor=operator)
    assert refused.value.code == "history_import_not_allowed"
    assert not Grant.objects.exists()


@pytest.mark.parametrize("role", [Role.INSTITUTION_OPERATOR, Role.DEPARTMENT_STAFF, Role.FINANCE_OFFICER])
def test_an_institution_posting_to_the_page_is_refused_and_nothing_is_written(client, people, role):
    attacker = UserFactory(role=role, organization=OrganizationFactory())
    client.force_login(attacker)
    upload = SimpleUploadedFile("past.csv", csv_of(electrician_3(people["numbers"]["wang"])))
    response = client.post(reverse("web:history_import"), {"file": upload})
    assert response.status_code == 403
    assert not Grant.objects.exists()


def test_the_hr_bureau_records_through_the_page(client, people, hr_user):
    client.force_login(hr_user)
    assert client.get(reverse("web:home")).content.decode().count(reverse("web:history_import")) == 1
    upload = SimpleUploadedFile("past.csv", csv_of(electrician_3(people["numbers"]["wang"])))
    response = client.post(reverse("web:history_import"), {"file": upload})
    assert response.status_code == 200 and Grant.objects.get().granted_by == hr_user
    bad = SimpleUploadedFile("bad.csv", csv_of(electrician_3(people["numbers"]["li"], level="六级")))
    page = client.post(reverse("web:history_import"), {"file": bad}).content.decode()
    assert "等级应为1–5" in page and Grant.objects.count() == 1


def test_the_command_records_the_example_file_and_again_changes_nothing(catalog, capsys):
    for number, name in (("150621198503120017", "高娃"), ("150602199007080023", "李明")):
        make_person(id_number=number, name=name)
    call_command("import_history", str(EXAMPLE))
    first = Grant.objects.count()
    assert first == 4
    call_command("import_history", str(EXAMPLE))
    assert Grant.objects.count() == first and "already recorded 4" in capsys.readouterr().out


def test_the_command_reports_a_bad_file_and_writes_nothing(people, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_of(electrician_3(people["numbers"]["wang"], level="六级")))
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_history", str(path))
    assert not Grant.objects.exists()


# ---- §3.3.b counts them everywhere ---------------------------------------------------------------


@pytest.fixture
def wang_had_electrician_3(people):
    record(csv_of(electrician_3(people["numbers"]["wang"])))
    return people["wang"]


def test_online_a_history_grant_refuses_the_same_occupation_and_level(wang_had_electrician_3):
    person = wang_had_electrician_3
    decision = claim_decide(claim=claim_for(person, "electrician-3"), actor=None)
    assert not decision.eligible
    assert NEVER_TWICE_ZH in [line.zh for line in decision_lines(decision) if line.status == "fail"]
    assert claim_decide(claim=claim_for(person, "electrician-4"), actor=None).eligible


def test_granting_under_the_locks_counts_a_history_grant(wang_had_electrician_3):
    person = wang_had_electrician_3
    same, other = claim_for(person, "electrician-3"), claim_for(person, "electrician-4", month=6)
    decisions = {d.claim_id: d for d in claims_grant(claims=[same, other], actor=None)}
    assert not decisions[same.pk].eligible and decisions[other.pk].eligible
    assert Grant.objects.filter(person=person, origin=Grant.Origin.POLICY).get().claim_id == other.pk


def test_a_history_grant_in_the_programme_counts_against_its_years_cap(people):
    record(csv_of(electrician_3(people["numbers"]["wang"], end="2020-02-01")))
    person = people["wang"]
    assert claim_grant(claim=claim_for(person, "welder-5", month=3), actor=None).eligible
    assert claim_grant(claim=claim_for(person, "chinese-cook-5", month=4), actor=None).eligible
    fourth = claim_grant(claim=claim_for(person, "pastry-cook-5", month=5), actor=None)
    assert not fourth.eligible and fourth.failed_mask
    assert QuotaTally.objects.get(person=person, year=2020).used == 3


def test_a_history_grant_before_the_programme_counts_toward_never_twice_only(people):
    wang = people["numbers"]["wang"]
    record(
        csv_of(
            electrician_3(wang, occupation="6-18-02-04", level="5", end="2019-03-01"),
            electrician_3(wang, occupation="4-03-02-01", level="5", end="2019-05-01"),
            electrician_3(wang, occupation="4-03-02-02", level="5", end="2019-07-01"),
        )
    )
    person = people["wang"]
    december = date(2019, 12, 20)
    assert claim_decide(
        claim=claim_for(person, "electrician-5", year=2019, month=12, end=december), actor=None
    ).eligible
    assert not claim_decide(claim=claim_for(person, "welder-5", year=2019, month=12, end=december), actor=None).eligible


def test_the_batch_counts_a_history_grant(wang_had_electrician_3, people, tmp_path):
    number = people["numbers"]["wang"]
    path = tmp_path / "claims.csv"
    path.write_text(
        "申请编号,公民身份号码,目录项目,目录年度,培训地区划代码,培训开始日期,培训结束日期,证书类型\n"
        f"B-1,{number},electrician-3,2020,150602,2020-05-01,2020-05-10,职业技能等级证书\n"
        f"B-2,{number},electrician-4,2020,150602,2020-06-01,2020-06-10,职业技能等级证书\n",
        encoding="utf-8",
    )
    result = claims_evaluate(actor=None, file=path, out=tmp_path / "out.csv", today=TODAY)
    lines = {line["reference"]: line for line in result.lines}
    assert not lines["B-1"]["eligible"] and lines["B-1"]["failed_clauses"] == "§3.3.b"
    assert NEVER_TWICE_ZH in lines["B-1"]["reasons_zh"]
    assert lines["B-2"]["eligible"]


def test_what_if_counts_a_history_grant(wang_had_electrician_3):
    person = wang_had_electrician_3
    same, other = claim_for(person, "electrician-3"), claim_for(person, "electrician-4", month=6)
    report = what_if(where="c.id = %s", params_sql=[same.pk], changes={"annual_cap": 5})
    assert (report.claims, report.total.baseline.claims, report.total.changed.claims) == (1, 0, 0)
    report = what_if(where="c.id = %s", params_sql=[other.pk], changes={"annual_cap": 5})
    assert report.total.baseline.claims == 1


def test_the_enrolment_preview_counts_a_history_grant(wang_had_electrician_3):
    person = wang_had_electrician_3
    before = at(date(2020, 5, 25), 9)
    electrician = Occupation.objects.get(code="6-31-01-03")
    plans = {  # short classes of the electrician's levels 3 and 4 (the factory's class has 15 hours)
        f"electrician-{level}": make_class_plan(
            start=date(2020, 6, 1 if level == 3 else 15),
            catalog_item=make_catalog_item(code=f"short-e{level}", occupation=electrician, level=level),
            code=f"P-e{level}",
        )
        for level in (3, 4)
    }
    same = enrolment_create(
        class_plan=plans["electrician-3"], person=person, actor=None, preview=enrolment_preview, now=before
    )
    assert same.rules_preview["eligible"] is False
    assert NEVER_TWICE_ZH in [c["zh"] for c in same.rules_preview["checks"] if c["status"] == "fail"]
    other = enrolment_create(
        class_plan=plans["electrician-4"], person=person, actor=None, preview=enrolment_preview, now=before
    )
    assert other.rules_preview["eligible"] is True


# ---- on the person's record ----------------------------------------------------------------------


def test_past_subsidies_show_on_the_persons_record(client, wang_had_electrician_3, hr_user):
    person = wang_had_electrician_3
    claim_grant(claim=claim_for(person, "welder-5"), actor=None)
    client.force_login(hr_user)
    page = client.get(reverse("admin:registry_person_change", args=[person.pk])).content.decode()
    assert "既往补贴" in page
    for shown in ("6-31-01-03 电工", "6-18-02-04 焊工", PROVINCE, "达拉特旗人社局", "2000.00", "1200.00", "2018"):
        assert shown in page


# ---- dates outside the parameters ----------------------------------------------------------------


def test_a_claim_ending_before_the_parameters_is_refused_and_not_written(people):
    with pytest.raises(DomainError) as refused:
        claim_for(people["wang"], "electrician-5", year=2019, month=6, end=date(2019, 6, 30))
    assert refused.value.code == "parameter_not_in_force"
    assert "2019-06-30" in refused.value.zh and "2019-06-30" in refused.value.en
    assert "2019-11-28" in refused.value.zh  # the day the parameter takes force
    assert "“" in refused.value.zh  # the parameter's description, quoted
    assert not Claim.objects.exists()


def test_a_claims_file_row_ending_before_the_parameters_is_a_row_error(people, tmp_path):
    path = tmp_path / "claims.csv"
    path.write_text(
        "申请编号,公民身份号码,目录项目,目录年度,培训地区划代码,培训开始日期,培训结束日期\n"
        f"E-1,{people['numbers']['wang']},electrician-5,2019,150602,2019-06-01,2019-06-30\n",
        encoding="utf-8",
    )
    with pytest.raises(InvalidInput) as refused:
        claims_evaluate(actor=None, file=path, out=tmp_path / "out.csv", today=TODAY)
    (problem,) = refused.value.problems
    assert (problem.row, problem.column) == (2, "培训结束日期")
    assert "没有有效的参数" in problem.zh and "2019-06-30" in problem.en
    assert not Claim.objects.exists()


def test_deciding_or_granting_a_claim_dated_before_the_parameters_is_a_clear_error(people):
    # Such a claim can no longer be submitted; one written before that fix is refused, not crashed on.
    it = item("electrician-5", 2019)
    old = Claim.objects.create(
        reference="OLD-1",
        person=people["wang"],
        catalog_item=it,
        training_region="150602",
        start_date=date(2019, 6, 1),
        end_date=date(2019, 6, 30),
        subject="6-31-01-03",
        level=5,
        standard=it.standard,
    )
    for act in (claim_decide, claim_grant):
        with pytest.raises(DomainError) as refused:
            act(claim=old, actor=None)
        assert refused.value.code == "parameter_not_in_force" and "2019-06-30" in refused.value.en
    assert not old.decisions.exists() and not Grant.objects.exists()


def test_previewing_a_class_before_the_parameters_is_a_clear_error(people):
    plan = make_class_plan(start=date(2019, 6, 3), catalog_item=make_catalog_item(year=2019, code="e5-2019"))
    with pytest.raises(DomainError) as refused:
        enrolment_create(
            class_plan=plan, person=people["wang"], actor=None, preview=enrolment_preview, now=at(date(2019, 5, 25), 9)
        )
    assert refused.value.code == "parameter_not_in_force"
    assert not plan.enrolments.exists()


def test_the_public_disclosure_counts_only_this_programmes_grants(people):
    from skillfund.reports.selectors import disclosure
    from tests.programme_helpers import bare_programme

    programme = bare_programme()

    def persons() -> list:
        report = disclosure(
            programme=programme, year=2020, period_start=date(2020, 1, 1), period_end=date(2020, 12, 31)
        )
        return [(r.key, r.persons) for r in report.by_department]

    claim_grant(claim=claim_for(people["li"], "welder-5"), actor=None)
    before = persons()
    assert sum(n for _, n in before) == 1  # the platform's own grant is counted
    record(csv_of(*(electrician_3(people["numbers"][k], end="2020-04-01") for k in ("wang", "li"))))
    assert Grant.objects.filter(year=2020).count() == 3 and persons() == before


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="real row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_an_import_racing_approvals_leaves_one_grant_per_occupation_and_level_and_a_true_tally():
    occupations_load(path=policy_data.data_path("catalog", "occupations.yaml"))
    catalog_load(path=policy_data.data_path("catalog", "ordos-2020.yaml"))
    number = make_id(birth=date(1988, 8, 8), seq=88)
    person = make_person(id_number=number)
    claims = [claim_for(person, code, month=m) for code, m in (("electrician-3", 5), ("welder-5", 6))]
    data = csv_of(electrician_3(number, end="2020-02-01"), electrician_3(number, occupation="4-03-02-01", level="5"))
    barrier = threading.Barrier(1 + len(claims))
    outcomes: list[object] = []

    def run(work) -> None:
        try:
            barrier.wait()
            outcomes.append(work())
        except Exception as exc:  # a refusal is an outcome; anything else fails the test below
            outcomes.append(exc)
        finally:
            connections.close_all()

    works = [lambda: record(data)] + [lambda c=c: claim_grant(claim=c, actor=None).eligible for c in claims]
    threads = [threading.Thread(target=run, args=(w,)) for w in works]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [o for o in outcomes if isinstance(o, Exception) and not isinstance(o, InvalidInput)] == []
    assert Grant.objects.filter(person=person, subject="6-31-01-03", level_key=3).count() == 1
    in_2020 = Grant.objects.filter(person=person, year=2020).count()
    assert QuotaTally.objects.get(person=person, year=2020).used == in_2020
