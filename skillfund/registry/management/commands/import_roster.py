"""`skillfund import_roster FILE [--organization CODE]`: the command-line roster import (§4.4.d)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from tqdm import tqdm

from skillfund.accounts.models import User
from skillfund.core.errors import DomainError, FieldProblem, InvalidInput
from skillfund.organizations.models import Organization
from skillfund.registry.importing import roster_import

MAX_SHOWN = 200


class Command(BaseCommand):
    help = "Import persons and their statuses from a roster .xlsx or .csv (all rows or none)"

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="roster .xlsx or .csv (see `roster_template`)")
        parser.add_argument("--organization", help="credit code or unit code of the organization whose roster this is")
        parser.add_argument("--actor", help="username recorded in the audit log (default: system)")

    def handle(self, *args, file: Path, organization: str | None, actor: str | None, **options):
        if not file.is_file():
            raise CommandError(f"{file}: 文件不存在 / no such file")
        org = None
        if organization:
            org = Organization.objects.filter(Q(credit_code=organization) | Q(unit_code=organization)).first()
            if org is None:
                raise CommandError(f"{organization}: 没有该代码的单位 / no organization has this code")
        user = None
        if actor:
            user = User.objects.filter(username=actor).first()
            if user is None:
                raise CommandError(f"{actor}: 没有该用户 / no such user")
        bars: list[tqdm] = []

        def progress(phase: str, total: int) -> Callable[[int], None]:
            for bar in bars:
                bar.close()
            bars.append(tqdm(total=total, desc=phase, unit="行", file=self.stderr._out, dynamic_ncols=True))
            return bars[-1].update

        try:
            result = roster_import(actor=user, file=file, organization=org, progress=progress)
        except InvalidInput as exc:
            self._close(bars)
            self._table(exc.problems)
            raise CommandError(
                f"{file.name}: {len(exc.problems)} 处错误，未导入任何数据 / {len(exc.problems)} error(s), nothing was imported"
            ) from None
        except DomainError as exc:
            self._close(bars)
            raise CommandError(f"{file.name}: {exc.zh} / {exc.en}") from None
        self._close(bars)
        if result.warnings:
            self._table(result.warnings)
        self.stdout.write(
            self.style.SUCCESS(
                f"{file.name}: {result.rows} 行 rows; 新增人员 persons created {result.persons_created}, "
                f"更新 updated {result.persons_updated}, 新增类别 statuses created {result.statuses_created}"
            )
        )

    @staticmethod
    def _close(bars: list[tqdm]) -> None:
        for bar in bars:
            bar.close()

    def _table(self, problems: list[FieldProblem]) -> None:
        out = self.stderr
        out.write("行 row | 列 column | 值 value | 原因 reason")
        for p in problems[:MAX_SHOWN]:
            kind = "警告 warning: " if p.warning else ""
            row = "" if p.row is None else str(p.row)
            out.write(f"{row} | {p.column} | {p.value} | {kind}{p.zh} / {p.en}")
        if len(problems) > MAX_SHOWN:
            out.write(f"… 另有 {len(problems) - MAX_SHOWN} 处 / {len(problems) - MAX_SHOWN} more")
