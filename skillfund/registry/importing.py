"""Roster import (§4.4.d 实名制信息管理): persons and their statuses from an office's .xlsx or .csv.

One row per person-status, with Chinese headers (English aliases accepted): a person without a
status has one row with empty status columns; a person with two statuses has two rows with the same
person columns. The whole file is read and every row validated before anything is written: if any
value is bad, `roster_import` raises `InvalidInput` naming row, column, value and reason in Chinese
and English, and the database is untouched. Otherwise one transaction writes everything in bulk and
leaves one `RosterImport` row and one audit record. Importing the same file again changes nothing.

An empty optional cell means "not stated": it never clears what the registry already holds.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Model
from django.utils import timezone

from skillfund.core import audit, tabular
from skillfund.core.errors import DomainError, FieldProblem, InvalidInput
from skillfund.core.tabular import Column
from skillfund.organizations.models import Organization
from skillfund.regions import cells as region_cells
from skillfund.regions.codes import is_listed
from skillfund.registry import assertion, cells, idnumbers
from skillfund.registry.actions import PERSON_FIELDS, PersonData, acting_unit, new_person_fields
from skillfund.registry.models import (
    DeclaredCategory,
    Person,
    PersonChangeRequest,
    PersonStatus,
    RosterEntry,
    RosterImport,
    StatusKind,
)

# The names offices write for each status (人员类别), canonical first: policy_data/registry/category_synonyms.yaml.
STATUS_NAMES_ZH: dict[str, tuple[str, ...]] = cells.status_names()
RURAL_VALUES = {"农业": True, "农业户口": True, "农村": True, "农村户口": True, "rural": True, "agricultural": True}
RURAL_VALUES |= {"非农业": False, "非农业户口": False, "城镇": False, "城镇户口": False, "urban": False}
EXAMPLE_PREFIX = "示例"  # the template's example row starts with this; importing it is refused
ROSTER_SHEET = "人员名册"  # the template's sheet; a workbook without it is read from its first sheet


COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", "name", True, "与身份证一致", "as on the ID card"),
    Column(
        "id_number",
        "公民身份号码",
        "id_number",
        True,
        "18位，末位可为X；请设为文本格式",
        "18 characters, last may be X; format the column as text",
        ("身份证号码", "身份证号", "证件号码", "idnumber"),
    ),
    Column(
        "phone",
        "手机号码",
        "phone",
        False,
        "11位手机号或区号-固话",
        "mobile or area code-landline",
        ("联系电话", "手机号"),
    ),
    Column(
        "hukou_region",
        "户籍地区划代码",
        "hukou_region",
        True,
        "地名（如 内蒙古自治区鄂尔多斯市达拉特旗、鄂尔多斯市东胜区）或6位区划代码（GB/T 2260）",
        "a place name (province, prefecture, county) or the 6-digit region code (GB/T 2260)",
        ("户籍地代码", "户籍所在地区划代码", "户籍所在地", "户籍地", "户籍地址", "户口所在地"),
    ),
    Column("hukou_rural", "户籍性质", "hukou_type", False, "农业/非农业 或 农村/城镇", "rural or urban", ("户口性质",)),
    Column(
        "residence_region",
        "常住地区划代码",
        "residence_region",
        False,
        "地名或6位区划代码；不填则新登记人员按户籍所在地",
        "a place name or code; if empty, a new person's is their 户籍所在地",
        ("常住地代码", "常住地", "常住地址", "现居住地", "居住地"),
    ),
    Column(
        "job_region",
        "求职就业地区划代码",
        "job_region",
        False,
        "地名或6位区划代码",
        "a place name or 6-digit region code",
        ("就业地区划代码", "求职就业地代码", "求职就业地", "就业地"),
    ),
    Column(
        "receives_pension",
        "是否领取养老金",
        "receives_pension",
        False,
        "是/否（按月领取基本养老金）",
        "yes/no (monthly pension, §3.3.c)",
        ("领取养老金",),
    ),
    Column(
        "kind",
        "人员类别",
        "status",
        False,
        "见“人员类别”表，可填多个（用、分隔）；无类别则留空",
        "see the status list; several separated by 、; empty if none",
        ("人员身份", "status_kind", "kind"),
    ),
    Column(
        "valid_from",
        "类别起始日期",
        "status_from",
        False,
        "YYYY-MM-DD；不填则为表头的填报日期，没有填报日期则为导入日期",
        "YYYY-MM-DD; if empty, the sheet's 填报日期, else the import date",
        ("起始日期", "valid_from"),
    ),
    Column(
        "valid_to", "类别截止日期", "status_to", False, "空表示长期有效", "empty = open-ended", ("截止日期", "valid_to")
    ),
    Column(
        "source_document",
        "认定文件",
        "source_document",
        False,
        "认定文件或名单名称",
        "source document or list",
        ("认定文号", "认定依据"),
    ),
)
# A file may not say who asserted a status: the asserting unit is the one importing (the signed-in
# user's organization, or the command's --organization). These headers are recognised only to be
# refused, so a forged "asserted by the poverty office" column cannot pass as an ignored one.
REFUSED_COLUMNS: tuple[Column, ...] = (
    Column(
        "source_credit_code",
        "认定单位统一社会信用代码",
        "source_credit_code",
        False,
        "认定该类别的单位（18位）",
        "credit code of the unit that asserted the status",
    ),
    Column(
        "source_unit_code",
        "认定单位代码",
        "source_unit_code",
        False,
        "政府部门无信用代码时填写单位代码",
        "unit code, for government units without a credit code",
    ),
)
# Columns offices keep that the platform does not store: recognised, named in the report, not read
# (性别 is only checked against the ID number).
NOT_IMPORTED: tuple[Column, ...] = (
    Column("seq", "序号", "no", False, "", "", ("编号",)),
    Column("sex", "性别", "sex", False, "", ""),
    Column("ethnicity", "民族", "ethnicity", False, "", ""),
    Column("education", "文化程度", "education", False, "", "", ("学历",)),
    Column("birth", "出生日期", "birth_date", False, "", "", ("出生年月",)),
    Column("age", "年龄", "age", False, "", ""),
    Column("note", "备注", "note", False, "", ""),
)
NOT_IMPORTED_KEYS = frozenset(c.key for c in NOT_IMPORTED)
# A vertical merge in these columns is one value for a group of rows (offices merge 人员类别 or
# 户籍所在地 for a village's group): filled down. A merge anywhere else is refused.
FILL_DOWN = frozenset(
    {
        "kind",
        "valid_from",
        "valid_to",
        "source_document",
        "hukou_region",
        "hukou_rural",
        "residence_region",
        "job_region",
    }
)
COLUMNS_BY_KEY = {c.key: c for c in COLUMNS}
STATUS_COLUMNS = ("kind", "valid_from", "valid_to", "source_document")
HEADERS = tabular.Headers((*COLUMNS, *REFUSED_COLUMNS, *NOT_IMPORTED), ignore_notes=True)  # 姓名（必填） names 姓名
SEX = {"男": "M", "女": "F", "m": "M", "f": "F", "male": "M", "female": "F"}


# --- validating -----------------------------------------------------------------------------------


_PHONE = re.compile(r"^(?:\+?86)?(1[3-9]\d{9})$|^(0\d{2,3}-?\d{7,8}(?:-\d{1,6})?)$")


def _phone(value: Any) -> str:
    text = tabular.code(value)
    match = _PHONE.match(text)
    if not match:
        raise tabular.BadValue(
            "手机号码应为11位手机号或“区号-号码”", "a phone number is an 11-digit mobile or area code-number"
        )
    return match.group(1) or match.group(2)


def _name(value: Any) -> str:
    text = re.sub(r"\s+", " ", tabular.text(value))
    if len(text) > 60:
        raise tabular.BadValue("姓名不能超过60个字", "a name has at most 60 characters")
    if text.startswith(EXAMPLE_PREFIX):
        raise tabular.BadValue("这是模板中的示例行，请删除", "this is the template's example row; delete it")
    return text


_PARSERS: dict[str, Callable[[Any], Any]] = {
    "name": _name,
    "phone": _phone,
    "hukou_region": region_cells.region,
    "residence_region": region_cells.region,
    "job_region": region_cells.region,
    "hukou_rural": tabular.choice(
        RURAL_VALUES, "户籍性质应为农业/非农业或农村/城镇", "household type is rural or urban"
    ),
    "receives_pension": tabular.yes_no,
    "kind": cells.categories,
    "valid_from": tabular.date_value,
    "valid_to": tabular.date_value,
    "source_document": tabular.text_at_most(200, "认定文件名称", "a source document"),
    **dict.fromkeys(NOT_IMPORTED_KEYS, tabular.text),
}


@dataclass
class PersonRow:
    """One person as the file states them, merged over all of their rows."""

    parsed: idnumbers.IdNumber
    row: int
    fields: dict[str, Any]  # only the fields the file states (non-empty cells)
    field_rows: dict[str, int] = field(default_factory=dict)

    def data(self) -> PersonData:
        """A new person's record: 常住地 is optional and defaults to the 户籍所在地."""
        return PersonData(
            id_number=self.parsed.number,
            **{"residence_region": self.fields["hukou_region"], **self.fields},
        )


