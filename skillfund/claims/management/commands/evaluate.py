"""`skillfund evaluate CLAIMS --out DECISIONS`: decide a file of claims in one run (see
docs/claims-file-format.md). All rows are checked first; a bad file writes nothing."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from skillfund.accounts.models import User
from skillfund.claims.batch import OUTPUT_FORMATS, claims_evaluate
from skillfund.core.tabular import all_or_nothing, problem_table


class Command(BaseCommand):
    help = "Decide claims from a .csv, .jsonl or .xlsx file and write the decisions with their reasons"

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="claims .csv, .jsonl or .xlsx (docs/claims-file-format.md)")
        parser.add_argument("--out", type=Path, help="decisions file: .csv, .jsonl or .xlsx (by its extension)")
        parser.add_argument("--headers", choices=["en", "zh"], default="en", help="column headers of a .csv/.xlsx out")
        parser.add_argument("--actor", help="username recorded in the audit log (default: system)")

    def handle(self, *args, file: Path, out: Path | None, headers: str, actor: str | None, **options):
        if not file.is_file():
            raise CommandError(f"{file}: 文件不存在 / no such file")
        if out is not None and out.suffix.lower() not in OUTPUT_FORMATS:
            raise CommandError(f"{out}: 输出文件须为 / the output must be {', '.join(OUTPUT_FORMATS)}")
        user = None
        if actor:
            user = User.objects.filter(username=actor).first()
            if user is None:
                raise CommandError(f"{actor}: 没有该用户 / no such user")
        with all_or_nothing(self.stderr, file.name, "未写入任何数据", "nothing was written") as progress:
            result = claims_evaluate(actor=user, file=file, out=out, headers=headers, progress=progress)
        if result.warnings:
            self.stderr.write(problem_table(result.warnings))
        w = self.stdout.write
        claims = len(result.lines)
        w(f"批次 run {result.run_id}  (rules {result.rules_version})")
        w(f"申请 claims            {claims:>8}  (新建 created {result.created}, 沿用 reused {result.reused})")
        w(f"符合条件 eligible      {result.eligible:>8}")
        w(f"不符合 refused         {claims - result.eligible:>8}")
        for clause, n in result.refused_by_clause.items():
            w(f"  未通过 failed {clause:<8}{n:>8}")
        w(f"补贴合计 subsidy       {result.total('subsidy'):>12} 元 CNY")
        w(f"生活费补贴 living allowance {result.total('living_allowance'):>7} 元 CNY")
        w(f"可先行拨付 advance     {result.total('advance'):>12} 元 CNY")
        if out is not None:
            w(self.style.SUCCESS(f"{out}: {claims} 条判定结果 / decisions written"))
