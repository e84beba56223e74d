"""The dashboard as an .xlsx workbook for reporting upward: a sheet 说明 (title, document, unit,
date, who exported, the definitions), then one sheet per table, each headed by the title, the
unit (人次) and the date the figures stand at. Every cell passes through core/exports.py, so no
text becomes a formula; numbers stay numbers (percentages with one decimal)."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from skillfund.core.exports import xlsx_row
from skillfund.reports.progress import Progress
from skillfund.web.dashboard import tables as t

_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
_BOLD = Font(bold=True)
PERCENT_FORMAT = "0.0"
COUNT_FORMAT = "#,##0"
HEADER_ROWS = 5  # title, unit and date, reporting unit, the table's heading, a blank line


def _header(sheet, progress: Progress, heading: str, unit_name: str) -> int:
    """The rows every sheet starts with; returns the row the table's head goes in."""
    sheet.append(xlsx_row(sheet, [t.title(progress)]))
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append(
        xlsx_row(
            sheet,
            [
                _("Document: %(document)s. Unit: person-times. Figures as of %(date)s.")
                % {"document": progress.programme.document_number, "date": progress.as_of.isoformat()}
            ],
        )
    )
    sheet.append(xlsx_row(sheet, [_("Reporting unit: %(unit)s") % {"unit": unit_name}]))
    sheet.append(xlsx_row(sheet, [heading]))
    sheet["A4"].font = _BOLD
    sheet.append([])
    return HEADER_ROWS + 1


def _sheet_names() -> dict[str, str]:
    return {
        "stages": _("Stages"),
        "months": _("By month"),
        "departments": _("By department"),
        "districts": _("By district"),
        "types": _("By training type"),
        "kinds": _("By kind of claim"),
        "ratios": _("Skill ratios"),
    }


def render(progress: Progress, *, unit_name: str) -> bytes:
    workbook = Workbook()
    about = workbook.active
    about.title = _("About")[:31]
    _header(about, progress, _("About"), unit_name)
    for note in [t.count_note(), t.forecast_note(), *([t.ratio_note()] if progress.city_wide else [])]:
        about.append(xlsx_row(about, [note]))
        about.cell(row=about.max_row, column=1).alignment = Alignment(wrap_text=True, vertical="top")
    about.column_dimensions["A"].width = 120
    names = _sheet_names()
    for table in t.tables(progress):
        sheet = workbook.create_sheet(names.get(table.key, table.key)[:31])
        first = _header(sheet, progress, table.title, unit_name)
        sheet.append(xlsx_row(sheet, [c.head for c in table.columns]))
        for cell in sheet[first]:
            cell.font, cell.fill = _BOLD, _HEAD_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        for line in table.lines:
            cells = list(line.cells)
            if line.level and isinstance(cells[0], str):
                cells[0] = "    " + cells[0]
            _append(sheet, cells, table)
        if table.total is not None:
            _append(sheet, table.total, table)
            for cell in sheet[sheet.max_row]:
                cell.font = _BOLD
        for note in table.notes:
            sheet.append([])
            sheet.append(xlsx_row(sheet, [note]))
        for n, column in enumerate(table.columns, start=1):
            sheet.column_dimensions[get_column_letter(n)].width = 14 if column.numeric else 30
        sheet.freeze_panes = sheet.cell(row=first + 1, column=2)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _append(sheet, cells: list[Any], table: t.Table) -> None:
    sheet.append(xlsx_row(sheet, cells))
    for cell, value, column in zip(sheet[sheet.max_row], cells, table.columns, strict=True):
        if isinstance(value, Decimal):
            cell.number_format = PERCENT_FORMAT
        elif isinstance(value, int):
            cell.number_format = COUNT_FORMAT
        if column.numeric:
            cell.alignment = Alignment(horizontal="right")
