"""Two PostgreSQL roles (README, Database roles): the owner runs migrations and owns every table,
sequence and trigger function; the application connects as a role that owns nothing, so it cannot
switch a trigger off, and may not change or remove the rows the programme keeps.

`ensure_roles` and `take_ownership` need a superuser (`skillfund db_roles`); `grant` may also run as
the owner, and does after every `skillfund migrate` and when the tests create their database.
Every statement may run again and changes nothing the second time.
"""

from __future__ import annotations

import os
from typing import Any

from psycopg import sql

# Rows kept for the record: the audit log, the ledger (a mistake is a reversal), the stored decisions
# (a new decision supersedes, nothing updates one), and claims (withdrawn, never deleted).
KEPT: dict[str, tuple[str, ...]] = {
    "core_auditrecord": ("UPDATE", "DELETE", "TRUNCATE"),
    "funds_transaction": ("UPDATE", "DELETE", "TRUNCATE"),
    "funds_posting": ("UPDATE", "DELETE", "TRUNCATE"),
    "claims_decision": ("UPDATE", "DELETE", "TRUNCATE"),
    "claims_claim": ("DELETE", "TRUNCATE"),
}
PASSWORDS = {"owner": "SKILLFUND_DB_OWNER_PASSWORD", "app": "SKILLFUND_DB_APP_PASSWORD"}


def _run(cur: Any, statement: str, *names: str) -> None:
    cur.execute(sql.SQL(statement).format(*(sql.Identifier(n) for n in names)).as_string(None))


def ensure_roles(cur: Any, *, owner: str, app: str) -> None:
    """Create both login roles if missing; the runtime role may not become anyone else or create
    anything outside its grants. Passwords, if given, come from SKILLFUND_DB_*_PASSWORD."""
    if owner == app:
        raise ValueError("the owner and the runtime role must be two roles")
    for kind, role in (("owner", owner), ("app", app)):
        cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        if cur.fetchone() is None:
            _run(cur, "CREATE ROLE {} LOGIN", role)
        if password := os.environ.get(PASSWORDS[kind]):
            cur.execute(
                sql.SQL("ALTER ROLE {} PASSWORD {}").format(sql.Identifier(role), sql.Literal(password)).as_string(None)
            )
    _run(cur, "ALTER ROLE {} NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS", app)
    # The owner's CREATEDB is left as it is: test runs create their databases as the owner.
    _run(cur, "ALTER ROLE {} NOSUPERUSER NOCREATEROLE NOREPLICATION NOBYPASSRLS", owner)
    cur.execute("SELECT pg_has_role(%s, %s, 'MEMBER')", [app, owner])
    if cur.fetchone()[0]:  # a member could SET ROLE to the owner
        _run(cur, "REVOKE {} FROM {}", owner, app)


def take_ownership(cur: Any, *, owner: str, app: str) -> None:
    """Give the owner everything in this database's public schema, including what an earlier set-up
    let the application's role (or a superuser) create."""
    _run(cur, "REASSIGN OWNED BY {} TO {}", app, owner)
    _run(cur, "GRANT USAGE, CREATE ON SCHEMA public TO {}", owner)
    cur.execute(
        "SELECT c.relkind, c.oid::regclass::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S') AND c.relowner <> %s::regrole"
        " ORDER BY c.relkind = 'S'",  # tables first: their identity sequences follow them
        [owner],
    )
    for kind, name in cur.fetchall():
        cur.execute("SELECT relowner <> %s::regrole FROM pg_class WHERE oid = %s::regclass", [owner, name])
        if cur.fetchone()[0]:
            noun = {"S": "SEQUENCE", "v": "VIEW", "m": "MATERIALIZED VIEW"}.get(kind, "TABLE")
            cur.execute(f"ALTER {noun} {name} OWNER TO {sql.Identifier(owner).as_string(None)}")
    cur.execute(
        "SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
        " WHERE n.nspname = 'public' AND p.proowner <> %s::regrole",
        [owner],
    )
    for (signature,) in cur.fetchall():
        cur.execute(f"ALTER FUNCTION {signature} OWNER TO {sql.Identifier(owner).as_string(None)}")


def grant(cur: Any, *, owner: str, app: str) -> None:
    """What the application may do: read and write every table (and those later migrations create)
    except change or remove the kept rows; use the sequences; create nothing."""
    _run(cur, "GRANT USAGE ON SCHEMA public TO {}", app)
    _run(cur, "REVOKE CREATE ON SCHEMA public FROM {}", app)
    _run(cur, "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}", app)
    _run(cur, "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}", app)
    _run(
        cur,
        "ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {}",
        owner,
        app,
    )
    _run(
        cur, "ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {}", owner, app
    )
    for table, privileges in KEPT.items():
        cur.execute("SELECT to_regclass(%s) IS NOT NULL", [f"public.{table}"])
        if cur.fetchone()[0]:  # a database migrated only part of the way has no such table yet
            _run(cur, f"REVOKE {', '.join(privileges)} ON {{}} FROM {{}}", table, app)
