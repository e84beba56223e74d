"""Checkpoints of the audit chain's head, kept outside the database (§4.3.c).

A keyed chain shows an edited record, but not a table emptied or cut short: nothing is left to
disagree. So the head (sequence number and MAC) is written, signed with the audit key, to a store
the database's users cannot reach: every N records after commit, by `skillfund audit_checkpoint`
(cron) and whenever the public disclosure is read. `audit.verify` then names records a checkpoint
saw but the table no longer holds. The store is an append-only file by default; production may
point `store()` at WORM storage: anything with `append(line)` and `lines()`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from django.conf import settings

from skillfund.core.keys import audit_key


class CheckpointStore(Protocol):
    def append(self, line: str) -> None: ...
    def lines(self) -> Iterable[str]: ...


class FileCheckpointStore:
    """One line per checkpoint, appended with O_APPEND (one write per line, so concurrent writers
    never interleave) and synced to disk before the caller goes on."""

    def __init__(self, directory: Path) -> None:
        self.path = Path(directory) / "audit-checkpoints.jsonl"

    def append(self, line: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, (line + "\n").encode())
            os.fsync(fd)
        finally:
            os.close(fd)

    def lines(self) -> Iterable[str]:
        if not self.path.exists():
            return []
        return self.path.read_text(encoding="utf-8").splitlines()


def store() -> CheckpointStore:
    return FileCheckpointStore(settings.SKILLFUND_AUDIT_CHECKPOINT_DIR)


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    mac: str
    at: datetime
    reason: str

    @property
    def when(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} UTC"


def _signature(fields: dict[str, object]) -> str:
    # "checkpoint:" keeps a line's signature from ever passing for a record's MAC under the same key.
    payload = json.dumps(fields, sort_keys=True, separators=(",", ":"))
    return hmac.new(audit_key(), b"checkpoint:" + payload.encode(), hashlib.sha256).hexdigest()


_last_written: dict[str, tuple[int, str]] = {}  # per store, this process's last head: a public page
# read a thousand times between two records writes one line, not a thousand


def write(*, seq: int, mac: str, reason: str) -> None:
    """Append a signed checkpoint of record `seq` (committed, with MAC `mac`)."""
    target = store()
    key = repr(getattr(target, "path", target))
    if _last_written.get(key) == (seq, mac):
        return
    fields = {"seq": seq, "mac": mac, "at": datetime.now(UTC).isoformat(timespec="seconds"), "reason": reason}
    target.append(json.dumps({**fields, "sig": _signature(fields)}, sort_keys=True, separators=(",", ":")))
    _last_written[key] = (seq, mac)


def read() -> tuple[list[Checkpoint], list[str]]:
    """The checkpoints whose signature holds, and one problem per line that does not."""
    found, problems = [], []
    for number, line in enumerate(store().lines(), start=1):
        try:
            fields = json.loads(line)
            sig = fields.pop("sig")
            ok = hmac.compare_digest(sig, _signature(fields))
        except (ValueError, KeyError, TypeError):
            ok = False
        if not ok:
            problems.append(f"checkpoint line {number}: signature does not match (the checkpoint file was edited)")
            continue
        at = datetime.fromisoformat(fields["at"])
        found.append(Checkpoint(seq=fields["seq"], mac=fields["mac"], at=at, reason=fields["reason"]))
    return found, problems
