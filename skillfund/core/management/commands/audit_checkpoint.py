from django.core.management.base import BaseCommand

from skillfund.core import audit


class Command(BaseCommand):
    help = "Checkpoint the audit chain's head outside the database (run from cron, e.g. every 10 minutes)"

    def handle(self, *args, **options):
        seq = audit.checkpoint(reason="command")
        self.stdout.write(
            f"audit checkpoint: record {seq} / 审计日志检查点" if seq else "audit log empty: nothing to checkpoint"
        )