@dataclass(frozen=True)
class StatusRow:
    id_number: str
    kind: str
    valid_from: date
    valid_to: date | None
    source_document: str
    row: int


@dataclass
class Report:
    """What the import did besides the persons: layout rows skipped, merges filled down, columns not
    imported and defaults used (each a (zh, en) sentence); shown by the command and the page."""

    skipped: list[tabular.SkippedRow] = field(default_factory=list)
    filled: list[tabular.FilledMerge] = field(default_factory=list)
    not_imported: list[str] = field(default_factory=list)
    defaults: list[tuple[str, str]] = field(default_factory=list)
    header_row: int | None = None

    def lines(self) -> list[str]:
        """The report as lines of text (zh / en), for the command."""
        lines = [f"表头在第{self.header_row}行 / header on row {self.header_row}"] if self.header_row else []
        lines += [f"第{s.row}行 {s.zh} / row {s.row} {s.en}: {s.text}" for s in self.skipped]
        lines += [
            f"合并单元格已向下填充 / merged cells filled down: {f.column} 第{f.first_row}–{f.last_row}行 “{f.value}”"
            for f in self.filled
        ]
        if self.not_imported:
            names = "、".join(self.not_imported)
            lines.append(f"不导入的列 / columns not imported: {names}")
        lines += [f"{zh} / {en}" for zh, en in self.defaults]
        return lines


