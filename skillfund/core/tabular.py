"""Reading spreadsheet-like files whose every row is checked before anything is written.

Shared by the roster import (`registry.importing`) and the claims file (`claims.claimfile`):

- `read_bytes` and `sheet_rows` / `jsonl_records` turn a path, bytes or upload into rows, each with
  its spreadsheet row number (.xlsx by python-calamine, .csv in UTF-8 or GB18030, .jsonl);
  the file type is told by content first and by name second.
- `Headers` and `read_header` match a header row to columns by their Chinese or English names;
  `read_layout` reads a sheet in the layout offices send: the header on any of the first rows,
  title / 填报单位 / 填报日期 rows above it and footer lines below the data skipped and named,
  layout merges filled down and any other merge refused (`read_sheet` gives the merged ranges).
- `text`, `code`, `date_value`, `yes_no`, `choice` and `text_at_most` turn one cell into a typed
  value or raise `BadValue` with the reason in zh and en. Domain cells (region names and codes,
  ID numbers, amounts) are parsed by their own apps (`regions.cells`, `registry.cells`,
  `catalog.cells`): core imports no domain app.
- `RowChecker` collects each bad value as a `FieldProblem` (row, column, value, reason).
- At the command line, `all_or_nothing` shows progress bars while an import runs and, if the file
  is refused, its problems as a table (`problem_table`).

Which columns a file has and the rules across cells and rows stay with each importer.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from tqdm import tqdm

from skillfund.core.errors import DomainError, FieldProblem, InvalidInput

CHUNK = 2000  # rows per progress step, per bulk INSERT / UPDATE and per look-up query
MOST_SHOWN = 200  # problems `problem_table` lists before it only counts the rest

# `progress("校验 validating", total)` starts a phase and returns `advance(n)`; a command shows bars.
ProgressFactory = Callable[[str, int], Callable[[int], None]]


@dataclass(frozen=True)
class Column:
    key: str
    zh: str  # the header the template writes
    en: str  # the English header, also accepted
    required: bool
    help_zh: str
    help_en: str
    aliases: tuple[str, ...] = ()


class FileError(Exception):
    """The file as a whole cannot be read (wrong type, encoding, no header…)."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en

    def problem(self, file_name: str) -> FieldProblem:
        return FieldProblem("文件 / file", file_name, self.zh, self.en)


