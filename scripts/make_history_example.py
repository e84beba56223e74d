"""Write docs/examples/past-subsidies.csv: the example file of README "Recording past subsidies".

    .venv/bin/python scripts/make_history_example.py

The two persons must be registered first (their ID numbers are valid, made up: GB 11643 check
character); the README shows how.
"""

from __future__ import annotations

import csv
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "docs" / "examples" / "past-subsidies.csv"
HEADER = [
    "公民身份号码",
    "姓名",
    "职业（工种）",
    "等级",
    "证书类型",
    "证书编号",
    "培训结束日期",
    "补贴金额",
    "发放单位",
    "来源系统",
]
PROVINCE = "内蒙古职业技能提升行动管理系统"
EARLIER = "鄂尔多斯市2016—2018年职业培训补贴项目"
ROWS = [
    [
        "150621198503120017",
        "高娃",
        "6-31-01-03",
        "高级工",
        "职业技能等级证书",
        "S1506210018001",
        "2018-10-20",
        "2000.00",
        "达拉特旗人力资源和社会保障局",
        PROVINCE,
    ],
    [
        "150621198503120017",
        "高娃",
        "保育师",
        "专项能力",
        "专项职业能力证书",
        "ZX2017-0612",
        "2017-06-12",
        "800",
        "达拉特旗就业服务中心",
        EARLIER,
    ],
    [
        "150602199007080023",
        "李明",
        "中式烹调师",
        "初级",
        "职业技能等级证书",
        "S1506020020315",
        "2020-03-15",
        "1000.00",
        "东胜区人力资源和社会保障局",
        PROVINCE,
    ],
    [
        "150602199007080023",
        "李明",
        "电工",
        "4",
        "职业资格证书",
        "0915040002388",
        "2019年8月30日",
        "1600",
        "鄂尔多斯市人力资源和社会保障局",
        EARLIER,
    ],
]


def main() -> None:
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8-sig", newline="") as f:  # with BOM: Excel opens it as UTF-8
        writer = csv.writer(f)
        writer.writerow(HEADER)
        writer.writerows(ROWS)
    print(OUT)


if __name__ == "__main__":
    main()