@dataclass
class Roster:
    """A validated roster file: what it says, and what is wrong with it."""

    file_name: str
    sha256: str
    rows: int = 0
    persons: dict[str, PersonRow] = field(default_factory=dict)
    statuses: list[StatusRow] = field(default_factory=list)
    problems: list[FieldProblem] = field(default_factory=list)
    warnings: list[FieldProblem] = field(default_factory=list)
    report: Report = field(default_factory=Report)


def read_roster(file: Any, *, file_name: str = "", progress: tabular.ProgressFactory | None = None) -> Roster:
    """Read and validate a whole roster file without writing anything.

    `file` is a path, bytes, or a binary file object (such as an uploaded file).
    """
    data, found_name = tabular.read_bytes(file)
    roster = Roster(file_name=(file_name or found_name or "roster")[:200], sha256=hashlib.sha256(data).hexdigest())
    try:
        sheet = tabular.read_sheet(data, roster.file_name, sheet=ROSTER_SHEET)
    except tabular.FileError as exc:
        roster.problems.append(exc.problem(roster.file_name))
        return roster
    _Validator(roster, sheet, progress).run()
    return roster


class _Validator(tabular.RowChecker):
    """Checks every row of one file; keeps the per-file state (header map, rows seen, parsed IDs)."""

    def __init__(self, roster: Roster, sheet: tabular.Sheet, progress: tabular.ProgressFactory | None) -> None:
        super().__init__(roster.problems, {c.key: c.zh for c in COLUMNS})
        self.roster, self.sheet, self.progress = roster, sheet, progress
        self.today = timezone.localdate()
        self.default_from = self.today  # 类别起始日期 when a row has none: the sheet's 填报日期, else today
        self.defaulted_from = 0
        self.seen: dict[tuple[str, str | None, date | None], int] = {}
        self.ids: dict[Any, idnumbers.IdNumber | tabular.BadValue] = {}
        self.parsers = {**_PARSERS, "id_number": self.parse_id}

    def file_problem(self, zh: str, en: str, row: int | None = None, value: str = "") -> None:
        self.roster.problems.append(FieldProblem(column="表头 / header", value=value, zh=zh, en=en, row=row))

    def warn(self, key: str, value: str, zh: str, en: str, row: int) -> None:
        self.roster.warnings.append(
            FieldProblem(column=self.labels[key], value=value, zh=zh, en=en, row=row, warning=True)
        )

    def warn_once(self, key: str, value: str, zh: str, en: str, row: int) -> None:
        column = self.labels[key]
        if not any(w.column == column and w.value == value for w in self.roster.warnings):
            self.warn(key, value, zh, en, row)

    def run(self) -> None:
        if not any(map(tabular.filled, self.sheet.rows)):
            return self.file_problem("文件为空", "the file is empty")
        try:
            layout = tabular.read_layout(
                self.sheet,
                HEADERS,
                identity=("name", "id_number"),
                key="id_number",
                fill_down=FILL_DOWN,
                not_imported=NOT_IMPORTED_KEYS,
                problems=self.roster.problems,
                warnings=self.roster.warnings,
            )
        except tabular.FileError as exc:
            return self.file_problem(exc.zh, exc.en, 1)
        report = self.roster.report
        report.header_row, report.skipped = layout.header.row, layout.skipped
        report.filled, report.not_imported = layout.filled, layout.not_imported
        if layout.report_date:
            self.default_from = layout.report_date
        self.check_header(layout.header)
        records = layout.records
        if not records and not self.roster.problems:
            self.file_problem("文件只有表头，没有数据行", "the file has a header but no data rows", layout.header.row)
        if self.roster.problems:
            return None
        self.roster.rows = len(records)
        advance = self.progress("校验 validating", len(records)) if self.progress else None
        for start in range(0, len(records), tabular.CHUNK):
            for n, record in records[start : start + tabular.CHUNK]:
                self.row(n, record)
            if advance:
                advance(min(tabular.CHUNK, len(records) - start))
        self.warn_unknown_regions()
        self.state_defaults(layout)
        return None

    def state_defaults(self, layout: tabular.Layout) -> None:
        defaults = self.roster.report.defaults
        if self.defaulted_from:
            if layout.report_date:
                zh_from = f"填报日期{self.default_from}（第{layout.report_date_row}行）"
                en_from = f"the sheet's 填报日期 {self.default_from} (row {layout.report_date_row})"
            else:
                zh_from, en_from = f"导入日期{self.default_from}", f"the import date {self.default_from}"
            defaults.append(
                (
                    f"{self.defaulted_from}个人员类别未填写类别起始日期，按{zh_from}计",
                    f"{self.defaulted_from} status(es) without 类别起始日期 start on {en_from}",
                )
            )
        without = sum("residence_region" not in p.fields for p in self.roster.persons.values())
        if without:
            defaults.append(
                (
                    f"{without}人未填写常住地：新登记人员的常住地按户籍所在地，已登记人员的常住地不变",
                    f"{without} person(s) without 常住地: a new person's residence is their 户籍所在地; "
                    "a registered person's is kept",
                )
            )

    def check_header(self, header: tabular.Header) -> None:
        self.labels |= header.labels
        for column in REFUSED_COLUMNS:
            if column.key in header.index:
                self.file_problem(
                    f"不接受“{column.zh}”列：人员类别的认定单位是导入名册的本单位（登录账号所属单位），不能由文件指定",
                    f"the column {column.en!r} is not accepted: a status is asserted by the signed-in user's own "
                    "organization (or the command's --organization), never by a unit named in the file",
                    header.row,
                    column.zh,
                )
        for name, label in header.repeats:
            self.file_problem(f"列“{name}”与“{label}”重复", f"{name!r} repeats {label!r}", header.row, name)
        missing = header.missing(c for c in COLUMNS if c.required)
        if missing:
            exc = tabular.missing_columns(missing)
            self.file_problem(exc.zh, exc.en, header.row, "、".join(c.zh for c in missing))

    def parse_id(self, raw: Any) -> idnumbers.IdNumber:
        key = raw if isinstance(raw, str) else repr(raw)
        parsed = self.ids.get(key)
        if parsed is None:
            try:
                parsed = cells.id_number(raw, self.today)
            except tabular.BadValue as exc:
                parsed = exc
            self.ids[key] = parsed
        if isinstance(parsed, tabular.BadValue):
            raise parsed
        return parsed

    def row(self, n: int, record: dict[str, Any]) -> None:
        values, refused = self.parse(n, record, self.parsers)
        given = values.keys() | refused
        ok = not refused
        for key in ("name", "id_number", "hukou_region"):
            if key not in given:
                ok = False
                self.problem(key, "", "必填", "required", n)
        # Status columns: dates or a source without a kind are a mistake; a kind without a start
        # starts on the sheet's 填报日期 (else the import date), stated in the report.
        if given & set(STATUS_COLUMNS) and "kind" not in given:
            ok = False
            self.problem(
                "kind", "", "填写了类别日期或认定文件，但未填写人员类别", "status details given without a status", n
            )
        if "kind" in values and "valid_from" not in given:
            values["valid_from"] = self.default_from
            self.defaulted_from += len(values["kind"])
        valid_from, valid_to = values.get("valid_from"), values.get("valid_to")
        if valid_from and valid_to and valid_to < valid_from:
            ok = False
            self.problem(
                "valid_to", valid_to.isoformat(), f"早于起始日期{valid_from}", f"before the start {valid_from}", n
            )
        if not ok:
            return
        parsed: idnumbers.IdNumber = values.pop("id_number")
        for zh, en in parsed.warnings:
            if (zh, en) == cells.UPGRADED_15:
                self.warn("id_number", idnumbers.mask(parsed.number), zh, en, n)
            else:
                self.warn_once("id_number", parsed.number[:6], zh, en, n)
        sex = values.get("sex")
        if sex and SEX.get(sex.lower()) not in (None, parsed.sex):
            zh_sex = "男" if parsed.sex == "M" else "女"
            self.warn(
                "sex", sex, f"与身份证号码（{zh_sex}）不符，按身份证号码登记", f"the ID number says {parsed.sex}", n
            )
        for key in NOT_IMPORTED_KEYS:
            values.pop(key, None)
        kinds = values.pop("kind", ())
        status = {k: values.pop(k, "") for k in STATUS_COLUMNS[1:]}
        self.merge_person(n, record, parsed, values)
        for kind in kinds or (None,):
            key3 = (parsed.number, kind, status["valid_from"] or None)
            first = self.seen.setdefault(key3, n)
            if first != n:
                what_zh, what_en = (
                    ("同一人员、类别和起始日期", "same person, status and start date")
                    if kind
                    else ("同一人员", "same person")
                )
                self.problem(
                    "id_number",
                    idnumbers.mask(parsed.number),
                    f"第{first}行和第{n}行的身份证号码相同（{what_zh}）",
                    f"rows {first} and {n} have the same ID number ({what_en})",
                    n,
                )
            elif kind is not None:
                valid_to = status["valid_to"] or None
                self.roster.statuses.append(
                    StatusRow(parsed.number, kind, status["valid_from"], valid_to, status["source_document"], n)
                )

    def merge_person(self, n: int, record: dict[str, Any], parsed: idnumbers.IdNumber, values: dict[str, Any]) -> None:
        """One person over several rows: every stated person column must agree."""
        person = self.roster.persons.get(parsed.number)
        if person is None:
            self.roster.persons[parsed.number] = PersonRow(parsed, n, values, dict.fromkeys(values, n))
            return
        held_name, name = person.fields.get("name"), values.get("name")
        if held_name and name and held_name != name:  # two persons under one ID number: the ID is repeated
            first = person.field_rows["name"]
            self.problem(
                "id_number",
                idnumbers.mask(parsed.number),
                f"第{first}行和第{n}行的身份证号码相同，但姓名不同（“{held_name}”与“{name}”）",
                f"rows {first} and {n} have the same ID number but different names ({held_name!r}, {name!r})",
                n,
            )
            return
        for key, value in values.items():
            if key not in person.fields:
                person.fields[key], person.field_rows[key] = value, n
            elif person.fields[key] != value:
                first = person.field_rows[key]
                held = tabular.text(person.fields[key])
                self.problem(
                    key,
                    record[key],
                    f"与第{first}行同一身份证号码的值“{held}”不一致",
                    f"differs from row {first} for the same ID number ({held!r})",
                    n,
                )

    def warn_unknown_regions(self) -> None:
        """County codes changed over the years: a code missing from the national table is only a warning."""
        for person in self.roster.persons.values():
            for key in ("hukou_region", "residence_region", "job_region"):
                code = person.fields.get(key)
                if code and not is_listed(code):
                    zh, en = f"区划代码{code}不在行政区划库中", f"region code {code} is not in the register"
                    self.warn_once(key, code, zh, en, person.field_rows[key])


