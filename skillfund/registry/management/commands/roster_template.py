"""`skillfund roster_template OUT.xlsx`: write the roster template that `import_roster` reads."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand

from skillfund.registry.roster_template import template_bytes


class Command(BaseCommand):
    help = "Write the roster import template (.xlsx) with its instructions sheet"

    def add_arguments(self, parser):
        parser.add_argument("out", type=Path, help="where to write the .xlsx")

    def handle(self, *args, out: Path, **options):
        out.write_bytes(template_bytes())
        self.stdout.write(f"{out}: 人员名册模板 / roster template written")
