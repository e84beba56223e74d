"""A roster in the layout Chinese training offices send (issue #9), built with openpyxl.

Also used by benchmarks/roster_office_layout.py and docs/examples/make_roster_example.py.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import date

from openpyxl import Workbook

from tests.idgen import make_id

OFFICE_HEADER = ["序号", "姓名", "性别", "民族", "身份证号码", "文化程度", "人员类别", "户籍所在地", "联系电话", "备注"]
TITLE = "达拉特旗2020年职业技能培训人员花名册"
ID_1 = make_id("150602", date(1990, 1, 1), 123)  # a man (17th digit odd)
ID_2 = make_id("150621", date(1985, 6, 15), 240)  # a woman
ID_3 = make_id("150627", date(2001, 2, 28), 131)
OLD_15 = "420102720315121"  # 15 digits, 1972-03-15, Wuhan 江岸区
ID_5 = make_id("150627", date(1995, 7, 1), 151)
ID_6 = make_id("150627", date(1996, 8, 2), 162)

PERSONS = [
    ["张三", "男", "汉族", ID_1, "高中", "城镇登记失业人员", "内蒙古自治区鄂尔多斯市东胜区", "13800000001", ""],
    ["李四", "女", "蒙古族", ID_2, "初中", "农村牧区转移劳动力", "达拉特旗", "13800000002", ""],
    ["王五", "男", "汉族", ID_3, "大专", "企业职工、残疾人", "鄂尔多斯市东胜区", "13800000003", "低保"],
    ["赵六", "男", "汉族", OLD_15, "小学", "农牧民", "湖北省武汉市江岸区", "13800000004", ""],
    ["孙七", "男", "汉族", ID_5, "高中", "退役士兵", "伊金霍洛旗", "13800000005", ""],  # 人员类别 and 户籍所在地
    ["周八", "女", "汉族", ID_6, "高中", None, None, "13800000006", ""],  # merged down from 孙七's row
]


def office_roster(
    persons: Iterable[list] = PERSONS,
    *,
    report_date: str | None = "2019年12月5日",
    merges: Iterable[str] = ("G8:G9", "H8:H9"),
    footer: bool = True,
) -> bytes:
    """Title merged across A:J, a 填报单位/填报日期 row, the 10 office columns on row 3, persons from
    row 4, then the footer lines. `merges` are data-area merges (the default: 孙七 and 周八 share one
    人员类别 and one 户籍所在地)."""
    wb = Workbook()
    sheet = wb.active
    sheet.title = "Sheet1"
    sheet.append([TITLE])
    sheet.merge_cells("A1:J1")
    sheet.append(["填报单位：达拉特旗就业服务中心", None, None, None, None, f"填报日期：{report_date or ''}"])
    sheet.merge_cells("A2:E2")
    sheet.merge_cells("F2:J2")
    sheet.append(OFFICE_HEADER)
    persons = list(persons)
    for i, person in enumerate(persons, start=1):
        sheet.append([i, *person])
        sheet.cell(row=sheet.max_row, column=5).number_format = "@"
    for merge in merges:
        sheet.merge_cells(merge)
    if footer:
        sheet.append(["合计", None, f"共{len(persons)}人"])
        sheet.append(["制表人：王芳", None, None, None, "审核人：李明"])
        sheet.append(["联系电话：0477-5216688"])
        sheet.append(["填表说明：1.户籍所在地填写到旗县区；2.人员类别按城镇登记失业人员、农村牧区转移劳动力等填写。"])
        sheet.merge_cells(f"A{sheet.max_row}:J{sheet.max_row}")
        sheet.append([None, "3.身份证号码请设为文本格式。"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