# --- writing --------------------------------------------------------------------------------------


def roster_import(
    *,
    actor: Any,
    file: Any,
    organization: Organization | None = None,
    file_name: str = "",
    progress: tabular.ProgressFactory | None = None,
) -> RosterImport:
    """Import a roster file: all of it, or — if any row is bad — nothing (raises `InvalidInput`).

    Persons are matched by the blind index of their ID number. A known person is never
    overwritten: a value that differs from the master record becomes a pending change request
    for the record's owner (registry/actions.py). The acting unit — `organization`, else the
    signed-in user's own — puts everyone in the file on its roster. What a status row means
    depends on that unit: a government unit asserts the status in its own name, and only for
    kinds it may assert (registry/assertion.py); an institution or enterprise declares the
    trainee's category, which counts once an asserting unit confirms it.
    Warnings (unknown county codes, ignored columns) are returned on the result as `.warnings`.
    Validation runs before the (durable) write transaction opens, so it holds no locks; do not
    call this inside another transaction.
    """
    roster = read_roster(file, file_name=file_name, progress=progress)
    unit = acting_unit(actor, organization)
    if not roster.problems:
        _check_assertions(roster, unit)
    if roster.problems:
        raise InvalidInput(roster.problems)
    try:
        result = _write(roster, actor=actor, organization=unit, progress=progress)
    except IntegrityError:
        # Only a concurrent registration of the same person or status can get here: validation
        # already checked everything else. The transaction rolled back as a whole.
        raise DomainError(
            "roster_conflict",
            "导入期间其他操作登记了相同的人员或类别，未写入任何数据，请重新导入",
            "someone registered the same person or status during the import; nothing was written, import again",
        ) from None
    result.warnings, result.report = roster.warnings, roster.report
    return result