class BadValue(Exception):
    """One cell's value is refused; the reason is in Chinese and English."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en


# --- reading the file -----------------------------------------------------------------------------


def read_bytes(file: Any) -> tuple[bytes, str]:
    """The content of a path, bytes or (binary or text) file object, and its file name if it has one."""
    if isinstance(file, bytes | bytearray):
        return bytes(file), ""
    if isinstance(file, str | Path):
        path = Path(file)
        return path.read_bytes(), path.name
    data = file.read()
    return (data.encode() if isinstance(data, str) else bytes(data)), Path(getattr(file, "name", "") or "").name


def is_jsonl(data: bytes, name: str) -> bool:
    suffix = Path(name).suffix.lower()
    return suffix in (".jsonl", ".ndjson") or (suffix == "" and data.lstrip()[:1] == b"{")


Merge = tuple[int, int, int, int]  # a merged range: first row, first column, last row, last column (0-based)


@dataclass
class Sheet:
    rows: list[list[Any]]  # spreadsheet row n is index n-1; a merged range's value is in its first cell
    merges: list[Merge] = field(default_factory=list)


def sheet_rows(data: bytes, name: str, *, sheet: str | None = None) -> list[list[Any]]:
    """All rows of an .xlsx or .csv file as lists of cells (spreadsheet row n is index n-1)."""
    return read_sheet(data, name, sheet=sheet).rows


def read_sheet(data: bytes, name: str, *, sheet: str | None = None) -> Sheet:
    """An .xlsx/.xls or .csv file's rows and (workbooks) merged ranges.

    A workbook is read from its sheet named `sheet` if it has one, else from its first sheet.
    """
    suffix = Path(name).suffix.lower()
    if not data.strip():
        raise FileError("文件为空", "the file is empty")
    if data[:4] == b"PK\x03\x04" or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return _excel_sheet(data, sheet)
    if suffix in (".xlsx", ".xlsm", ".xls"):
        raise FileError(
            f"文件扩展名为{suffix}，但内容不是Excel工作簿", f"the file is named {suffix} but is not an Excel workbook"
        )
    if suffix not in ("", ".csv", ".txt"):
        raise FileError("只能导入.xlsx、.xls或.csv文件", "only .xlsx, .xls and .csv files can be imported")
    if b"\x00" in data[:8192]:
        raise FileError("文件不是Excel工作簿，也不是CSV文本", "the file is neither an Excel workbook nor CSV text")
    return Sheet(_csv_rows(data))


def _excel_sheet(data: bytes, sheet: str | None) -> Sheet:
    """Rows by python-calamine, which also gives the merged ranges of .xlsx and .xls sheets."""
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        found = workbook.get_sheet_by_name(sheet) if sheet in workbook.sheet_names else workbook.get_sheet_by_index(0)
        rows = found.to_python(skip_empty_area=False)
        merges = [(r0, c0, r1, c1) for (r0, c0), (r1, c1) in found.merged_cell_ranges or ()]
    except (CalamineError, ValueError, OSError) as exc:
        raise FileError(
            "无法读取Excel工作簿（文件损坏、加密或不是Excel文件）",
            f"cannot read the Excel workbook (damaged, encrypted or not Excel): {exc}",
        ) from None
    return Sheet(rows, merges)


def _csv_rows(data: bytes) -> list[list[Any]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise FileError("无法识别CSV文件的编码（应为UTF-8或GB18030）", "CSV must be UTF-8 or GB18030") from None
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first and "," not in first else ","
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def jsonl_records(
    data: bytes, headers: Headers, *, problems: list[FieldProblem], warnings: list[FieldProblem]
) -> list[tuple[int, dict[str, Any]]]:
    """One record per JSON object line, as (line number, {column key: value}).

    A line that is not a JSON object is a problem; a key that names no column is a warning.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileError("JSONL文件应为UTF-8编码", "a JSONL file must be UTF-8") from None
    records = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            obj, reason = None, f"{exc.msg} (column {exc.colno})"
        else:
            reason = "not an object"
        if not isinstance(obj, dict):
            problems.append(
                FieldProblem("文件 / file", line[:60], "不是有效的JSON对象", f"not a JSON object: {reason}", n)
            )
            continue
        record = {}
        for key, value in obj.items():
            column = headers.key(str(key))
            if column is None:
                warnings.append(FieldProblem(str(key), "", "无法识别的键，已忽略", "unknown key, ignored", n, True))
            else:
                record[column] = value
        records.append((n, record))
    return records


# --- the header -----------------------------------------------------------------------------------


def header_key(text: str) -> str:
    """A header folded for matching: full-width characters, case, spaces, '*', '_', '-' and ':' ignored."""
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"[\s*_\-:]", "", text).lower()


class Headers:
    """Which column a header names: its Chinese or English header, its key or an alias.

    With `ignore_notes`, a note in brackets such as （必填） is ignored too.
    """

    def __init__(self, columns: tuple[Column, ...], *, ignore_notes: bool = False) -> None:
        self.columns = columns
        self.ignore_notes = ignore_notes
        self._keys = {header_key(h): c.key for c in columns for h in (c.zh, c.en, c.key, *c.aliases)}

    def key(self, text: str) -> str | None:
        folded = header_key(text)
        found = self._keys.get(folded)
        if found is None and self.ignore_notes:
            found = self._keys.get(re.sub(r"\(.*?\)", "", folded))
        return found


