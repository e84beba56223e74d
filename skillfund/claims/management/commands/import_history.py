"""`skillfund import_history FILE [--actor USERNAME]`: record past subsidies as history grants (§3.3.b)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from skillfund.accounts.models import User
from skillfund.claims.history import history_import
from skillfund.core.tabular import all_or_nothing, problem_table


class Command(BaseCommand):
    help = "Record past subsidies (before the platform, or from another system) from an .xlsx or .csv (all or none)"

    def add_arguments(self, parser):
        parser.add_argument(
            "file", type=Path, help="past subsidies .xlsx or .csv (see docs/examples/past-subsidies.csv)"
        )
        parser.add_argument("--actor", help="HR bureau username recorded in the audit log (default: system)")

    def handle(self, *args, file: Path, actor: str | None, **options):
        if not file.is_file():
            raise CommandError(f"{file}: 文件不存在 / no such file")
        user = None
        if actor:
            user = User.objects.filter(username=actor).first()
            if user is None:
                raise CommandError(f"{actor}: 没有该用户 / no such user")
        with all_or_nothing(self.stderr, file.name, "未写入任何数据", "nothing was written"):
            result = history_import(actor=user, file=file)
        if result.warnings:
            self.stderr.write(problem_table(result.warnings))
        self.stdout.write(
            self.style.SUCCESS(
                f"{file.name}: {result.rows} 行 rows; 新录入 recorded {result.recorded}, "
                f"已录入（跳过） already recorded {result.already_recorded}, "
                f"计入年度次数 counted in their year's cap {result.counted_in_year}"
            )
        )