def _declares(unit: Organization | None) -> bool:
    """An institution's or enterprise's roster declares categories; a government unit asserts."""
    return unit is not None and unit.kind != Organization.Kind.GOVERNMENT


def _asserts(unit: Organization | None, kind: str) -> bool:
    """The acting unit asserts this status itself (registry/assertion.py); otherwise it declares it."""
    return unit is not None and not _declares(unit) and assertion.may_assert(unit.unit_code, kind)


def _check_assertions(roster: Roster, unit: Organization | None) -> None:
    """Each status row is asserted by the acting unit if it may assert the kind; any other is only
    declared (an institution's or enterprise's roster, or a government unit's row of a kind another
    department asserts — an office roster lists every trainee's category), and counts once the
    asserting unit confirms it. Without an acting unit a status is refused."""
    label = COLUMNS_BY_KEY["kind"].zh
    if unit is None:
        for s in roster.statuses:
            zh = "人员类别须由认定单位以本单位名义导入（请用本单位账号，或命令的 --organization）"
            en = "a status is imported by the asserting unit in its own name (sign in as it, or use --organization)"
            roster.problems.append(FieldProblem(column=label, value=s.kind, zh=zh, en=en, row=s.row))
        return
    if _declares(unit):
        return
    declared: dict[str, list[int]] = {}
    for s in roster.statuses:
        if not _asserts(unit, s.kind):
            declared.setdefault(s.kind, []).append(s.row)
    names = dict(Organization.objects.filter(kind=Organization.Kind.GOVERNMENT).values_list("unit_code", "name"))
    for kind, rows in declared.items():
        units = "、".join(names.get(code, code) for code in sorted(assertion.table()[kind].units))
        shown = "、".join(map(str, rows[:10])) + ("…" if len(rows) > 10 else "")
        roster.warnings.append(
            FieldProblem(
                column=label,
                value=StatusKind(kind).label,
                zh=f"{len(rows)}行（第{shown}行）的该人员类别须由{units}认定：记为申报类别，待其确认后计入",
                en=f"{len(rows)} row(s) ({shown}): this category is asserted by {units}; recorded as declared, "
                "counted once it confirms",
                row=rows[0],
            )
        )


