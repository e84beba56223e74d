"""Office-layout roster benchmark: 100,000 persons in the layout training offices send, .xlsx into
PostgreSQL through `roster_import` (issue #9; target ≤ 30 s).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/skillfund_bench_roster .venv/bin/python benchmarks/roster_office_layout.py

The file: a merged title, a 填报单位/填报日期 row, the 10 office columns on row 3 (序号 姓名 性别 民族
身份证号码 文化程度 人员类别 户籍所在地 联系电话 备注), 户籍所在地 as place names at every depth and
in short forms, 人员类别 in office wording (one in five cells with two categories), one in fifty ID
numbers in the old 15-digit form, no 常住地 and no 类别起始日期 (both defaulted), and the footer lines.
The database (its name must start with `skillfund_bench`) is dropped, created and migrated, and
dropped again unless --keep. Prints read / validate / write seconds.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from bench_import import recreate_database, setup_django  # noqa: E402 (after the path is set)

# (code, how offices write it) — the code is what the ID numbers use, so sexes and places agree.
PLACES = [
    ("150602", "内蒙古自治区鄂尔多斯市东胜区"),
    ("150603", "鄂尔多斯市康巴什区"),
    ("150621", "达拉特旗"),
    ("150622", "内蒙古鄂尔多斯市准格尔旗"),
    ("150623", "鄂尔多斯鄂托克前旗"),
    ("150624", "鄂托克旗"),
    ("150625", "杭锦旗"),
    ("150626", "乌审旗"),
    ("150627", "伊金霍洛旗"),
    ("150202", "包头市东河区"),
    ("420102", "湖北省武汉市江岸区"),
    ("610113", "陕西省西安市雁塔区"),
]
CATEGORIES = [
    "城镇登记失业人员",
    "农村牧区转移劳动力",
    "企业职工",
    "建档立卡贫困户",
    "退役士兵",
    "高校毕业生",
    "残疾人",
    "两后生",
    "农牧民",
    "脱贫人口",
]
HEADER = ["序号", "姓名", "性别", "民族", "身份证号码", "文化程度", "人员类别", "户籍所在地", "联系电话", "备注"]


def person(i: int) -> list:
    from stdnum.cn import ric

    code, place = PLACES[i % len(PLACES)]
    rest = i // len(PLACES)
    birth = date(1960, 1, 1) + timedelta(days=rest % 14000)
    seq = rest // 14000 * 10 + i % 10
    if i % 50 == 7:  # an old 15-digit number: yymmdd, 3-digit sequence
        number = f"{code}{birth:%y%m%d}{seq % 1000:03d}"
        sex_digit = int(number[-1])
    else:
        body = f"{code}{birth:%Y%m%d}{seq % 1000:03d}"
        number = body + ric.calc_check_digit(body + "0")
        sex_digit = int(number[16])
    category = CATEGORIES[i % len(CATEGORIES)]
    if i % 5 == 0:
        category += "、" + CATEGORIES[(i + 3) % len(CATEGORIES)]
    return [
        i + 1,
        f"测试{i}",
        "男" if sex_digit % 2 else "女",
        "汉族",
        number,
        "高中",
        category,
        place,
        f"138{i:08d}",
        "",
    ]


def write_xlsx(path: Path, n: int) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    sheet = wb.active
    sheet.append([f"鄂尔多斯市职业技能培训人员花名册（{n}人）"])
    sheet.merge_cells("A1:J1")
    sheet.append(["填报单位：鄂尔多斯市就业服务中心", None, None, None, None, "填报日期：2019年12月5日"])
    sheet.append(HEADER)
    for i in range(n):
        sheet.append(person(i))
    sheet.append(["合计", None, f"共{n}人"])
    sheet.append(["制表人：王芳", None, None, None, "审核人：李明"])
    sheet.append(["联系电话：0477-5216688"])
    sheet.append(["填表说明：户籍所在地填写到旗县区。"])
    wb.save(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database afterwards")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/skillfund_bench_roster")
    recreate_database(url)
    setup_django(url)

    from skillfund.organizations.models import Organization
    from skillfund.registry.importing import roster_import
    from skillfund.registry.models import DeclaredCategory, Person
    from tests.factories import OrganizationFactory

    institution = OrganizationFactory(name="基准测试培训学校", kind=Organization.Kind.TRAINING_INSTITUTION)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "roster-office-layout.xlsx"
        t = time.perf_counter()
        write_xlsx(path, args.rows)
        size = path.stat().st_size / 1e6
        print(f"generate {args.rows:,} office-layout rows to .xlsx ({size:.1f} MB): {time.perf_counter() - t:.1f} s")

        for run in ("first import", "re-import (no changes)"):
            marks: dict[str, tuple[float, float]] = {}

            def progress(phase: str, total: int, marks=marks):
                marks[phase] = (time.perf_counter(), time.process_time())
                return lambda n: None

            t0, c0 = time.perf_counter(), time.process_time()
            result = roster_import(actor=None, file=path, organization=institution, progress=progress)
            end, c_end = time.perf_counter(), time.process_time()
            (v, cv), (w, cw) = marks["校验 validating"], marks["写入 writing"]
            print(
                f"{run}: total {end - t0:.1f} s = read .xlsx + layout {v - t0:.1f} s + validate {w - v:.1f} s "
                f"+ write {end - w:.1f} s  (persons created {result.persons_created:,}; "
                f"rows skipped {len(result.report.skipped)}; warnings {len(result.warnings):,})"
            )
            print(
                f"  this process's CPU: {c_end - c0:.1f} s = {cv - c0:.1f} + {cw - cv:.1f} + {c_end - cw:.1f} s "
                f"(the rest of the wall time is PostgreSQL and other processes; load average "
                f"{os.getloadavg()[0]:.1f})"
            )
        print(
            f"database now holds {Person.objects.count():,} persons, "
            f"{DeclaredCategory.objects.count():,} declared categories"
        )

    from django.db import connection

    connection.close()
    if not args.keep:
        recreate_database(url, drop_only=True)


if __name__ == "__main__":
    main()
