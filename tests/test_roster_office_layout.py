"""Rosters as offices send them (issue #9, §4.4.d 实名制信息管理): title rows, a 填报单位/填报日期 row,
the header on row 3, place names, office wording of 人员类别 (§3.3.d–§3.3.i), merged cells and footer
lines — imported all or nothing through the one code path of the command and the page."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from openpyxl import load_workbook

from skillfund.core.errors import InvalidInput
from skillfund.registry import idnumbers
from skillfund.registry.importing import read_roster, roster_import
from skillfund.registry.models import DeclaredCategory, Person, RosterEntry, RosterImport, StatusKind
from tests.office_roster import ID_1, ID_2, ID_3, ID_5, ID_6, OLD_15, PERSONS, office_roster


def import_(data: bytes, org, name: str = "花名册.xlsx") -> RosterImport:
    return roster_import(actor=None, file=data, file_name=name, organization=org)


def problems_of(data: bytes) -> list:
    roster = read_roster(data, file_name="花名册.xlsx")
    assert roster.problems, "the file should be refused"
    return roster.problems


def person(number: str) -> Person:
    return Person.objects.get(id_index=idnumbers.blind_index(number))


def with_person(i: int, **cells) -> list[list]:
    """PERSONS with person i's cells replaced (by office header)."""
    columns = ["姓名", "性别", "民族", "身份证号码", "文化程度", "人员类别", "户籍所在地", "联系电话", "备注"]
    rows = [list(p) for p in PERSONS]
    for header, value in cells.items():
        rows[i][columns.index(header)] = value
    return rows


@pytest.mark.django_db
def test_an_office_roster_imports_with_place_names_office_wording_merges_and_footers(institution):
    result = import_(office_roster(), institution)

    assert result.rows == 6 and result.persons_created == 6
    upgraded = idnumbers.upgrade_15(OLD_15)
    places = {n: (person(n).hukou_region, person(n).residence_region) for n in (ID_1, ID_2, ID_3, upgraded, ID_5, ID_6)}
    # Place names at any depth → GB/T 2260 codes; 常住地 absent → the 户籍所在地.
    assert places == {
        ID_1: ("150602", "150602"),
        ID_2: ("150621", "150621"),
        ID_3: ("150602", "150602"),
        upgraded: ("420102", "420102"),
        ID_5: ("150627", "150627"),
        ID_6: ("150627", "150627"),  # the merged 户籍所在地, filled down
    }
    declared = {
        (person(n).pk, kind)
        for n, kind in [
            (ID_1, StatusKind.UNEMPLOYED),  # 城镇登记失业人员
            (ID_2, StatusKind.RURAL_TRANSFER),  # 农村牧区转移劳动力
            (ID_3, StatusKind.EMPLOYEE_UNINSURED),  # 企业职工: insurance not stated
            (ID_3, StatusKind.DISABLED),  # two categories in one cell
            (upgraded, StatusKind.RURAL_TRANSFER),  # 农牧民
            (ID_5, StatusKind.VETERAN),  # 退役士兵
            (ID_6, StatusKind.VETERAN),  # the merged 人员类别, filled down
        ]
    }
    assert set(DeclaredCategory.objects.values_list("person_id", "kind")) == declared
    # 类别起始日期 absent → the sheet's 填报日期.
    assert set(DeclaredCategory.objects.values_list("valid_from", flat=True)) == {date(2019, 12, 5)}
    assert RosterEntry.objects.filter(organization=institution).count() == 6

    report = result.report
    assert report.header_row == 3
    assert [(s.row, s.en) for s in report.skipped] == [
        (1, "title row"),
        (2, "reporting unit / date row"),
        (10, "footer line"),
        (11, "footer line"),
        (12, "footer line"),
        (13, "footer line"),
        (14, "footer line"),
    ]
    assert [(f.column, f.first_row, f.last_row) for f in report.filled] == [("人员类别", 8, 9), ("户籍所在地", 8, 9)]
    assert report.not_imported == ["序号", "性别", "民族", "文化程度", "备注"]
    defaults = " ".join(en for _, en in report.defaults)
    assert "7 status(es) without 类别起始日期 start on the sheet's 填报日期 2019-12-05 (row 2)" in defaults
    assert "6 person(s) without 常住地" in defaults
    # The old 15-digit number: converted (GB 11643), with a warning naming its row, the number masked.
    assert [(w.row, w.value) for w in result.warnings if "15-digit" in w.en] == [(7, idnumbers.mask(upgraded))]


