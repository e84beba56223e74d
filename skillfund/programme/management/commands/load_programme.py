from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from skillfund.core.errors import DomainError
from skillfund.programme.loading import programme_load


class Command(BaseCommand):
    help = (
        "Load a programme file (region, disclosure title, HR bureau, budget deadlines, units, stages, targets, "
        "plans, annex tasks), e.g. policy_data/programmes/ordos-2019-2021.yaml; another city: README 'Another city'"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        try:
            programme = programme_load(path=file)
        except DomainError as exc:
            raise CommandError(f"{exc.zh}\n{exc.en}") from None
        self.stdout.write(f"{programme.name}: loaded")