def _chunks(items: list[Any], size: int = tabular.CHUNK) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _insert(
    model: type[Model], objs: list[Model], *, now: datetime, advance: Callable[[int], None] | None = None
) -> None:
    """INSERT many new rows: COPY on PostgreSQL, bulk_create elsewhere.

    bulk_create spends most of its time compiling SQL (about 25 s for 100,000 persons on the
    2-core server); COPY of the same rows takes about 2 s. COPY sets no primary keys on `objs`.
    """
    if connection.vendor != "postgresql":
        for batch in _chunks(objs):
            model.objects.bulk_create(batch)
            if advance:
                advance(len(batch))
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    for f in fields:  # what bulk_create's pre_save would do for auto_now / auto_now_add
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            for obj in objs:
                setattr(obj, f.attname, now)
    attnames = [f.attname for f in fields]
    sql = "COPY {} ({}) FROM STDIN".format(
        connection.ops.quote_name(model._meta.db_table), ", ".join(connection.ops.quote_name(f.column) for f in fields)
    )
    # The raw psycopg cursor bypasses Django's error translation: wrap it so a unique violation
    # still arrives as django.db.IntegrityError.
    with connection.wrap_database_errors, connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for batch in _chunks(objs):
            for obj in batch:
                copy.write_row([getattr(obj, a) for a in attnames])
            if advance:
                advance(len(batch))


