"""The audit chain becomes keyed and numbered: each record gets `seq` (1, 2, 3, … in id order) and
its `hash` becomes HMAC-SHA256 under SKILLFUND_AUDIT_KEY (core/audit.py).

Existing records are re-keyed only if their old, unkeyed SHA-256 chain is intact: re-keying a
tampered log would launder it, so then the migration stops and names the first broken record. Run
it with the key the application will use (data/local.env or the environment)."""

import hashlib
import json
from datetime import UTC

from django.db import migrations, models

from skillfund.core.audit import GENESIS, seal
from skillfund.core.keys import audit_key


def _old_digest(rec) -> str:
    fields = {
        "at": rec.at.astimezone(UTC).isoformat(),
        **{f: getattr(rec, f) for f in ("actor_id", "actor_username", "actor_role", "action", "target_type")},
        **{f: getattr(rec, f) for f in ("target_id", "target_label", "before", "after", "reason")},
    }
    payload = json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))
    return hashlib.sha256((rec.prev_hash + payload).encode()).hexdigest()


def rekey(apps, schema_editor):
    AuditRecord = apps.get_model("core", "AuditRecord")
    records = AuditRecord.objects.using(schema_editor.connection.alias).order_by("id")
    if not records.exists():
        return
    key, prev = audit_key(), GENESIS
    pg = schema_editor.connection.vendor == "postgresql"
    if pg:  # the migration runs as the table's owner, the one role that may switch the trigger off
        schema_editor.execute("ALTER TABLE core_auditrecord DISABLE TRIGGER core_auditrecord_append_only")
    new_prev = GENESIS
    for seq, rec in enumerate(records.iterator(chunk_size=2000), start=1):
        if rec.prev_hash != prev or _old_digest(rec) != rec.hash:
            raise RuntimeError(f"audit record id {rec.pk}: the old chain is broken there; not re-keying it")
        prev = rec.hash
        rec.seq, rec.prev_hash = seq, new_prev
        rec.hash = new_prev = seal(rec, key)
        rec.save(update_fields=["seq", "prev_hash", "hash"])
    if pg:
        schema_editor.execute("ALTER TABLE core_auditrecord ENABLE TRIGGER core_auditrecord_append_only")


class Migration(migrations.Migration):
    dependencies = [("core", "0002_append_only")]

    operations = [
        migrations.AddField(
            model_name="auditrecord",
            name="seq",
            field=models.BigIntegerField(null=True, verbose_name="number"),
        ),
        migrations.RunPython(rekey, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="auditrecord",
            name="seq",
            field=models.BigIntegerField(unique=True, verbose_name="number"),
        ),
        migrations.AlterModelOptions(
            name="auditrecord",
            options={
                "default_permissions": ("view",),
                "ordering": ["-seq"],
                "verbose_name": "audit record",
                "verbose_name_plural": "audit records",
            },
        ),
        migrations.AddConstraint(
            model_name="auditrecord",
            constraint=models.CheckConstraint(condition=models.Q(seq__gte=1), name="core_auditrecord_seq_positive"),
        ),
    ]
