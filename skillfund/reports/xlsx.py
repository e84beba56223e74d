"""The disclosure as an .xlsx workbook: a sheet 说明 (document, period, notes), then one sheet per
table, each headed by the document (鄂就组发〔2019〕1号 §4.3.a) and the period. Money cells are
numbers (format #,##0.00) so they can be summed again; withheld cells are the text "<3" or "—".

The input is a `Disclosure` (plain numbers, small cells already withheld): no database is read.
"""

from __future__ import annotations

import io
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from skillfund.core.exports import xlsx_row
from skillfund.reports import tables as t
from skillfund.reports.selectors import Disclosure

SHEET_NAMES = {
    "summary": "收支总表",
    "sources": "资金来源",
    "departments": "按部门",
    "types": "按培训类型",
    "districts": "按旗区",
}
_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
_BOLD = Font(bold=True)
MONEY_FORMAT = "#,##0.00"


def _header(sheet, d: Disclosure, heading: str) -> int:
    """Title, document and period, and the table's own heading; returns the next free row."""
    sheet.append(xlsx_row(sheet, [t.title(d)]))
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append(xlsx_row(sheet, [t.subtitle(d)]))
    sheet.append(xlsx_row(sheet, [heading]))
    sheet["A3"].font = _BOLD
    sheet.append([])
    return 5


def render(d: Disclosure) -> bytes:
    workbook = Workbook()
    about = workbook.active
    about.title = "说明"
    _header(about, d, "说明")
    for note in t.notes(d):
        about.append(xlsx_row(about, [note]))
        about.cell(row=about.max_row, column=1).alignment = Alignment(wrap_text=True, vertical="top")
    about.column_dimensions["A"].width = 120
    for table in t.tables(d):
        sheet = workbook.create_sheet(SHEET_NAMES[table.key])
        first = _header(sheet, d, table.title)
        sheet.append(xlsx_row(sheet, [c.head for c in table.columns]))
        for cell in sheet[first]:
            cell.font, cell.fill = _BOLD, _HEAD_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        for row in table.rows:
            _append(sheet, row)
        if table.total is not None:
            _append(sheet, table.total)
            for cell in sheet[sheet.max_row]:
                cell.font = _BOLD
        for n, column in enumerate(table.columns, start=1):
            sheet.column_dimensions[get_column_letter(n)].width = 16 if column.numeric else 40
        sheet.freeze_panes = sheet.cell(row=first + 1, column=1)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _append(sheet, row: list[t.Cell]) -> None:
    sheet.append(xlsx_row(sheet, row))  # Decimal cells are written exactly, as numbers
    for cell, value in zip(sheet[sheet.max_row], row, strict=True):
        if isinstance(value, Decimal):
            cell.number_format = MONEY_FORMAT
        elif isinstance(value, str) and cell.column > 1:
            cell.alignment = Alignment(horizontal="right")
