"""The migration owner's connection, for tests that tamper as an intruder holding the owner's (or a
superuser's) credentials would. Only in the two-role mode: PostgreSQL with DATABASE_OWNER_URL, where
the tests run as the runtime role (tests/conftest.py)."""

from __future__ import annotations

import psycopg
from django.conf import settings
from django.db import connection


def roles_mode() -> bool:
    owner = settings.DATABASES.get("owner")
    return (
        owner is not None
        and connection.vendor == "postgresql"
        and owner["USER"] != settings.DATABASES["default"]["USER"]
    )


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
