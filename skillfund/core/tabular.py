"""Reading spreadsheet-like files whose every row is checked before anything is written.

Shared by the roster import (`registry.importing`) and the claims file (`claims.claimfile`):

- `read_bytes` and `sheet_rows` / `jsonl_records` turn a path, bytes or upload into rows, each with
  its spreadsheet row number (.xlsx by python-calamine, .csv in UTF-8 or GB18030, .jsonl);
  the file type is told by content first and by name second.
- `Headers` and `read_header` match a header row to columns by their Chinese or English names.
- `text`, `code`, `date_value`, `region`, `id_number`, `amount`, `yes_no`, `choice` and
  `text_at_most` turn one cell into a typed value or raise `BadValue` with the reason in zh and en.
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
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from tqdm import tqdm

from skillfund.catalog.loading import parse_standard
from skillfund.core.errors import DomainError, FieldProblem, InvalidInput
from skillfund.regions.codes import PROVINCE_PREFIXES
from skillfund.registry import idnumbers

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


def sheet_rows(data: bytes, name: str, *, sheet: str | None = None) -> list[list[Any]]:
    """All rows of an .xlsx or .csv file as lists of cells (spreadsheet row n is index n-1).

    A workbook is read from its sheet named `sheet` if it has one, else from its first sheet.
    """
    suffix = Path(name).suffix.lower()
    if not data.strip():
        raise FileError("文件为空", "the file is empty")
    if data[:4] == b"PK\x03\x04" or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return _excel_rows(data, sheet)
    if suffix in (".xlsx", ".xlsm", ".xls"):
        raise FileError(
            f"文件扩展名为{suffix}，但内容不是Excel工作簿", f"the file is named {suffix} but is not an Excel workbook"
        )
    if suffix not in ("", ".csv", ".txt"):
        raise FileError("只能导入.xlsx或.csv文件", "only .xlsx and .csv files can be imported")
    if b"\x00" in data[:8192]:
        raise FileError("文件不是Excel工作簿，也不是CSV文本", "the file is neither an Excel workbook nor CSV text")
    return _csv_rows(data)


def _excel_rows(data: bytes, sheet: str | None) -> list[list[Any]]:
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        found = workbook.get_sheet_by_name(sheet) if sheet in workbook.sheet_names else workbook.get_sheet_by_index(0)
        return found.to_python(skip_empty_area=False)
    except (CalamineError, ValueError, OSError) as exc:
        raise FileError(
            "无法读取Excel工作簿（文件损坏、加密或不是Excel文件）",
            f"cannot read the Excel workbook (damaged, encrypted or not Excel): {exc}",
        ) from None


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
    """The header: the first of the top ten rows that names at least two known columns.

    Offices often put a title such as 某某单位培训人员花名册 above it. Raises `FileError` if no row
    does. A header naming no column is a warning; one naming a column again is left in `repeats`.
    """
    at = next(
        (i for i, row in enumerate(table[:10]) if sum(1 for cell in row if headers.key(text(cell))) >= 2),
        None,
    )
    if at is None:
        expected = "、".join(c.zh for c in headers.columns if c.required)
        raise FileError(
            f"找不到表头：第1行应为列名（{expected}…）", f"no header row: row 1 should name the columns ({expected}…)"
        )
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


def missing_columns(missing: list[Column]) -> FileError:
    return FileError(
        "缺少必填列：" + "、".join(c.zh for c in missing),
        "missing required columns: " + ", ".join(f"{c.zh} ({c.en})" for c in missing),
    )


def blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def filled(row: list[Any]) -> bool:
    return not all(blank(cell) for cell in row)


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
_NUMBERISH = re.compile(r"^\d(\.\d+)?E\+?\d+$", re.IGNORECASE)


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


def region(value: Any) -> str:
    """A 6-digit region code (GB/T 2260) of a province that exists."""
    found = code(value)
    if len(found) != 6 or not found.isdigit():
        raise BadValue("区划代码应为6位数字", "a region code has 6 digits")
    if found[:2] not in PROVINCE_PREFIXES:
        raise BadValue(f"省级代码{found[:2]}不存在", f"no province has the code {found[:2]}")
    return found


def id_number(value: Any, today: date) -> idnumbers.IdNumber:
    """A 公民身份号码; refused if the spreadsheet stored it as a number (its last digits are lost)."""
    if (isinstance(value, int | float) and not isinstance(value, bool)) or _NUMBERISH.match(text(value)):
        raise BadValue(
            "身份证号码被存成了数字，后几位已丢失；请把该列设为文本格式后重新填写",
            "the ID number was stored as a number and lost its last digits; format the column as text",
        )
    try:
        return idnumbers.parse(code(value), today=today)
    except idnumbers.InvalidIdNumber as exc:
        raise BadValue(exc.zh, exc.en) from None


def amount(value: Any) -> Decimal:
    """An amount in CNY: not negative, at most 2 decimals (`catalog.loading.parse_standard`)."""
    if isinstance(value, bool):
        raise BadValue("不是金额", "not an amount")
    try:
        return parse_standard(value)
    except ValueError as exc:
        zh, _, en = str(exc).partition(" / ")
        raise BadValue(zh, en or zh) from None


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