@pytest.mark.django_db
def test_importing_the_office_roster_again_changes_nothing(institution):
    import_(office_roster(), institution)
    held = (Person.objects.count(), DeclaredCategory.objects.count(), RosterEntry.objects.count())
    again = import_(office_roster(), institution)
    assert again.persons_created == 0 and again.change_requests == 0
    assert (Person.objects.count(), DeclaredCategory.objects.count(), RosterEntry.objects.count()) == held


@pytest.mark.django_db
@pytest.mark.parametrize("written", ["2019年12月5日", "2019-12-05", "2019/12/5", "2019.12.05"])
def test_the_report_date_is_read_in_the_formats_offices_write(written, institution):
    import_(office_roster(report_date=written), institution)
    assert set(DeclaredCategory.objects.values_list("valid_from", flat=True)) == {date(2019, 12, 5)}


@pytest.mark.django_db
def test_without_a_report_date_a_status_starts_on_the_import_date(institution):
    result = import_(office_roster(report_date=None), institution)
    today = timezone.localdate()
    assert set(DeclaredCategory.objects.values_list("valid_from", flat=True)) == {today}
    assert any(f"the import date {today}" in en for _, en in result.report.defaults)


@pytest.mark.django_db
def test_a_sex_that_differs_from_the_id_number_is_a_warning(institution):
    result = import_(office_roster(with_person(0, 性别="女")), institution)
    assert [(w.row, w.column, w.value) for w in result.warnings if w.column == "性别"] == [(4, "性别", "女")]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("cells", "column", "value", "zh", "en"),
    [
        ({"户籍所在地": "火星市"}, "户籍所在地", "火星市", "没有这个地名", "no such place"),
        (
            {"户籍所在地": "朝阳区"},
            "户籍所在地",
            "朝阳区",
            "北京市朝阳区（110105）、吉林省长春市朝阳区（220104）",
            "110105, 220104",
        ),
        ({"户籍所在地": "湖北省"}, "户籍所在地", "湖北省", "只写到省级", "only a province"),
        ({"户籍所在地": None}, "户籍所在地", "", "必填", "required"),
        (
            {"人员类别": "贫困人员"},
            "人员类别",
            "贫困人员",
            "可填写：建档立卡贫困劳动力",
            "accepted: 建档立卡贫困劳动力",
        ),
        ({"人员类别": "残疾人、待业青年"}, "人员类别", "残疾人、待业青年", "“待业青年”无法识别", "'待业青年'"),
        ({"身份证号码": None}, "身份证号码", "", "必填", "required"),  # a person without an ID: not a footer
        ({"身份证号码": "42010272031512"}, "身份证号码", "42010272031512", "18位", "18 characters"),
    ],
)
def test_a_bad_cell_of_an_office_roster_is_refused_with_row_column_value_and_reason(
    cells, column, value, zh, en, institution
):
    problems = problems_of(office_roster(with_person(1, **cells)))
    assert [(p.row, p.column, p.value) for p in problems] == [(5, column, value)]
    assert zh in problems[0].zh and en in problems[0].en
    with pytest.raises(InvalidInput):
        import_(office_roster(with_person(1, **cells)), institution)
    assert Person.objects.count() == 0 and RosterImport.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("none", ["无", "其他", "—"])
def test_a_category_cell_saying_none_is_no_status(none, institution):
    roster = read_roster(office_roster(with_person(1, 人员类别=none)), file_name="花名册.xlsx")
    assert roster.problems == []
    assert 5 not in {s.row for s in roster.statuses} and len(roster.persons) == 6


@pytest.mark.django_db
def test_a_repeated_id_number_names_both_rows_under_the_id_column():
    problems = problems_of(office_roster(with_person(4, 身份证号码=ID_2, 姓名="李肆")))
    assert [(p.row, p.column) for p in problems] == [(8, "身份证号码")]
    assert "第5行和第8行" in problems[0].zh and "rows 5 and 8" in problems[0].en
    assert problems[0].value == idnumbers.mask(ID_2)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("merge", "row", "column"),
    [
        ("B4:B5", 4, "姓名"),  # two persons' names merged
        ("E6:E7", 6, "身份证号码"),
        ("H4:I4", 4, "户籍所在地"),  # a horizontal merge inside the data
        ("B3:B4", 3, "姓名"),  # a header merged into the data
    ],
)
def test_a_merge_that_is_not_a_layout_convention_is_refused_with_a_hint(merge, row, column):
    problems = problems_of(office_roster(merges=(merge,)))
    assert [(p.row, p.column) for p in problems] == [(row, column)]
    assert "取消合并单元格" in problems[0].zh and "unmerge" in problems[0].en and merge in problems[0].zh


