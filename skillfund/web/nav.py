"""The signed-in navigation. Each audience's folder (skillfund/web/<audience>/) lists the entries
its pages offer a user in its own nav.py, so the pages of one audience are found in one place."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module

from django.http import HttpRequest

AUDIENCES = ("worker", "institution", "enterprise", "review", "finance", "dashboard")


@dataclass(frozen=True)
class Entry:
    label: str
    url: str
    description: str = ""


def entries(user) -> list[Entry]:
    found: list[Entry] = []
    for audience in AUDIENCES:
        found.extend(import_module(f"skillfund.web.{audience}.nav").entries(user))
    return found


def context(request: HttpRequest) -> dict[str, list[Entry]]:
    """Template context processor: the entries of the signed-in user (none for the public)."""
    user = getattr(request, "user", None)
    return {"nav_entries": entries(user) if user is not None and user.is_authenticated else []}
