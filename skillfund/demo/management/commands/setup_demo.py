"""Load the embedded default: regions, occupations, the Ordos 2019–2021 action, its sample
catalogs, demo organizations and persons, one account per role, and the current demo year
(demo/year.py: a programme and catalog of the year of today, labelled 演示). Idempotent; run in a
later year, it adds that year."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from skillfund import policy_data
from skillfund.accounts.demo import load_workers_demo
from skillfund.catalog.loading import catalog_load, occupations_load
from skillfund.claims.demo import load_claims_demo
from skillfund.demo.data import load_demo
from skillfund.demo.year import load_demo_years
from skillfund.funds.demo import load_funds_demo
from skillfund.programme.loading import programme_load
from skillfund.regions.loading import regions_load
from skillfund.training.demo import load_training_demo


class Command(BaseCommand):
    help = "Load the Ordos plan and demo data, create one demo account per role, print the logins"

    def add_arguments(self, parser):
        parser.add_argument("--persons", type=int, default=300)

    def handle(self, *args, persons: int, **options):
        regions_load(path=policy_data.data_path("regions", "gb2260.yaml"))
        occupations_load(path=policy_data.data_path("catalog", "occupations.yaml"))
        programme = programme_load(path=policy_data.data_path("programmes", "ordos-2019-2021.yaml"))
        for year in range(programme.start_year, programme.end_year + 1):
            catalog_load(path=policy_data.data_path("catalog", f"ordos-{year}.yaml"))
        logins = load_demo(persons=persons)
        current = load_demo_years(today=timezone.localdate())
        load_training_demo()
        load_claims_demo()
        load_funds_demo()
        workers = load_workers_demo()
        self.stdout.write(self.style.SUCCESS(f"\n{programme.name} loaded, with demo data."))
        for demo_year in current:
            self.stdout.write(self.style.SUCCESS(f"{demo_year.name} / {demo_year.name_en}"))
        self.stdout.write("")
        self.stdout.write("Demo accounts / 演示账号 (password for all: see below)")
        for username, password, label in logins:
            self.stdout.write(f"  {username:<16} {password:<16} {label}")
        for number, secret, label in workers:
            self.stdout.write(f"  {number:<16} {secret:<16} {label}")
        if not settings.SKILLFUND_REQUIRE_2FA:
            self.stdout.write("Second factor relaxed for the demo / 演示环境已放宽第二验证因素")
