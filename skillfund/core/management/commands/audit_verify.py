from django.core.management.base import BaseCommand, CommandError

from skillfund.core import audit
from skillfund.core.models import AuditRecord


class Command(BaseCommand):
    help = (
        "Verify the audit log's keyed chain against its checkpoints: name every edited, deleted or "
        "missing record (§4.3.c); exit non-zero if any"
    )

    def handle(self, *args, **options):
        problems = list(audit.verify())
        if problems:
            raise CommandError("audit log tampered / 审计日志被篡改:\n" + "\n".join(problems))
        self.stdout.write(f"audit log intact: {AuditRecord.objects.count()} records / 审计日志完整")