@dataclass
class Header:
    """Where each known column is in the header row, and what the file calls it."""

    row: int  # the spreadsheet row number of the header
    index: dict[str, int] = field(default_factory=dict)  # column key -> position in a row
    labels: dict[str, str] = field(default_factory=dict)  # column key -> the header as written
    repeats: list[tuple[str, str]] = field(default_factory=list)  # (header, label of the column it repeats)

    def missing(self, required: Iterable[Column]) -> list[Column]:
        return [c for c in required if c.key not in self.index]

    def records(self, table: list[list[Any]]) -> list[tuple[int, dict[str, Any]]]:
        """The non-empty rows below the header as (row number, {column key: cell})."""
        index = self.index.items()
        records = []
        for n, row in enumerate(table[self.row :], start=self.row + 1):
            if filled(row):
                width = len(row)
                records.append((n, {k: row[i] if i < width else None for k, i in index}))
        return records


def read_header(table: list[list[Any]], headers: Headers, *, warnings: list[FieldProblem]) -> Header:
    """The header: of the top ten rows, the one that names the most known columns (`find_header`).

    Offices often put a title such as 某某单位培训人员花名册 above it. Raises `FileError` if no row
    names two. A header naming no column is a warning; one naming a column again is left in `repeats`.
    """
    at = find_header(table, headers)
    return _header_at(table, at, headers, warnings)


def missing_columns(missing: list[Column]) -> FileError:
    return FileError(
        "缺少必填列：" + "、".join(c.zh for c in missing),
        "missing required columns: " + ", ".join(f"{c.zh} ({c.en})" for c in missing),
    )


def blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def filled(row: list[Any]) -> bool:
    return not all(blank(cell) for cell in row)


# --- the layout offices use -----------------------------------------------------------------------
# A roster as offices send it: a title (often merged across the columns), a 填报单位：… 填报日期：…
# row, the header, the persons, then footer lines (合计 25人, 制表人/审核人, 联系电话：…, 填表说明).

HEADER_SEARCH_ROWS = 10  # the header stands on one of the first rows
_REPORT_INFO = re.compile(r"填报单位|填表单位|报送单位|填报日期|填表日期|报送日期|制表日期")
_REPORT_DATE = re.compile(
    r"(?:填报|填表|报送|制表)日期\s*[:：]?\s*(\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?)"
)
# A footer line's first non-empty cell starts with one of these.
FOOTER_START = re.compile(
    r"^(合计|总计|小计|共计|制表|审核|填表|填报人|联系电话|联系人|说明|备注\s*[:：]|负责人|经办人|单位盖章|盖章|"
    r"注\s*[:：]|[(（]盖章[)）])"
)
# Text that looks like a footer anywhere in a row whose person columns are empty.
FOOTER_TEXT = re.compile(r"合计|总计|共计|共\s*\d+\s*人|制表人|审核人|填表人|联系电话\s*[:：]|填表说明|盖章")


@dataclass(frozen=True)
class SkippedRow:
    """A row that is part of the layout, not data: what it was, in zh and en, and its text."""

    row: int
    zh: str
    en: str
    text: str


@dataclass(frozen=True)
class FilledMerge:
    """A vertical merge in a group column, filled down: its column's header and its rows."""

    column: str
    first_row: int
    last_row: int
    value: str


@dataclass
class Layout:
    header: Header
    records: list[tuple[int, dict[str, Any]]]
    skipped: list[SkippedRow] = field(default_factory=list)
    filled: list[FilledMerge] = field(default_factory=list)
    not_imported: list[str] = field(default_factory=list)  # headers of known columns the platform does not store
    report_date: date | None = None  # the sheet's 填报日期
    report_date_row: int | None = None


def row_text(row: list[Any], limit: int = 80) -> str:
    joined = " ".join(t for t in map(text, row) if t)
    return joined if len(joined) <= limit else joined[: limit - 1] + "…"


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _merge_name(merge: Merge) -> str:
    r0, c0, r1, c1 = merge
    return f"{column_letter(c0)}{r0 + 1}:{column_letter(c1)}{r1 + 1}"