@pytest.mark.django_db
def test_the_header_on_a_later_row_is_found_and_a_roster_without_footer_imports(institution):
    result = import_(office_roster(footer=False), institution)
    assert result.rows == 6 and [s.row for s in result.report.skipped] == [1, 2]


@pytest.mark.django_db
def test_the_command_imports_an_office_roster_and_prints_the_report(institution, tmp_path, capsys):
    path = tmp_path / "花名册.xlsx"
    path.write_bytes(office_roster())
    call_command("import_roster", str(path), "--organization", institution.credit_code)
    out = capsys.readouterr()
    assert "6 行 rows" in out.out
    assert "row 1 title row" in out.out and "row 10 footer line" in out.out
    assert "columns not imported: 序号、性别、民族、文化程度、备注" in out.out


@pytest.mark.django_db
def test_the_command_without_an_acting_unit_imports_for_the_programmes_hr_bureau(tmp_path, capsys, settings):
    """An office roster given to the command alone is imported in the name of the programme's HR
    bureau (the programme file's hr_bureau), said in the output: the kinds it asserts become
    statuses, the others declarations awaiting their department — the file is not refused."""
    from pathlib import Path

    from skillfund.programme.loading import programme_load
    from skillfund.registry.models import PersonStatus

    programme_load(path=Path(settings.BASE_DIR) / "policy_data" / "programmes" / "ordos-2019-2021.yaml")
    path = tmp_path / "花名册.xlsx"
    path.write_bytes(office_roster())
    call_command("import_roster", str(path))
    out = capsys.readouterr().out
    assert "acting for 鄂尔多斯市人力资源和社会保障局 (no --organization)" in out
    asserted = set(PersonStatus.objects.values_list("source_org__unit_code", flat=True))
    assert asserted == {"hrss"} and DeclaredCategory.objects.exists()
    assert "6 行 rows" in out


@pytest.mark.django_db
def test_the_command_refuses_a_bad_office_roster_and_writes_nothing(institution, tmp_path, capsys):
    path = tmp_path / "花名册.xlsx"
    path.write_bytes(office_roster(with_person(1, 户籍所在地="朝阳区")))
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_roster", str(path), "--organization", institution.credit_code)
    assert "5 | 户籍所在地 | 朝阳区" in capsys.readouterr().err
    assert Person.objects.count() == 0


@pytest.mark.django_db
def test_the_example_file_in_docs_is_the_office_layout_and_imports(institution, settings):
    from pathlib import Path

    example = Path(settings.BASE_DIR) / "docs" / "examples" / "roster-office-layout.xlsx"
    sheet = load_workbook(io.BytesIO(example.read_bytes())).active
    assert [c.value for c in sheet[3]][:10] == [
        "序号",
        "姓名",
        "性别",
        "民族",
        "身份证号码",
        "文化程度",
        "人员类别",
        "户籍所在地",
        "联系电话",
        "备注",
    ]
    assert import_(example.read_bytes(), institution).rows >= 6


@pytest.mark.django_db
def test_the_page_imports_an_office_roster_and_shows_the_report(client, institution):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from skillfund.accounts.models import Role
    from tests.factories import UserFactory

    client.force_login(UserFactory(role=Role.INSTITUTION_OPERATOR, organization=institution))
    upload = SimpleUploadedFile("花名册.xlsx", office_roster())
    page = client.post(reverse("web:roster_import"), {"file": upload}).content.decode()
    assert Person.objects.count() == 6
    for shown in ("标题行", "表尾行", "合计", "已向下填充", "序号、性别、民族、文化程度、备注", "按填报日期2019-12-05"):
        assert shown in page
    assert "15-digit ID number converted" in page and OLD_15 not in page


@pytest.mark.django_db
def test_the_page_refuses_an_ambiguous_place_with_row_and_candidates(client, institution):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from skillfund.accounts.models import Role
    from tests.factories import UserFactory

    client.force_login(UserFactory(role=Role.INSTITUTION_OPERATOR, organization=institution))
    upload = SimpleUploadedFile("花名册.xlsx", office_roster(with_person(1, 户籍所在地="朝阳区")))
    page = client.post(reverse("web:roster_import"), {"file": upload}).content.decode()
    assert "<td>5</td><td>户籍所在地</td><td>朝阳区</td>" in page and "北京市朝阳区（110105）" in page
    assert Person.objects.count() == 0


@pytest.mark.django_db
def test_a_merge_over_columns_that_are_not_imported_is_accepted(institution):
    # 备注 merged down over three persons, and 序号 merged with nothing read: no data is lost.
    result = import_(office_roster(merges=("G8:G9", "H8:H9", "J4:J6")), institution)
    assert result.rows == 6 and [f.first_row for f in result.report.filled] == [8, 8]