def _insert_rows(
    model: type[Model], rows: list[dict[str, Any]], *, now: datetime, advance: Callable[[int], None] | None = None
) -> None:
    """INSERT many new rows given as {attname: value}, every row with the same keys.

    On PostgreSQL no model instance is built (100,000 of them cost several seconds): the other
    fields get their defaults, auto_now / auto_now_add fields `now`, and the rows go by COPY.
    """
    if connection.vendor != "postgresql" or not rows:
        _insert(model, [model(**row) for row in rows], now=now, advance=advance)
        return
    given = list(rows[0])
    fixed = {}
    for f in model._meta.concrete_fields:
        if f.primary_key or f.attname in given:
            continue
        auto = getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        fixed[f.column] = now if auto else f.get_default()
    columns_of = {f.attname: f.column for f in model._meta.concrete_fields}
    columns = [columns_of[a] for a in given] + list(fixed)
    tail = list(fixed.values())
    sql = "COPY {} ({}) FROM STDIN".format(
        connection.ops.quote_name(model._meta.db_table), ", ".join(map(connection.ops.quote_name, columns))
    )
    with connection.wrap_database_errors, connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for batch in _chunks(rows):
            for row in batch:
                copy.write_row([*row.values(), *tail])
            if advance:
                advance(len(batch))