def find_header(table: list[list[Any]], headers: Headers) -> int:
    """The index of the row, among the first ten, that names the most known columns (at least two)."""
    best, at = 1, None
    for i, row in enumerate(table[:HEADER_SEARCH_ROWS]):
        named = len({k for k in (headers.key(text(cell)) for cell in row if not blank(cell)) if k})
        if named > best:
            best, at = named, i
    if at is None:
        expected = "、".join(c.zh for c in headers.columns if c.required)
        raise FileError(
            f"找不到表头：前{HEADER_SEARCH_ROWS}行中没有一行写出列名（{expected}…）",
            f"no header row: none of the first {HEADER_SEARCH_ROWS} rows names the columns ({expected}…)",
        )
    return at


def read_layout(
    sheet: Sheet,
    headers: Headers,
    *,
    identity: tuple[str, ...],
    key: str,
    fill_down: frozenset[str],
    not_imported: frozenset[str],
    problems: list[FieldProblem],
    warnings: list[FieldProblem],
) -> Layout:
    """The header, the data rows and what was skipped, of a sheet in an office's layout.

    `identity` are the columns every person row has (姓名, 身份证号码): a row without any of them
    that reads like a footer is one; below a footer line, a row without the `key` column (身份证号码)
    continues the footer (the second line of a 填表说明). A vertical merge in a `fill_down` column (one value for a
    group of rows, such as 人员类别) is filled down; any other merge that touches a data row, or
    the header, is a problem asking to unmerge. `not_imported` columns are recognised and named in
    the layout, and never read.
    """
    table = sheet.rows
    at = find_header(table, headers)
    header = _header_at(table, at, headers, warnings)
    layout = Layout(header=header, records=[])
    layout.not_imported = [header.labels[k] for k in header.index if k in not_imported]
    for i, row in enumerate(table[:at]):
        if filled(row):
            _preamble(layout, i + 1, row, problems)

    by_index = {i: k for k, i in header.index.items()}
    read_columns = {i for k, i in header.index.items() if k not in not_imported}
    ids = [header.index[k] for k in identity if k in header.index]
    key_at = header.index.get(key)
    data_rows: list[int] = []
    in_footer = False
    for i in range(at + 1, len(table)):
        row = table[i]
        if not filled(row):
            continue
        first = next(text(cell) for cell in row if not blank(cell))
        no_identity = all(c >= len(row) or blank(row[c]) for c in ids)
        no_key = key_at is None or key_at >= len(row) or blank(row[key_at])
        if (
            FOOTER_START.match(first)
            or (no_identity and FOOTER_TEXT.search(row_text(row, 1000)))
            or (in_footer and no_key)
        ):
            in_footer = True
            layout.skipped.append(SkippedRow(i + 1, "表尾行", "footer line", row_text(row)))
        elif all(blank(row[c]) for c in read_columns if c < len(row)):
            layout.skipped.append(
                SkippedRow(
                    i + 1, "空行（只填了序号等不导入的列）", "empty row (only columns not imported)", row_text(row)
                )
            )
        else:
            data_rows.append(i)

    data = set(data_rows)
    for merge in sheet.merges:
        _merge(layout, merge, table, at, data, by_index, fill_down, not_imported, problems)
    index = header.index.items()
    for i in data_rows:
        row = table[i]
        width = len(row)
        layout.records.append((i + 1, {k: row[c] if c < width else None for k, c in index}))
    return layout


def _header_at(table: list[list[Any]], at: int, headers: Headers, warnings: list[FieldProblem]) -> Header:
    header = Header(row=at + 1)
    for i, cell in enumerate(table[at]):
        name = text(cell)
        if not name:
            continue
        key = headers.key(name)
        if key is None:
            warnings.append(
                FieldProblem(name, "", "无法识别的列，已忽略", "unknown column, ignored", header.row, warning=True)
            )
        elif key in header.index:
            header.repeats.append((name, header.labels[key]))
        else:
            header.index[key], header.labels[key] = i, name
    return header


