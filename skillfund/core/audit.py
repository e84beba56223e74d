"""Writing and verifying the hash-chained audit log. Every action function calls `record`."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from skillfund.core.models import AuditRecord

GENESIS = "0" * 64
_CHAIN_LOCK = 7_311_001  # PostgreSQL advisory-lock key that serialises appends to the chain


def _digest(prev_hash: str, fields: dict[str, Any]) -> str:
    payload = json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))
    return hashlib.sha256((prev_hash + payload).encode()).hexdigest()


def _hashed_fields(rec: AuditRecord) -> dict[str, Any]:
    return {
        "at": rec.at.astimezone(UTC).isoformat(),
        "actor_id": rec.actor_id,
        "actor_username": rec.actor_username,
        "actor_role": rec.actor_role,
        "action": rec.action,
        "target_type": rec.target_type,
        "target_id": rec.target_id,
        "target_label": rec.target_label,
        "before": rec.before,
        "after": rec.after,
        "reason": rec.reason,
    }


def record(
    *,
    actor: Any | None,
    action: str,
    target: models.Model | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditRecord:
    """Append one record. Must run inside the action's transaction, so both commit or neither."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record must be called inside the action's transaction")
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK])
    # On SQLite the IMMEDIATE transaction already holds the database's write lock.
    last = AuditRecord.objects.order_by("-id").values_list("hash", flat=True).first()
    rec = AuditRecord(
        at=timezone.now(),
        actor=actor if getattr(actor, "pk", None) else None,
        actor_username=getattr(actor, "username", "") or "system",
        actor_role=getattr(actor, "role", "") or "",
        action=action,
        target_type=target._meta.label if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_label=(getattr(target, "audit_label", None) or str(target))[:200] if target is not None else "",
        before=_jsonable(before),
        after=_jsonable(after),
        reason=reason,
        prev_hash=last or GENESIS,
    )
    rec.hash = _digest(rec.prev_hash, _hashed_fields(rec))
    rec.save(force_insert=True)
    return rec


def _jsonable(data: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if data is None else json.loads(json.dumps(data, ensure_ascii=False, default=str))


def verify() -> Iterator[str]:
    """Yield one problem per broken link: an edited record, or a gap where one was deleted."""
    prev = GENESIS
    for rec in AuditRecord.objects.order_by("id").iterator(chunk_size=2000):
        if rec.prev_hash != prev:
            yield f"record {rec.pk}: chain broken before it (a record was deleted or reordered)"
        elif _digest(rec.prev_hash, _hashed_fields(rec)) != rec.hash:
            yield f"record {rec.pk}: content does not match its hash (edited)"
        prev = rec.hash


def changes(instance: models.Model, fields: list[str]) -> dict[str, Any]:
    """A snapshot of `fields` for the before/after of an audit record."""
    return {f: getattr(instance, f) for f in fields}
