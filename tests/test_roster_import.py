"""Roster import (§4.4.d): every row is checked first; a bad file writes nothing; re-import is a no-op."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook, load_workbook
from stdnum.cn import ric

from skillfund.core.errors import InvalidInput
from skillfund.core.models import AuditRecord
from skillfund.registry import idnumbers, importing
from skillfund.registry.importing import COLUMNS, STATUS_NAMES_ZH, read_roster, roster_import
from skillfund.registry.models import (
    DeclaredCategory,
    Person,
    PersonChangeRequest,
    PersonStatus,
    RosterEntry,
    RosterImport,
    StatusKind,
)
from skillfund.registry.roster_template import template_bytes
from tests.factories import DepartmentFactory, make_person
from tests.idgen import make_id

HEADER = [c.zh for c in COLUMNS]
ID_A = make_id("150602", date(1990, 1, 1), 123)
ID_B = make_id("150621", date(1985, 6, 15), 131)
ID_C = make_id("150627", date(2001, 2, 28), 240)


def row(**values) -> dict:
    base = {
        "姓名": "张三",
        "公民身份号码": ID_A,
        "手机号码": "13800000001",
        "户籍地区划代码": "150602",
        "户籍性质": "农业",
        "常住地区划代码": "150602",
        "是否领取养老金": "否",
    }
    return base | values


def xlsx(rows: list[dict], header: list[str] = HEADER, title: str | None = None) -> bytes:
    wb = Workbook()
    sheet = wb.active
    if title:
        sheet.append([title])
    sheet.append(header)
    for r in rows:
        sheet.append([r.get(h) for h in header])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def csv_bytes(rows: list[dict], header: list[str] = HEADER, encoding: str = "utf-8-sig") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for r in rows:
        writer.writerow([r.get(h, "") for h in header])
    return out.getvalue().encode(encoding)


def counts() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (Person, PersonStatus, RosterEntry, RosterImport, AuditRecord))


def import_(data: bytes, name: str = "roster.xlsx", **kwargs) -> RosterImport:
    return roster_import(actor=kwargs.pop("actor", None), file=data, file_name=name, **kwargs)


def refused(data: bytes, name: str = "roster.xlsx") -> list:
    """Import a bad file; return its problems, having checked that nothing was written."""
    before = counts()
    with pytest.raises(InvalidInput) as exc:
        import_(data, name)
    assert counts() == before
    assert exc.value.problems
    return exc.value.problems


def where(problems) -> set[tuple[int | None, str]]:
    return {(p.row, p.column) for p in problems}


SAMPLE = [
    row(人员类别="建档立卡贫困劳动力", 类别起始日期="2020-01-01", 类别截止日期="2020-12-31", 认定文件="扶贫名单2020"),
    row(人员类别="两后生", 类别起始日期=date(2019, 7, 1)),
    row(姓名="李四", 公民身份号码=ID_B, 手机号码="", 户籍性质="城镇", 是否领取养老金="是"),
    row(姓名="王五", 公民身份号码=ID_C, 手机号码="0477-8581234", 人员类别="veteran", 类别起始日期="2018年3月5日"),
]


# --- happy paths ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_xlsx_roster_creates_persons_declared_categories_roster_entries_and_one_audit_record(hr_user, institution):
    audits = AuditRecord.objects.count()
    result = import_(xlsx(SAMPLE), actor=hr_user, organization=institution)

    assert (result.rows, result.persons_created, result.change_requests, result.statuses_created) == (4, 3, 0, 0)
    assert Person.objects.count() == 3
    zhang = Person.objects.get(id_index=idnumbers.blind_index(ID_A))
    assert (zhang.name, zhang.phone, zhang.hukou_rural, zhang.receives_pension) == ("张三", "13800000001", True, False)
    assert idnumbers.decrypt(zhang.id_cipher) == ID_A
    assert zhang.birth_date == date(1990, 1, 1)
    # An institution's roster declares the categories; only an asserting unit makes them statuses.
    assert sorted(zhang.declared_categories.values_list("kind", "valid_from", "valid_to", "declared_by")) == [
        (StatusKind.POOR_LABOURER, date(2020, 1, 1), date(2020, 12, 31), institution.pk),
        (StatusKind.SCHOOL_LEAVER, date(2019, 7, 1), None, institution.pk),
    ]
    assert not PersonStatus.objects.exists()
    li = Person.objects.get(id_index=idnumbers.blind_index(ID_B))
    assert (li.phone, li.hukou_rural, li.receives_pension, li.declared_categories.count()) == ("", False, True, 0)
    wang = Person.objects.get(id_index=idnumbers.blind_index(ID_C))
    assert wang.declared_categories.get().valid_from == date(2018, 3, 5)
    assert zhang.owner == institution
    assert RosterEntry.objects.filter(organization=institution).count() == 3
    rec = AuditRecord.objects.get(action="roster.import")
    assert AuditRecord.objects.count() == audits + 1
    assert rec.actor == hr_user and rec.target_id == str(result.pk)
    assert rec.after["sha256"] == result.sha256 and rec.after["persons_created"] == 3
    assert ID_A not in str(rec.after)  # the audit log holds no ID numbers


@pytest.mark.django_db
def test_gb18030_csv_with_english_headers_is_read():
    header = ["name", "id_number", "phone", "hukou_region", "residence_region", "status", "status_from"]
    data = csv_bytes(
        [
            {
                "name": "赵六",
                "id_number": ID_A,
                "hukou_region": "150602",
                "residence_region": "150603",
                "status": "残疾人",
                "status_from": "2021/03/04",
            }
        ],
        header=header,
        encoding="gb18030",
    )
    result = import_(data, "名册.csv", organization=DepartmentFactory(unit_code="disabled-federation"))
    assert (result.persons_created, result.statuses_created) == (1, 1)
    person = Person.objects.get()
    assert (person.name, person.residence_region) == ("赵六", "150603")
    assert person.statuses.get().kind == StatusKind.DISABLED


@pytest.mark.django_db
def test_reimporting_the_same_file_changes_nothing(institution):
    data = xlsx(SAMPLE)
    import_(data, organization=institution)
    snapshot = list(Person.objects.values_list("pk", "name", "phone", "updated_at"))
    declared = list(DeclaredCategory.objects.values_list("pk", flat=True))
    again = import_(data, organization=institution)
    assert (again.persons_created, again.change_requests, again.statuses_created) == (0, 0, 0)
    assert list(Person.objects.values_list("pk", "name", "phone", "updated_at")) == snapshot
    assert list(DeclaredCategory.objects.values_list("pk", flat=True)) == declared
    assert RosterEntry.objects.count() == 3


@pytest.mark.django_db
def test_a_changed_phone_asks_for_a_change_and_overwrites_nothing(hr_user, institution):
    import_(xlsx(SAMPLE), organization=institution)
    changed = [dict(r) for r in SAMPLE]
    for r in changed:
        if r["公民身份号码"] == ID_A:
            r["手机号码"] = "13999999999"
    before = {p.pk: (p.phone, p.updated_at) for p in Person.objects.all()}
    result = import_(xlsx(changed), actor=hr_user, organization=institution)
    assert (result.persons_created, result.change_requests, result.statuses_created) == (0, 1, 0)
    assert {p.pk: (p.phone, p.updated_at) for p in Person.objects.all()} == before
    zhang = Person.objects.get(id_index=idnumbers.blind_index(ID_A))
    request = PersonChangeRequest.objects.get()
    assert (request.person, request.changes) == (zhang, {"phone": {"old": "13800000001", "new": "13999999999"}})
    rec = AuditRecord.objects.filter(action="roster.import").order_by("-id").first()
    assert rec.after["change_requests"] == [zhang.pk] and "13999999999" not in str(rec.after)


@pytest.mark.django_db
def test_an_empty_cell_does_not_clear_what_the_registry_holds():
    person = make_person(id_number=ID_A, name="张三", phone="13700000000", job_region="150603", hukou_rural=True)
    result = import_(xlsx([row(手机号码="", 户籍性质="", 是否领取养老金="")]))
    assert result.change_requests == 0
    person.refresh_from_db()
    assert (person.phone, person.job_region, person.hukou_rural) == ("13700000000", "150603", True)


@pytest.mark.django_db
def test_an_existing_status_is_not_created_twice():
    hrss = DepartmentFactory(unit_code="hrss")
    person = make_person(id_number=ID_A)
    PersonStatus.objects.create(person=person, kind=StatusKind.UNEMPLOYED, valid_from=date(2019, 1, 1))
    result = import_(
        xlsx(
            [
                row(人员类别="失业人员", 类别起始日期="2019-01-01"),
                row(人员类别="就业困难人员", 类别起始日期="2019-01-01"),
            ]
        ),
        organization=hrss,
    )
    assert result.statuses_created == 1
    assert sorted(person.statuses.values_list("kind", flat=True)) == [StatusKind.HARD_TO_EMPLOY, StatusKind.UNEMPLOYED]
    assert person.statuses.get(kind=StatusKind.HARD_TO_EMPLOY).source_org == hrss


@pytest.mark.django_db
def test_row_numbers_are_spreadsheet_rows_even_below_a_title():
    data = xlsx([row(), row(姓名="李四", 公民身份号码=_bad_check(ID_B))], title="某某培训学校学员花名册")
    problems = refused(data)
    assert where(problems) == {(4, "公民身份号码")}


# --- bad values: the row and column are named, and nothing is written ---------------------------


def _bad_check(number: str) -> str:
    return number[:17] + ("0" if number[17] != "0" else "1")


def _with_check(body17: str) -> str:
    return body17 + ric.calc_check_digit(body17 + "0")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("values", "column", "reason"),
    [
        ({"公民身份号码": _bad_check(ID_B)}, "公民身份号码", "check character"),
        ({"公民身份号码": _with_check("15060219900230123")}, "公民身份号码", "not a real birth date"),
        ({"公民身份号码": _with_check("15060220990101123")}, "公民身份号码", "impossible"),
        ({"公民身份号码": _with_check("99060219900101123")}, "公民身份号码", "no province"),
        ({"公民身份号码": float(ID_B[:17] + "0")}, "公民身份号码", "stored as a number"),
        ({"户籍地区划代码": "990602"}, "户籍地区划代码", "no province"),
        ({"常住地区划代码": "15060"}, "常住地区划代码", "6 digits"),
        ({"手机号码": "1380000"}, "手机号码", "phone"),
        ({"户籍性质": "外籍"}, "户籍性质", "rural or urban"),
        ({"是否领取养老金": "也许"}, "是否领取养老金", "否 (no)"),
        ({"人员类别": "贫困户", "类别起始日期": "2020-01-01"}, "人员类别", "unknown status"),
        ({"人员类别": "两后生", "类别起始日期": "2020-13-01"}, "类别起始日期", "no such date"),
        ({"人员类别": "两后生", "类别起始日期": "01/02/2020"}, "类别起始日期", "YYYY-MM-DD"),
        ({"类别起始日期": "2020-01-01"}, "人员类别", "without a status"),
        ({"人员类别": "两后生", "类别起始日期": "2020-05-01", "类别截止日期": "2020-04-30"}, "类别截止日期", "before"),
        ({"姓名": ""}, "姓名", "required"),
        ({"姓名": "示例张三"}, "姓名", "example row"),
    ],
)
def test_a_bad_value_is_named_by_row_and_column_and_nothing_is_written(values, column, reason, institution):
    good = row(姓名="李四", 公民身份号码=ID_C)
    problems = refused(xlsx([good, row(**{"公民身份号码": ID_B, "手机号码": "13800000002"} | values)]))
    assert [(p.row, p.column) for p in problems] == [(3, column)]
    assert reason in problems[0].en
    assert problems[0].zh


@pytest.mark.django_db
def test_every_bad_row_is_reported_not_just_the_first():
    rows = [
        row(),
        row(公民身份号码=_bad_check(ID_B)),
        row(公民身份号码=ID_C, 户籍地区划代码="abc"),
        row(公民身份号码=""),
    ]
    problems = refused(xlsx(rows))
    assert where(problems) == {(3, "公民身份号码"), (4, "户籍地区划代码"), (5, "公民身份号码")}


@pytest.mark.django_db
def test_a_duplicate_id_in_one_file_names_both_rows():
    problems = refused(csv_bytes([row(), row(姓名="李四", 公民身份号码=ID_B), row()]), "roster.csv")
    assert [(p.row, p.column) for p in problems] == [(4, "公民身份号码")]
    assert "rows 2 and 4" in problems[0].en and "第2行和第4行" in problems[0].zh


@pytest.mark.django_db
def test_the_same_status_twice_for_one_person_names_both_rows():
    same = row(人员类别="两后生", 类别起始日期="2020-01-01")
    problems = refused(xlsx([same, row(人员类别="残疾人", 类别起始日期="2020-01-01"), same]))
    assert [(p.row, p.column) for p in problems] == [(4, "公民身份号码")]
    assert "rows 2 and 4" in problems[0].en


@pytest.mark.django_db
def test_conflicting_person_columns_for_one_id_name_both_rows():
    rows = [
        row(人员类别="两后生", 类别起始日期="2020-01-01"),
        row(姓名="张叁", 人员类别="残疾人", 类别起始日期="2020-01-01"),
    ]
    problems = refused(xlsx(rows))
    # Two names under one ID number: a repeated ID, named under the ID column with both rows.
    assert [(p.row, p.column) for p in problems] == [(3, "公民身份号码")]
    assert "rows 2 and 3" in problems[0].en and "张三" in problems[0].zh and "张叁" in problems[0].zh


@pytest.mark.django_db
def test_missing_columns_are_listed_in_one_error():
    header = ["姓名", "手机号码", "常住地区划代码"]
    problems = refused(xlsx([{"姓名": "张三", "手机号码": "13800000000", "常住地区划代码": "150602"}], header))
    assert len(problems) == 1
    assert problems[0].row == 1
    assert "公民身份号码" in problems[0].zh and "户籍地区划代码" in problems[0].zh
    assert "missing required columns" in problems[0].en


@pytest.mark.django_db
def test_a_non_excel_file_named_xlsx_is_refused():
    problems = refused(csv_bytes([row()]), "roster.xlsx")
    assert "not an Excel workbook" in problems[0].en


@pytest.mark.django_db
def test_a_damaged_xlsx_is_refused():
    problems = refused(xlsx([row()])[:300], "roster.xlsx")
    assert "cannot read the Excel workbook" in problems[0].en


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "name", "reason"),
    [
        (b"", "roster.xlsx", "the file is empty"),
        (b"", "roster.csv", "the file is empty"),
        (b"\xef\xbb\xbf\r\n", "roster.csv", "the file is empty"),
        (xlsx([], header=[]), "roster.xlsx", "the file is empty"),
        (csv_bytes([]), "roster.csv", "no data rows"),
        (xlsx([]), "roster.xlsx", "no data rows"),
    ],
)
def test_an_empty_file_is_refused(data, name, reason):
    problems = refused(data, name)
    assert reason in problems[0].en


@pytest.mark.django_db(transaction=True)
def test_a_failure_while_writing_leaves_nothing_behind(monkeypatch, institution):
    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(importing.audit, "record", broken)  # fails after every bulk insert
    before = counts()
    with pytest.raises(RuntimeError):
        import_(xlsx(SAMPLE), organization=institution)
    assert counts() == before


@pytest.mark.django_db
def test_unknown_county_is_a_warning_and_does_not_block():
    number = make_id("150699", date(1990, 1, 1), 5)
    result = import_(xlsx([row(公民身份号码=number)]))
    assert result.persons_created == 1
    assert [(w.row, w.column, w.warning) for w in result.warnings] == [(2, "公民身份号码", True)]


# --- the template and the commands ----------------------------------------------------------------


def test_every_status_kind_has_a_chinese_name():
    assert set(STATUS_NAMES_ZH) == set(StatusKind)


@pytest.mark.django_db
def test_the_template_has_the_headers_an_instructions_sheet_and_imports_once_the_example_is_edited():
    data = template_bytes()
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["人员名册", "填写说明"]
    sheet = wb["人员名册"]
    assert [c.value for c in sheet[1]] == HEADER
    listed = {r[0] for r in wb["填写说明"].iter_rows(values_only=True)}
    assert {names[0] for names in STATUS_NAMES_ZH.values()} <= listed

    assert "example row" in refused(data)[0].en  # sent back unedited, it writes nothing
    sheet["A2"] = "张三"
    edited = io.BytesIO()
    wb.save(edited)
    result = import_(edited.getvalue(), organization=DepartmentFactory(unit_code="poverty-office"))
    assert (result.persons_created, result.statuses_created) == (1, 1)


@pytest.mark.django_db
def test_import_roster_command_prints_the_errors_and_fails(tmp_path, capsys):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(xlsx([row(), row(公民身份号码=_bad_check(ID_B))]))
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_roster", str(path))
    err = capsys.readouterr().err
    assert "3 | 公民身份号码" in err and "check character" in err
    assert Person.objects.count() == 0


@pytest.mark.django_db
def test_import_roster_command_imports_for_an_organization(tmp_path, capsys, institution):
    path = tmp_path / "ok.csv"
    path.write_bytes(csv_bytes(SAMPLE))
    call_command("import_roster", str(path), organization=institution.credit_code)
    assert "persons created 3" in capsys.readouterr().out
    assert RosterEntry.objects.filter(organization=institution).count() == 3
    assert DeclaredCategory.objects.filter(declared_by=institution).count() == 3


def test_roster_template_command_writes_the_template(tmp_path):
    out = tmp_path / "template.xlsx"
    call_command("roster_template", str(out))
    assert load_workbook(out).sheetnames == ["人员名册", "填写说明"]


@pytest.mark.django_db
def test_read_roster_alone_writes_nothing_and_reports_dates_from_excel_cells():
    before = counts()
    excel_cell = datetime(2020, 1, 2, 0, 0)  # noqa: DTZ001 (Excel date cells are naive)
    roster = read_roster(xlsx([row(人员类别="两后生", 类别起始日期=excel_cell)]), file_name="x.xlsx")
    assert not roster.problems
    assert roster.statuses[0].valid_from == date(2020, 1, 2)
    assert counts() == before