def _preamble(layout: Layout, n: int, row: list[Any], problems: list[FieldProblem]) -> None:
    """A row above the header: the title, or the 填报单位/填报日期 row (its date is kept)."""
    written = row_text(row, 1000)
    if not _REPORT_INFO.search(written):
        layout.skipped.append(SkippedRow(n, "标题行", "title row", row_text(row)))
        return
    layout.skipped.append(SkippedRow(n, "填报单位/填报日期行", "reporting unit / date row", row_text(row)))
    match = _REPORT_DATE.search(written)
    if match and layout.report_date is None:
        try:
            layout.report_date, layout.report_date_row = date_value(match.group(1)), n
        except BadValue as exc:
            problems.append(FieldProblem("填报日期 / report date", match.group(1), exc.zh, exc.en, n))


def _merge(
    layout: Layout,
    merge: Merge,
    table: list[list[Any]],
    at: int,
    data: set[int],
    by_index: dict[int, str],
    fill_down: frozenset[str],
    not_imported: frozenset[str],
    problems: list[FieldProblem],
) -> None:
    r0, c0, r1, c1 = merge
    if r1 < at:  # the title or the 填报单位 row
        return
    rows = set(range(r0, r1 + 1))
    keys = {by_index.get(c) for c in range(c0, c1 + 1)} - {None} - not_imported
    if not keys or (r0 > at and not rows & data):  # unread columns only, or a footer line across columns
        return
    value = text(table[r0][c0]) if r0 < len(table) and c0 < len(table[r0]) else ""
    column = layout.header.labels.get(by_index.get(c0, ""), column_letter(c0))
    key = next(iter(keys)) if len(keys) == 1 else None
    if r0 > at and c0 == c1 and key in fill_down:
        for r in sorted(rows & data):
            while len(table[r]) <= c0:
                table[r].append(None)
            table[r][c0] = table[r0][c0]
        layout.filled.append(FilledMerge(column, r0 + 1, r1 + 1, value))
        return
    where_zh, where_en = ("表头", "the header") if r0 <= at else ("数据行", "data rows")
    problems.append(
        FieldProblem(
            column,
            value,
            f"合并单元格{_merge_name(merge)}不能用在{where_zh}的这一列；请取消合并单元格，并在每一行分别填写",
            f"merged cells {_merge_name(merge)} are not accepted in {where_en} of this column: unmerge the cells "
            "(取消合并单元格) and fill in every row",
            r0 + 1,
        )
    )


# --- one cell -------------------------------------------------------------------------------------


def text(value: Any) -> str:
    """A cell as text: stripped; a whole float without '.0'; a date as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def code(value: Any) -> str:
    """A code-like cell: full-width characters folded, spaces removed."""
    value = text(value)
    if value.isascii():
        return value.replace(" ", "")
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", value))


def text_at_most(limit: int, what_zh: str, what_en: str) -> Callable[[Any], str]:
    """A parser for text of at most `limit` characters; `what_*` names the value in the reason."""

    def parse(value: Any) -> str:
        value = text(value)
        if len(value) > limit:
            raise BadValue(f"{what_zh}不能超过{limit}个字", f"{what_en} has at most {limit} characters")
        return value

    return parse


def choice(table: dict[str, Any], zh: str, en: str) -> Callable[[Any], Any]:
    """A parser for one of the names in `table` (exactly or in lower case); `zh`/`en` is the reason."""

    def parse(value: Any) -> Any:
        name = text(value)
        found = table.get(name, table.get(name.lower()))
        if found is None:
            raise BadValue(zh, en)
        return found

    return parse


YES_NO = {"是": True, "否": False, "yes": True, "no": False, "y": True, "n": False, "true": True, "false": False}
YES_NO |= {"1": True, "0": False}
yes_no = choice(YES_NO, "应填“是”或“否”", "write 是 (yes) or 否 (no)")

_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_DATE8 = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def date_value(value: Any) -> date:
    """A date cell, or one written YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD, YYYY年MM月DD日 or YYYYMMDD."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    written = code(value)
    match = _DATE.match(written) or _DATE8.match(written)
    if not match:
        raise BadValue(
            "日期格式应为YYYY-MM-DD、YYYY/MM/DD或YYYY年MM月DD日",
            "a date is written YYYY-MM-DD, YYYY/MM/DD or YYYY年MM月DD日",
        )
    try:
        return date(*map(int, match.groups()))
    except ValueError:
        raise BadValue("日期不存在", "no such date") from None


