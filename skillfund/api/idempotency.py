"""Idempotency-Key for the API's writes: a retried request returns the first response (status and
body), the same key with another request is refused with 409 `idempotency_conflict`.

Insert first, then act. For a write that commits once (submitting an application, taking a step,
creating a batch) the key's record and the work commit in one transaction: a concurrent retry
blocks on the record's unique index until the first commits, then replays its response; if the
first fails, nothing of it remains, the record included. Paying a batch commits line by line, so
its record is written first as "running" (a concurrent retry gets 409 `idempotency_in_progress`)
and completed afterwards; a record left running by a crashed process may be taken over after
`STALE_AFTER`, which is safe because every line is paid at most once whoever runs it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.response import Response

from skillfund.api.errors import error_response
from skillfund.api.models import IdempotencyRecord
from skillfund.core.errors import DomainError

HEADER = "Idempotency-Key"
KEY_MAX = 100
STALE_AFTER = timedelta(minutes=10)
RUNNING = 0


def _hash(request: Request) -> str:
    payload = json.dumps(request.data, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def _key(request: Request) -> str:
    key = request.headers.get(HEADER, "").strip()
    if not key or len(key) > KEY_MAX:
        raise DomainError(
            "idempotency_key_required",
            f"请求头须带 {HEADER}（1 至 {KEY_MAX} 个字符）",
            f"send an {HEADER} header of 1 to {KEY_MAX} characters",
        )
    return key


def _conflict(record: IdempotencyRecord) -> DomainError:
    return DomainError(
        "idempotency_conflict",
        f"幂等键 {record.key} 已用于另一个请求（{record.method} {record.path}），未执行",
        f"the idempotency key {record.key} was used for a different request ({record.method} {record.path}); "
        "nothing was done",
    )


def _replay(record: IdempotencyRecord) -> Response:
    response = Response(record.response_body, status=record.response_status)
    response["Idempotent-Replayed"] = "true"
    return response


def _run(handler: Callable[[], Response], *, atomic: bool) -> Response:
    """The handler's response, or the error response for a refusal, so both are remembered. In
    one savepoint when it commits once, so a refusal halfway leaves nothing of the handler."""
    try:
        if not atomic:
            return handler()
        with transaction.atomic():
            return handler()
    except DomainError as exc:
        return error_response(exc)


def _store(record: IdempotencyRecord, response: Response) -> Response:
    record.response_status, record.response_body = response.status_code, response.data
    record.save(update_fields=["response_status", "response_body"])
    return response


def idempotent(request: Request, handler: Callable[[], Response], *, commits_once: bool = True) -> Response:
    """Run `handler` at most once per (user, Idempotency-Key); replay its response to retries."""
    key = _key(request)
    identity: dict[str, Any] = {
        "user": request.user,
        "key": key,
        "method": request.method,
        "path": request.path[:300],
        "body_hash": _hash(request),
    }
    if commits_once:
        with transaction.atomic():
            record = _claim(identity)
            if record.response_status != RUNNING:
                return _replay(record)
            return _store(record, _run(handler, atomic=True))
    with transaction.atomic():
        record = _claim(identity)
    if record.response_status != RUNNING:
        return _replay(record)
    return _store(record, _run(handler, atomic=False))


def _claim(identity: dict[str, Any]) -> IdempotencyRecord:
    """The new record (running) for a first request, else the existing one if it is the same request.

    An existing running record is the first request still at work (409 `idempotency_in_progress`),
    or — past `STALE_AFTER` — a crashed one, taken over by moving its start time."""
    now = timezone.now()
    try:
        with transaction.atomic():
            return IdempotencyRecord.objects.create(**identity, started_at=now)
    except IntegrityError:
        pass
    record = IdempotencyRecord.objects.get(user=identity["user"], key=identity["key"])
    if (record.method, record.path, record.body_hash) != (identity["method"], identity["path"], identity["body_hash"]):
        raise _conflict(record)
    if record.response_status != RUNNING:
        return record
    taken = IdempotencyRecord.objects.filter(
        pk=record.pk, response_status=RUNNING, started_at=record.started_at, started_at__lt=now - STALE_AFTER
    ).update(started_at=now)
    if not taken:
        raise DomainError(
            "idempotency_in_progress",
            f"使用幂等键 {record.key} 的请求仍在处理中，请稍后重试",
            f"the request with idempotency key {record.key} is still running; retry later",
        )
    record.started_at = now
    return record
