"""The finance pages' entries in the signed-in navigation (skillfund.web.nav)."""

from __future__ import annotations

from skillfund.web.nav import Entry


def entries(user) -> list[Entry]:
    return []