# --- the problems ---------------------------------------------------------------------------------


class RowChecker:
    """Checks the rows of one file, collecting each bad value as a problem under its column's label."""

    def __init__(self, problems: list[FieldProblem], labels: dict[str, str]) -> None:
        self.problems, self.labels = problems, labels

    def problem(self, key: str, value: Any, zh: str, en: str, row: int | None) -> None:
        self.problems.append(FieldProblem(column=self.labels[key], value=text(value), zh=zh, en=en, row=row))

    def parse(
        self, n: int, record: dict[str, Any], parsers: dict[str, Callable[[Any], Any]]
    ) -> tuple[dict[str, Any], set[str]]:
        """Row `n`'s non-empty cells as typed values, and the keys of the cells refused (each a problem)."""
        values: dict[str, Any] = {}
        refused: set[str] = set()
        for key, raw in record.items():
            if raw is None or (isinstance(raw, str) and not raw.strip()):  # blank(raw), inlined: once a cell
                continue
            try:
                values[key] = parsers[key](raw)
            except BadValue as exc:
                refused.add(key)
                self.problem(key, raw, exc.zh, exc.en, n)
        return values, refused


# --- at the command line -------------------------------------------------------------------------


class _ProgressBars:
    """A `ProgressFactory` for a command: one progress bar per phase on `stream`."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.bars: list[tqdm] = []

    def __call__(self, phase: str, total: int) -> Callable[[int], None]:
        self.close()
        self.bars.append(tqdm(total=total, desc=phase, unit="行", file=self.stream, dynamic_ncols=True))
        return self.bars[-1].update

    def close(self) -> None:
        for bar in self.bars:
            bar.close()
        self.bars.clear()


def problem_table(problems: list[FieldProblem]) -> str:
    """Problems (or warnings) as lines `row | column | value | reason zh / en`, the first 200 of them."""
    lines = ["行 row | 列 column | 值 value | 原因 reason"]
    for p in problems[:MOST_SHOWN]:
        kind = "警告 warning: " if p.warning else ""
        row = "" if p.row is None else str(p.row)
        lines.append(f"{row} | {p.column} | {p.value} | {kind}{p.zh} / {p.en}")
    if len(problems) > MOST_SHOWN:
        lines.append(f"… 另有 {len(problems) - MOST_SHOWN} 处 / {len(problems) - MOST_SHOWN} more")
    return "\n".join(lines)


@contextmanager
def all_or_nothing(stderr: Any, file_name: str, nothing_zh: str, nothing_en: str) -> Iterator[ProgressFactory]:
    """Run a command's import of `file_name` with progress bars on `stderr`.

    If the import refuses the file (`InvalidInput`), print its problems and raise `CommandError`
    ending with `nothing_zh` / `nothing_en`; any other `DomainError` becomes a `CommandError` too.
    """
    progress = _ProgressBars(stderr._out)
    try:
        yield progress
    except InvalidInput as exc:
        progress.close()
        stderr.write(problem_table(exc.problems))
        n = len(exc.problems)
        raise CommandError(f"{file_name}: {n} 处错误，{nothing_zh} / {n} error(s), {nothing_en}") from None
    except DomainError as exc:
        progress.close()
        raise CommandError(f"{file_name}: {exc.zh} / {exc.en}") from None
    progress.close()
