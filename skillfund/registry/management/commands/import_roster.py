"""`skillfund import_roster FILE [--organization CODE]`: the command-line roster import (§4.4.d)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils import timezone

from skillfund.accounts.models import User
from skillfund.core.tabular import all_or_nothing, problem_table
from skillfund.organizations.models import Organization
from skillfund.programme.selectors import programme_default
from skillfund.registry.importing import roster_import


class Command(BaseCommand):
    help = (
        "Import persons and their statuses from a roster .xlsx, .xls or .csv, in the template or in the layout "
        "offices send (all rows or none)"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="roster .xlsx or .csv (see `roster_template`)")
        parser.add_argument(
            "--organization",
            help="credit code or unit code of the acting unit: its roster, and the unit that asserts the file's "
            "statuses (only the kinds policy_data/registry/status_assertion.yaml allows it); an institution or "
            "enterprise only declares them (default: the signed-in --actor's unit, else the programme's HR bureau)",
        )
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
        if org is None and getattr(user, "organization", None) is None:
            # No acting unit named: the programme's HR bureau, which runs the registry (§4.4.d).
            programme = programme_default(year=timezone.localdate().year)
            org = programme.hr_bureau if programme is not None else None
            if org is not None:
                self.stdout.write(
                    f"以{org.name}名义导入（未指定 --organization）/ acting for {org.name} (no --organization)"
                )
        with all_or_nothing(self.stderr, file.name, "未导入任何数据", "nothing was imported") as progress:
            result = roster_import(actor=user, file=file, organization=org, progress=progress)
        for line in result.report.lines():  # layout rows skipped, merges filled, columns not imported, defaults
            self.stdout.write(line)
        if result.warnings:
            self.stderr.write(problem_table(result.warnings))
        self.stdout.write(
            self.style.SUCCESS(
                f"{file.name}: {result.rows} 行 rows; 新增人员 persons created {result.persons_created}, "
                f"变更申请 change requests {result.change_requests}, 新增类别 statuses created {result.statuses_created}, "
                f"申报类别 declared {result.declarations_created}"
            )
        )