@transaction.atomic(durable=True)
def _write(
    roster: Roster, *, actor: Any, organization: Organization | None, progress: tabular.ProgressFactory | None
) -> RosterImport:
    now = timezone.now()
    total = len(roster.persons) + len(roster.statuses)
    advance = progress("写入 writing", total) if progress else (lambda n: None)
    # A look-up of n keys binds n parameters; SQLite allows 999 per query.
    lookup_size = min(tabular.CHUNK, (connection.features.max_query_params or tabular.CHUNK) - 10)

    by_index = {idnumbers.blind_index(number): p for number, p in roster.persons.items()}
    pk_of: dict[str, int] = {}  # ID number -> Person pk
    owner_of: dict[int, int | None] = {}
    asked: dict[int, dict[str, dict[str, Any]]] = {}  # pk -> {field: {old, new}} for a change request
    done = 0
    for keys in _chunks(list(by_index), lookup_size):
        for pk, index, owner, *values in Person.objects.filter(id_index__in=keys).values_list(
            "pk", "id_index", "owner_id", *PERSON_FIELDS
        ):
            person = by_index[index]
            pk_of[person.parsed.number] = pk
            owner_of[pk] = owner
            held_fields = dict(zip(PERSON_FIELDS, values, strict=True))
            changes = {f: {"old": held_fields[f], "new": v} for f, v in person.fields.items() if held_fields[f] != v}
            if changes:
                asked[pk] = changes
        advance(len(pk_of) - done)
        done = len(pk_of)

    existing_persons = sorted(pk_of.values())
    new = [p for number, p in roster.persons.items() if number not in pk_of]
    org_id = organization.pk if organization is not None else None
    index_of = {p.parsed.number: index for index, p in by_index.items()}
    created = [new_person_fields(p.data(), p.parsed, owner_id=org_id, id_index=index_of[p.parsed.number]) for p in new]
    _insert_rows(Person, created, now=now, advance=advance)
    # COPY returns no keys: find them by the blind index.
    number_of = {row["id_index"]: p.parsed.number for row, p in zip(created, new, strict=True)}
    for keys in _chunks(list(number_of), lookup_size):
        for index, pk in Person.objects.filter(id_index__in=keys).values_list("id_index", "pk"):
            pk_of[number_of[index]] = pk

    result = RosterImport.objects.create(
        organization=organization,
        actor=actor if getattr(actor, "pk", None) else None,
        file_name=roster.file_name,
        sha256=roster.sha256,
        rows=roster.rows,
        persons_created=len(new),
        change_requests=0,
        statuses_created=0,
    )
    user = actor if getattr(actor, "pk", None) else None

    # Differences from master records: change requests, never updates (re-imports ask once).
    pending: dict[int, list[dict[str, Any]]] = {}
    for pks in _chunks(sorted(asked), lookup_size):
        for pk, changes in PersonChangeRequest.objects.filter(
            person_id__in=pks, organization=organization, status=PersonChangeRequest.Status.PENDING
        ).values_list("person_id", "changes"):
            pending.setdefault(pk, []).append(changes)
    requests = [
        PersonChangeRequest(
            person_id=pk,
            requested_by=user,
            organization=organization,
            source=PersonChangeRequest.Source.ROSTER_IMPORT,
            roster_import=result,
            changes=changes,
        )
        for pk, changes in sorted(asked.items())
        if changes not in pending.get(pk, [])
    ]
    PersonChangeRequest.objects.bulk_create(requests, batch_size=tabular.CHUNK)

    # Statuses (a government unit asserting in its own name) or declarations (a provider's roster):
    # only the (person, kind, start) that do not exist yet.
    statuses: list[dict[str, Any]] = []
    declared: list[dict[str, Any]] = []
    asserted = [s for s in roster.statuses if _asserts(organization, s.kind)]
    to_declare = [s for s in roster.statuses if not _asserts(organization, s.kind)]
    if to_declare:
        held = set()
        for pks in _chunks(existing_persons, lookup_size):
            held |= set(
                DeclaredCategory.objects.filter(person_id__in=pks, declared_by=organization).values_list(
                    "person_id", "kind", "valid_from"
                )
            )
        today = timezone.localdate()
        declared = [
            {
                "person_id": pk_of[s.id_number],
                "kind": s.kind,
                "valid_from": s.valid_from,
                "valid_to": s.valid_to,
                "declared_by_id": org_id,
                "roster_import_id": result.pk,
                "declared_on": today,
            }
            for s in to_declare
            if (pk_of[s.id_number], s.kind, s.valid_from) not in held
        ]
        _insert_rows(DeclaredCategory, declared, now=now, advance=advance)
    if asserted:
        held = set()
        for pks in _chunks(existing_persons, lookup_size):
            held |= set(PersonStatus.objects.filter(person_id__in=pks).values_list("person_id", "kind", "valid_from"))
        statuses = [
            {
                "person_id": pk_of[s.id_number],
                "kind": s.kind,
                "valid_from": s.valid_from,
                "valid_to": s.valid_to,
                "source_org_id": org_id,
                "source_document": s.source_document or f"名册导入 {roster.file_name}"[:200],
            }
            for s in asserted
            if (pk_of[s.id_number], s.kind, s.valid_from) not in held
        ]
        _insert_rows(PersonStatus, statuses, now=now, advance=advance)
    advance(len(roster.statuses) - len(statuses) - len(declared))

    entries_created = linked = 0
    if organization is not None:
        on_roster: set[int] = set()
        for pks in _chunks(existing_persons, lookup_size):
            on_roster |= set(
                RosterEntry.objects.filter(organization=organization, person_id__in=pks).values_list(
                    "person_id", flat=True
                )
            )
        known = set(existing_persons)
        entries = [
            {
                "person_id": pk,
                "organization_id": org_id,
                # Linking a person someone else registered pulls them into this unit's scope: recorded.
                "linked_existing": pk in known and owner_of.get(pk) != org_id,
                "linked_by_id": user.pk if user is not None else None,
                "reason": f"名册导入 {roster.file_name}"[:200],
            }
            for pk in pk_of.values()
            if pk not in on_roster
        ]
        _insert_rows(RosterEntry, entries, now=now)
        entries_created = len(entries)
        linked = sum(e["linked_existing"] for e in entries)

    result.change_requests, result.statuses_created = len(requests), len(statuses)
    result.save(update_fields=["change_requests", "statuses_created"])
    # Counts and ids only: the audit log holds no name, phone or place (PIPL Art. 47).
    audit.record(
        actor=actor,
        action="roster.import",
        target=result,
        after={
            "file_name": roster.file_name,
            "sha256": roster.sha256,
            "organization_id": organization.pk if organization is not None else None,
            "rows": roster.rows,
            "persons": len(roster.persons),
            "persons_created": len(new),
            "change_requests": sorted(r.person_id for r in requests),
            "statuses_created": len(statuses),
            "declarations_created": len(declared),
            "roster_entries_created": entries_created,
            "existing_persons_linked": linked,
        },
    )
    result.declarations_created = len(declared)  # shown with the result, as warnings and report are
    return result
