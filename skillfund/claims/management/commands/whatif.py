"""`skillfund whatif --set annual_cap=2 [--batch RUN | --year 2020] [--out report.xlsx]`: re-decide
past claims under changed parameters and print the difference in money and beneficiaries."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from skillfund.claims.whatif import Comparison, WhatIfReport, report_rows, what_if
from skillfund.core import exports
from skillfund.core.errors import DomainError


def _assignment(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip() or not value.strip():
        raise ValueError(text)
    return name.strip(), value.strip()


class Command(BaseCommand):
    help = "What if the parameters were different? Re-decide past claims and compare, by department and group"

    def add_arguments(self, parser):
        parser.add_argument(
            "--set",
            dest="changes",
            action="append",
            type=_assignment,
            required=True,
            metavar="NAME=VALUE",
            help="a changed parameter (policy_data/parameters/NAME.yaml); repeat for several; groups as a,b,c",
        )
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--batch", help="only the claims of this run (batch) id")
        which.add_argument("--year", type=int, help="only the claims whose training ended in this year")
        parser.add_argument("--on", type=date.fromisoformat, help="the changes apply from this date (default: always)")
        parser.add_argument("--out", type=Path, help="also write the tables to a .xlsx or .csv file")

    def handle(self, *args, changes: list[tuple[str, str]], batch: str | None, year: int | None, on, out, **options):
        if out is not None and out.suffix.lower() not in (".xlsx", ".csv"):
            raise CommandError(f"{out}: 输出文件须为.xlsx或.csv / the output is .xlsx or .csv")
        where, params = "TRUE", []
        if batch:
            where, params = "c.batch = %s", [batch]
        elif year:
            where, params = "c.end_date >= %s AND c.end_date <= %s", [date(year, 1, 1), date(year, 12, 31)]
        try:
            report = what_if(where=where, params_sql=params, changes=dict(changes), on=on)
        except DomainError as exc:
            raise CommandError(f"{exc.zh} / {exc.en}") from None
        self._print(report)
        if out is not None:
            self._write(report, out)
            self.stdout.write(self.style.SUCCESS(f"{out}: 报告已写入 / report written"))

    def _print(self, report: WhatIfReport) -> None:
        w = self.stdout.write
        changes = ", ".join(f"{k}={v}" for k, v in report.changes.items())
        w(f"假设 what if: {changes}" + (f" (from {report.on})" if report.on else ""))
        w(f"重新判定 claims re-decided {report.claims}; 结果变化 decisions changed {report.decisions_changed}")
        for title, rows in (
            ("合计 total", [report.total]),
            ("按责任部门 by department", report.by_department),
            ("按人员类别 by group", report.by_group),
        ):
            w("")
            w(title)
            w(f"{'claims':>24}  {'persons':>24}  {'money (CNY)':>44}")
            w(f"{'before':>8}{'after':>8}{'diff':>8}  " * 2 + f"{'before':>14}{'after':>14}{'diff':>16}")
            for c in rows:
                w(self._line(c))

    @staticmethod
    def _line(c: Comparison) -> str:
        b, a, d = c.baseline, c.changed, c.difference
        return (
            f"{b.claims:>8}{a.claims:>8}{d.claims:>+8}  {b.persons:>8}{a.persons:>8}{d.persons:>+8}  "
            f"{b.money:>14}{a.money:>14}{d.money:>+16}  {c.label}"
        )

    @staticmethod
    def _write(report: WhatIfReport, out: Path) -> None:
        rows = report_rows(report)
        keys = list(rows[0]) if rows else ["table", "key", "label"]
        if out.suffix.lower() == ".csv":
            with out.open("w", encoding="utf-8-sig", newline="") as f:
                writer = csv.writer(f)
                writer.writerow(keys)
                writer.writerows(exports.csv_row(row[k] for k in keys) for row in rows)
            return
        from openpyxl import Workbook

        book = Workbook()
        book.remove(book.active)
        for table in ("total", "department", "group"):
            sheet = book.create_sheet(table)
            sheet.append(exports.xlsx_row(sheet, keys))
            for row in rows:
                if row["table"] == table:
                    sheet.append(exports.xlsx_row(sheet, (row[k] for k in keys)))
        book.save(out)
