"""The downloadable roster template (.xlsx) that `registry.importing` reads.

Sheet 人员名册 has the headers and one example row (its name starts with 示例, and the importer
refuses that row, so a template sent back unedited writes nothing). Sheet 填写说明 explains each
column and lists the allowed 人员类别.
"""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from skillfund.core.exports import xlsx_row
from skillfund.registry.importing import COLUMNS, EXAMPLE_PREFIX, STATUS_NAMES_ZH
from skillfund.registry.models import StatusKind

EXAMPLE_ROW = {
    "name": f"{EXAMPLE_PREFIX}张三",
    "id_number": "150602199001011238",
    "phone": "13800000000",
    "hukou_region": "150602",
    "hukou_rural": "农业",
    "residence_region": "150602",
    "job_region": "150602",
    "receives_pension": "否",
    "kind": STATUS_NAMES_ZH[StatusKind.POOR_LABOURER][0],
    "valid_from": "2020-01-01",
    "valid_to": "2020-12-31",
    "source_document": "鄂尔多斯市建档立卡贫困劳动力名单（2020）",
}
# Cells Excel would otherwise turn into numbers (an 18-digit ID loses its last digits).
TEXT_COLUMNS = {"id_number", "phone", "hukou_region", "residence_region", "job_region"}
_REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def template_bytes() -> bytes:
    """The .xlsx template, ready to send as a download."""
    wb = Workbook()
    sheet = wb.active
    sheet.title = "人员名册"
    sheet.append(xlsx_row(sheet, [column.zh for column in COLUMNS]))
    sheet.append(xlsx_row(sheet, [EXAMPLE_ROW[column.key] or None for column in COLUMNS]))
    for i, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(i)
        cell = sheet.cell(row=1, column=i)
        cell.font = Font(bold=True)
        cell.fill = _REQUIRED_FILL if column.required else _HEADER_FILL
        example = sheet.cell(row=2, column=i)
        if column.key in TEXT_COLUMNS:
            example.number_format = "@"
            sheet.column_dimensions[letter].number_format = "@"
        sheet.column_dimensions[letter].width = max(12, len(column.zh) * 2 + 2)
    sheet.freeze_panes = "A2"
    letters = {c.key: get_column_letter(i) for i, c in enumerate(COLUMNS, start=1)}
    _dropdown(sheet, letters["hukou_rural"], ["农业", "非农业"])
    _dropdown(sheet, letters["receives_pension"], ["是", "否"])
    _dropdown(sheet, letters["kind"], [names[0] for names in STATUS_NAMES_ZH.values()])

    notes = wb.create_sheet("填写说明")
    rows: list[list[str]] = [["列名", "English", "必填", "填写要求", "Format"]]
    rows += [[c.zh, c.en, "是" if c.required else "", c.help_zh, c.help_en] for c in COLUMNS]
    rows += [[], ["说明", "Notes"]]
    for zh, en in (
        (
            "一个单元格可填写多个人员类别（用、分隔）；也可以同一人写两行，人员信息相同。",
            "Several statuses in one cell (separated by 、), or one row per status repeating the person's columns.",
        ),
        (
            "类别起始日期不填时，按表头的填报日期计，没有填报日期则按导入日期；常住地不填时按户籍所在地。",
            "An empty 类别起始日期 is the sheet's 填报日期, else the import date; an empty 常住地 is the 户籍所在地.",
        ),
        (
            "户籍所在地、常住地可写地名（如 内蒙古自治区鄂尔多斯市达拉特旗）或6位区划代码。",
            "户籍所在地 and 常住地 may be place names (province, prefecture, county) or 6-digit codes.",
        ),
        ("没有人员类别的人员写一行，类别各列留空。", "A person without a status: one row, status columns empty."),
        ("日期格式：YYYY-MM-DD、YYYY/MM/DD 或 YYYY年MM月DD日。", "Dates: YYYY-MM-DD, YYYY/MM/DD or YYYY年MM月DD日."),
        ("空白单元格表示“未填写”，不会清除已登记的信息。", "An empty cell never clears registered information."),
        (f"请删除以“{EXAMPLE_PREFIX}”开头的示例行。", "Delete the example row before importing."),
        ("任一行有错误时整个文件都不会导入。", "If any row is wrong, nothing is imported."),
        (
            "人员类别由导入名册的本单位认定，只能认定本单位有权认定的类别；培训机构和企业的名册只作申报，经认定单位核实后生效。",
            "Statuses are asserted by the importing unit, for the kinds it may assert; an institution's or "
            "enterprise's roster only declares them until the asserting unit confirms.",
        ),
    ):
        rows.append([zh, en])
    rows += [[], ["人员类别", "代码 code", "也可填写 also accepted"]]
    rows += [[STATUS_NAMES_ZH[kind][0], kind.value, "、".join(STATUS_NAMES_ZH[kind][1:])] for kind in StatusKind]
    for row in rows:
        notes.append(xlsx_row(notes, row))
    for row in notes.iter_rows(min_row=1, max_row=1):
        for cell in row:
            cell.font = Font(bold=True)
    for letter, width in zip("ABCDE", (26, 20, 8, 44, 48), strict=True):
        notes.column_dimensions[letter].width = width
    for row in notes.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")

    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _dropdown(sheet, letter: str, values: list[str]) -> None:
    # Excel limits an inline list to 255 characters; the status list fits.
    rule = DataValidation(type="list", formula1='"' + ",".join(values) + '"', allow_blank=True)
    rule.error, rule.errorTitle, rule.showErrorMessage = "请从列表中选择", "无效的值", False
    sheet.add_data_validation(rule)
    rule.add(f"{letter}2:{letter}10000")
