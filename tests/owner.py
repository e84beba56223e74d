"""The migration owner's connection, for tests that tamper as an intruder holding the owner's (or a
superuser's) credentials would. Only in the two-role mode: PostgreSQL with DATABASE_OWNER_URL, where
the tests run as the runtime role (tests/conftest.py)."""

from __future__ import annotations

import psycopg
from django.conf import settings
from django.db import connection

# The runtime role as configured: tests/conftest.py connects as the owner while it creates the database.
APP = {k: settings.DATABASES["default"].get(k) for k in ("USER", "PASSWORD")}


def roles_mode() -> bool:
    owner = settings.DATABASES.get("owner")
    return owner is not None and connection.vendor == "postgresql" and owner["USER"] != APP["USER"]


def connect_default_as(credentials: dict[str, str | None]) -> None:
    """Reconnect the default connection with other credentials (the next query opens it)."""
    connection.close()
    connection.settings_dict.update(credentials)


def owner_connection() -> psycopg.Connection:
    """A plain psycopg connection as the owner to the test database (committed on leaving `with`)."""
    s = settings.DATABASES["owner"]
    return psycopg.connect(
        dbname=s["NAME"],
        user=s["USER"],
        password=s["PASSWORD"] or None,
        host=s["HOST"] or None,
        port=s["PORT"] or None,
    )
