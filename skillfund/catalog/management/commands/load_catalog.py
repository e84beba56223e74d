from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from skillfund.catalog.loading import catalog_load, occupations_load
from skillfund.core.errors import InvalidInput


class Command(BaseCommand):
    help = "Load the occupation list and/or one year's catalog list (§4.4.c) from YAML files"

    def add_arguments(self, parser):
        parser.add_argument("files", type=Path, nargs="+", help="occupations.yaml and/or <city>-<year>.yaml")

    def handle(self, *args, files: list[Path], **options):
        for path in files:
            data_kind = "occupations" if path.name.startswith("occupations") else "catalog"
            try:
                n = occupations_load(path=path) if data_kind == "occupations" else catalog_load(path=path)
            except InvalidInput as exc:
                lines = [f"{path}: nothing was loaded / 未导入任何数据"] + [str(p) for p in exc.problems]
                raise CommandError("\n".join(lines)) from None
            self.stdout.write(f"{path.name}: {n} {data_kind} entries loaded or changed")
