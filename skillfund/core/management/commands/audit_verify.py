from django.core.management.base import BaseCommand, CommandError

from skillfund.core import audit
from skillfund.core.models import AuditRecord


class Command(BaseCommand):
    help = "Verify the audit log's hash chain: report any edited or deleted record (§4.3.c)"

    def handle(self, *args, **options):
        problems = list(audit.verify())
        if problems:
            raise CommandError("audit log tampered / 审计日志被篡改:\n" + "\n".join(problems))
        self.stdout.write(f"audit log intact: {AuditRecord.objects.count()} records / 审计日志完整")
