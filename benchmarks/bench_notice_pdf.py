"""A public notice of 10,000 claims rendered to PDF — target ≤ 30 s.

The entries are built in memory (already masked, as a notice stores them): the figure is the
rendering alone, which is what the public download does for a published notice. No database.

    .venv/bin/python benchmarks/bench_notice_pdf.py            # --rows 10000 --out /tmp/notice.pdf
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from skillfund.notices.masking import mask_name
from skillfund.notices.pdf import NoticeDocument, page_count, render

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严欧莫孔向常汤康易乔赖文"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌宇浩凯鹏飞晨阳雪梅琳海燕"
TRAININGS = (
    "电工（五级/初级工）",
    "焊工（四级/中级工）",
    "育婴员（五级/初级工）",
    "中式烹调师（四级/中级工）",
    "农业技术员（新型职业农牧民培育）",
    "煤矿安全生产技能培训（特种作业操作证）",
    "创业培训（SYB）",
    "家政服务员（专项职业能力）",
)
DEPARTMENTS = ("市人社局", "市应急管理局", "市教体局", "市农牧局", "市残联", "市总工会", "市退役军人事务局")


def build(rows: int, seed: int = 7) -> NoticeDocument:
    rng = random.Random(seed)
    entries = []
    for n in range(1, rows + 1):
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2, 3))))
        masked_id = f"1506{rng.randint(0, 99):02d}********{rng.randint(0, 9999):04d}"
        amount = Decimal(rng.choice((600, 800, 1200, 1500, 2000, 3000))) + Decimal(rng.choice((0, 0, 250, 500)))
        entries.append((n, mask_name(name), masked_id, rng.choice(TRAININGS), amount, rng.choice(DEPARTMENTS)))
    return NoticeDocument(
        reference="GS-20201009-BENCH1",
        title="鄂尔多斯市2020年第三批职业技能提升行动培训补贴公示",
        units=(*DEPARTMENTS[1:], "市人社局"),
        published_on=date(2020, 9, 30),
        opens_on=date(2020, 10, 9),
        closes_on=date(2020, 10, 14),
        working_days=5,
        contact="市人社局职业能力建设科，电话0477-0000000，地址：康巴什区市人力资源和社会保障局（示例）",
        rows=entries,
        total=sum((e[4] for e in entries), Decimal("0.00")),
        objection_url="https://skillfund.example/public/notices/GS-20201009-BENCH1/",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--out", type=Path, default=None, help="write the PDF here")
    args = parser.parse_args()

    started = time.perf_counter()
    doc = build(args.rows)
    built = time.perf_counter() - started
    started = time.perf_counter()
    data = render(doc)
    rendered = time.perf_counter() - started
    if args.out:
        args.out.write_bytes(data)
    print(f"entries              {args.rows:,}")
    print(f"build entries        {built:.2f} s (in memory, not part of the target)")
    print(f"render PDF           {rendered:.2f} s  (target ≤ 30 s)")
    print(f"pages                {page_count(doc):,}")
    print(f"size                 {len(data) / 1_048_576:.1f} MiB")


if __name__ == "__main__":
    main()
