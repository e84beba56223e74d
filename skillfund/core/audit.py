"""Writing and verifying the audit log's keyed chain. Every action function calls `record`.

Record `seq` (1, 2, 3, … with no gap, assigned under one lock) carries
MAC = HMAC-SHA256(audit key, previous MAC + its content, seq included). Without the key nobody can
edit a record and recompute the chain; the head is checkpointed outside the database (checkpoints.py)
so that a table cut short or emptied is named too.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import UTC
from functools import partial
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from skillfund.core import checkpoints
from skillfund.core.keys import audit_key
from skillfund.core.models import AuditRecord

GENESIS = "0" * 64
_CHAIN_LOCK = 7_311_001  # PostgreSQL advisory-lock key that serialises appends to the chain


def seal(rec: Any, key: bytes) -> str:
    """The record's MAC (`rec` may be a historical model in a migration: only its fields are read)."""
    fields = {
        "seq": rec.seq,
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
    payload = json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))
    return hmac.new(key, (rec.prev_hash + payload).encode(), hashlib.sha256).hexdigest()


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
    last = AuditRecord.objects.order_by("-seq").values_list("seq", "hash").first()
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    rec = AuditRecord(
        seq=seq,
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
        prev_hash=prev,
    )
    rec.hash = seal(rec, audit_key())
    rec.save(force_insert=True)
    if seq % settings.SKILLFUND_AUDIT_CHECKPOINT_EVERY == 0:
        # After commit only, so a rolled-back record is never checkpointed; robust: the action has
        # committed, and a failed write is logged (the next interval or cron checkpoints again).
        write = partial(checkpoints.write, seq=seq, mac=rec.hash, reason="interval")
        transaction.on_commit(write, robust=True)
    return rec


def _jsonable(data: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if data is None else json.loads(json.dumps(data, ensure_ascii=False, default=str))


def checkpoint(*, reason: str) -> int:
    """Checkpoint the committed head of the chain now (cron, each public disclosure); its seq."""
    head = AuditRecord.objects.order_by("-seq").values_list("seq", "hash").first()
    if head is None:
        return 0
    checkpoints.write(seq=head[0], mac=head[1], reason=reason)
    return head[0]


def _records(first: int, last: int) -> str:
    return f"record {first}" if first == last else f"records {first}–{last}"


def _are(first: int, last: int) -> str:
    return "is" if first == last else "are"


def verify() -> Iterator[str]:
    """Yield one problem per break, naming the records: edited (MAC mismatch; a run of them as one
    line), deleted in the middle (link broken, the missing range named), rewritten or missing at the
    tail (against the checkpoints), and checkpoint lines that were edited."""
    key = audit_key()
    found, problems = checkpoints.read()
    yield from problems
    seen = {c.seq: c for c in found}
    expected, prev, bad = 1, GENESIS, None  # bad: the first and last seq of a run of MAC mismatches
    for rec in AuditRecord.objects.order_by("seq").iterator(chunk_size=2000):
        if rec.seq != expected:
            missing = _records(expected, rec.seq - 1)
            yield f"record {rec.seq}: link broken: {missing} before it {_are(expected, rec.seq - 1)} missing"
        elif rec.prev_hash != prev:
            yield f"record {rec.seq}: link broken: it does not follow record {rec.seq - 1} (replaced or reordered)"
        if not hmac.compare_digest(seal(rec, key), rec.hash):
            bad = (bad[0] if bad else rec.seq, rec.seq)
        elif bad:
            yield _mac_mismatch(*bad)
            bad = None
        cp = seen.get(rec.seq)
        if cp is not None and cp.mac != rec.hash:
            yield f"record {rec.seq}: differs from the checkpoint of {cp.when} (rewritten)"
        expected, prev = rec.seq + 1, rec.hash
    if bad:
        yield _mac_mismatch(*bad)
    latest = max(found, key=lambda c: c.seq, default=None)
    if latest is not None and latest.seq >= expected:
        missing = f"{_records(expected, latest.seq)} {_are(expected, latest.seq)} missing"
        yield f"{missing}: the checkpoint of {latest.when} saw record {latest.seq}"


def _mac_mismatch(first: int, last: int) -> str:
    their = "its" if first == last else "their"
    return f"{_records(first, last)}: MAC does not match {their} content (edited, or written without the key)"


def changes(instance: models.Model, fields: list[str]) -> dict[str, Any]:
    """A snapshot of `fields` for the before/after of an audit record."""
    return {f: getattr(instance, f) for f in fields}
