"""The audit log is a keyed chain with its head checkpointed outside the database (§4.3.c): editing,
deleting, truncating or rewriting it without the key is detected and the broken records are named.

On PostgreSQL with two roles the tests run as the runtime role, which cannot change the table; the
tampering is done as the owner, who can switch the append-only trigger off (tests/owner.py). The
records are committed first (transactional tests) so that the owner's connection sees them.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from skillfund.core import audit, checkpoints
from skillfund.core.models import AuditRecord
from tests.owner import owner_connection, roles_mode
from tests.programme_helpers import bare_programme

pytestmark = pytest.mark.django_db(transaction=True)
WHEN = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC"
TRUNCATE = "TRUNCATE core_auditrecord" if connection.vendor == "postgresql" else "DELETE FROM core_auditrecord"


def _write(n: int) -> None:
    for i in range(n):
        with transaction.atomic():
            audit.record(actor=None, action="test.write", after={"i": i})


def _ids() -> list[int]:
    return list(AuditRecord.objects.order_by("id").values_list("id", flat=True))


def _tamper(*statements: tuple[str, list]) -> None:
    """Change the table behind the application's back, as an intruder with the owner's credentials
    would: switch the append-only trigger off, change the rows, switch it on again."""
    if roles_mode():
        with owner_connection() as conn, conn.cursor() as cur:
            _run(cur, statements)
    else:
        with transaction.atomic(), connection.cursor() as cur:
            _run(cur, statements)


def _run(cur, statements: tuple[tuple[str, list], ...]) -> None:
    pg = connection.vendor == "postgresql"
    if pg:
        cur.execute("ALTER TABLE core_auditrecord DISABLE TRIGGER USER")
    for sql, params in statements:
        cur.execute(sql, params)
    if pg:
        cur.execute("ALTER TABLE core_auditrecord ENABLE TRIGGER USER")


def test_intact_chain_verifies(capsys):
    _write(3)
    assert list(audit.verify()) == []
    call_command("audit_verify")
    assert "3 records" in capsys.readouterr().out


def test_edited_record_is_named():
    _write(3)
    _tamper(("UPDATE core_auditrecord SET reason = %s WHERE id = %s", ["nothing to see", _ids()[1]]))
    assert list(audit.verify()) == ["record 2: MAC does not match its content (edited, or written without the key)"]
    with pytest.raises(CommandError, match="record 2"):
        call_command("audit_verify")


def test_edited_record_with_the_unkeyed_chain_recomputed_is_named():
    """The attacker edits record 2 and recomputes every later hash, as anyone could with plain SHA-256."""
    _write(4)
    rows = list(AuditRecord.objects.order_by("id"))
    rows[1].reason = "approved by the director"
    prev, updates = rows[0].hash, []
    for rec in rows[1:]:
        fields = {
            "at": rec.at.astimezone(UTC).isoformat(),
            **{f: getattr(rec, f) for f in ("actor_id", "actor_username", "actor_role", "action", "target_type")},
            **{f: getattr(rec, f) for f in ("target_id", "target_label", "before", "after", "reason")},
        }
        payload = json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))
        digest = hashlib.sha256((prev + payload).encode()).hexdigest()
        updates.append(
            (
                "UPDATE core_auditrecord SET reason = %s, prev_hash = %s, hash = %s WHERE id = %s",
                [rec.reason, prev, digest, rec.pk],
            )
        )
        prev = digest
    _tamper(*updates)
    assert list(audit.verify()) == [
        "records 2–4: MAC does not match their content (edited, or written without the key)"
    ]


def test_deleted_middle_records_are_named():
    _write(5)
    ids = _ids()
    _tamper(("DELETE FROM core_auditrecord WHERE id IN (%s, %s)", [ids[1], ids[2]]))
    assert list(audit.verify()) == ["record 4: link broken: records 2–3 before it are missing"]


def test_deleted_tail_is_named_by_the_checkpoint():
    _write(5)
    audit.checkpoint(reason="test")
    _tamper(("DELETE FROM core_auditrecord WHERE id >= %s", [_ids()[3]]))
    [problem] = audit.verify()
    assert re.fullmatch(f"records 4–5 are missing: the checkpoint of {WHEN} saw record 5", problem)


def test_truncated_log_is_named_by_the_checkpoint():
    _write(3)
    call_command("audit_checkpoint")
    _tamper((TRUNCATE, []))
    [problem] = audit.verify()
    assert re.fullmatch(f"records 1–3 are missing: the checkpoint of {WHEN} saw record 3", problem)
    with pytest.raises(CommandError, match="records 1–3 are missing"):
        call_command("audit_verify")


def test_truncated_and_rewritten_log_differs_from_the_checkpoint():
    _write(3)
    audit.checkpoint(reason="test")
    _tamper((TRUNCATE, []))
    _write(4)  # a new chain from record 1, written with the key, after the checkpoint saw the old one
    [problem] = audit.verify()
    assert re.fullmatch(f"record 3: differs from the checkpoint of {WHEN} \\(rewritten\\)", problem)


def test_a_chain_written_under_another_key_does_not_verify(settings):
    _write(2)
    settings.SKILLFUND_AUDIT_KEY = "b3RoZXIta2V5LW90aGVyLWtleS1vdGhlci1rZXktMzI="
    assert list(audit.verify()) == [
        "records 1–2: MAC does not match their content (edited, or written without the key)"
    ]


def test_the_head_is_checkpointed_every_n_records_after_commit(settings):
    settings.SKILLFUND_AUDIT_CHECKPOINT_EVERY = 2
    _write(5)
    found, problems = checkpoints.read()
    assert problems == []
    heads = dict(AuditRecord.objects.values_list("seq", "hash"))
    assert [(c.seq, c.mac) for c in found] == [(2, heads[2]), (4, heads[4])]


def test_a_rolled_back_record_is_never_checkpointed(settings):
    settings.SKILLFUND_AUDIT_CHECKPOINT_EVERY = 1
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        audit.record(actor=None, action="test.write")
        1 / 0  # noqa: B018 - the action fails after its audit record
    assert checkpoints.read() == ([], [])
    _write(1)
    assert [(c.seq, c.mac) for c in checkpoints.read()[0]] == [(1, AuditRecord.objects.get().hash)]


def test_an_edited_checkpoint_line_is_detected(settings):
    _write(2)
    audit.checkpoint(reason="test")
    [path] = settings.SKILLFUND_AUDIT_CHECKPOINT_DIR.iterdir()
    path.write_text(path.read_text().replace('"seq":2', '"seq":1'))
    assert list(audit.verify()) == ["checkpoint line 1: signature does not match (the checkpoint file was edited)"]


@pytest.mark.parametrize("name", ["reports:year", "reports:year_pdf", "reports:year_xlsx"])
def test_the_public_disclosure_checkpoints_the_head(client, name):
    bare_programme()
    _write(2)
    assert client.get(reverse(name, args=[2020])).status_code == 200
    assert [c.seq for c in checkpoints.read()[0]] == [2]


def test_record_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError):
        audit.record(actor=None, action="test.write")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL")
def test_postgres_refuses_update_and_delete():
    _write(1)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditRecord.objects.update(reason="x")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditRecord.objects.all().delete()


def test_the_audit_export_carries_each_records_chain_number_in_order(db, auditor):
    """A special audit reads the export: the gap-free `seq` lets it see a missing range by itself."""
    import csv
    import io

    from skillfund.accounts.actions import audit_log_export

    _write(3)
    rows = list(
        csv.reader(io.StringIO(audit_log_export(actor=auditor, records=AuditRecord.objects.all()).lstrip("\ufeff")))
    )
    assert rows[0][0] == "seq"
    assert [int(r[0]) for r in rows[1:]] == sorted(
        AuditRecord.objects.exclude(action="audit.export").values_list("seq", flat=True)
    )
