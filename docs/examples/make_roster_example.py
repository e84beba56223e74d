"""Write docs/examples/roster-office-layout.xlsx: a roster in the layout training offices send.

    .venv/bin/python docs/examples/make_roster_example.py

A merged title, a 填报单位/填报日期 row, the header on row 3 (序号 姓名 性别 民族 身份证号码 文化程度
人员类别 户籍所在地 联系电话 备注), place names, office wording of 人员类别 (two in one cell), a 15-digit
old ID number, one 人员类别 and one 户籍所在地 merged over two rows, and the footer lines. The ID
numbers are made up (valid check characters, no real person).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.office_roster import office_roster  # noqa: E402 (after the path is set)

if __name__ == "__main__":
    out = ROOT / "docs" / "examples" / "roster-office-layout.xlsx"
    out.write_bytes(office_roster())
    print(out)
