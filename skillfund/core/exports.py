"""The one place that writes spreadsheet cells, so that no export can attack its reader.

A spreadsheet runs a cell as a formula when its text starts with = + - @ (also after spaces) or
with a tab, CR or LF (CSV injection, OWASP). Every .csv and .xlsx the platform writes passes its
cells through here:

- CSV: `cell_text` / `csv_row` put a single quote before such text (OWASP's advice; a spreadsheet
  shows the text, the quote is visible in the file and harmless to a program reading it).
- xlsx: `xlsx_cell` / `xlsx_row` store every string as a string cell (openpyxl would otherwise
  store "=…" as a formula) and mark formula-like text quotePrefix, Excel's own "this is text"
  flag, so it stays text even when someone edits the cell. The text itself is kept exactly, so a
  reference read back from the workbook is the reference written.

Numbers (int, Decimal), dates and None are left as they are: numbers stay numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell

FORMULA_STARTS = ("=", "+", "-", "@")
CONTROL_STARTS = ("\t", "\r", "\n")


def formula_like(value: Any) -> bool:
    """Text a spreadsheet could run as a formula."""
    return isinstance(value, str) and (value.startswith(CONTROL_STARTS) or value.lstrip().startswith(FORMULA_STARTS))


def cell_text(value: Any) -> Any:
    """A CSV cell: formula-like text behind a single quote, anything else unchanged."""
    return "'" + value if formula_like(value) else value


def csv_row(values: Iterable[Any]) -> list[Any]:
    return [cell_text(value) for value in values]


@cache
def _new_cell() -> Callable[..., Cell]:
    # openpyxl takes 0.7 s to import: only a command that writes a workbook should pay for it.
    from openpyxl.cell import WriteOnlyCell

    return WriteOnlyCell


def xlsx_cell(sheet: Any, value: Any, *, number_format: str | None = None) -> Cell:
    """A cell for `sheet.append` (write-only or normal sheet): text always a string, never a formula."""
    cell = _new_cell()(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl would store "=…" as a formula
        if formula_like(value):
            cell.quotePrefix = True
    if number_format is not None:
        cell.number_format = number_format
    return cell


def xlsx_row(sheet: Any, values: Iterable[Any]) -> list[Cell]:
    return [xlsx_cell(sheet, value) for value in values]
