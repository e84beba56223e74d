"""The audit log is a hash chain: editing or deleting a stored record is detected (§4.3.c)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from skillfund.core import audit
from skillfund.core.models import AuditRecord


def _write(n: int) -> None:
    for i in range(n):
        with transaction.atomic():
            audit.record(actor=None, action="test.write", after={"i": i})


def _raw(sql: str, params: list) -> None:
    """Change the table behind the application's back, as an intruder with database access would."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SET LOCAL session_replication_role = replica")  # a superuser bypassing triggers
        cur.execute(sql, params)
        if connection.vendor == "postgresql":
            cur.execute("SET LOCAL session_replication_role = origin")


@pytest.mark.django_db
def test_intact_chain_verifies():
    _write(3)
    assert list(audit.verify()) == []
    call_command("audit_verify")


@pytest.mark.django_db
def test_edited_record_is_detected():
    _write(3)
    target = AuditRecord.objects.order_by("id")[1]
    _raw("UPDATE core_auditrecord SET reason = %s WHERE id = %s", ["nothing to see", target.pk])
    assert list(audit.verify()) == [f"record {target.pk}: content does not match its hash (edited)"]
    with pytest.raises(CommandError):
        call_command("audit_verify")


@pytest.mark.django_db
def test_deleted_record_is_detected():
    _write(3)
    ids = list(AuditRecord.objects.order_by("id").values_list("id", flat=True))
    _raw("DELETE FROM core_auditrecord WHERE id = %s", [ids[1]])
    assert list(audit.verify()) == [f"record {ids[2]}: chain broken before it (a record was deleted or reordered)"]


@pytest.mark.django_db(transaction=True)
def test_record_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError):
        audit.record(actor=None, action="test.write")


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL")
def test_postgres_refuses_update_and_delete():
    _write(1)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditRecord.objects.update(reason="x")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditRecord.objects.all().delete()
