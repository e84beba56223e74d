from __future__ import annotations

import pytest
from django.conf import settings
from django.db.backends.postgresql.operations import DatabaseOperations

from skillfund.accounts.models import Role
from skillfund.core import dbroles
from tests.factories import DepartmentFactory, OrganizationFactory, UserFactory
from tests.owner import APP, connect_default_as, owner_connection, roles_mode


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    # PBKDF2 at production strength makes each test login cost ~0.3 s; the hasher is not under test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def hr_user(db):
    return UserFactory(role=Role.HR_STAFF, username="hr")


@pytest.fixture
def department(db):
    return DepartmentFactory()


@pytest.fixture
def institution(db):
    return OrganizationFactory()


@pytest.fixture
def auditor(db):
    return UserFactory(role=Role.AUDITOR, username="auditor")


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits and cached figures live in the cache: no test inherits another's counts."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _audit_checkpoints_apart(settings, tmp_path):
    # Each test's audit checkpoints in its own folder, never in data/.
    settings.SKILLFUND_AUDIT_CHECKPOINT_DIR = tmp_path / "audit-checkpoints"


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings):
    # Two roles (PostgreSQL with DATABASE_OWNER_URL): the owner creates and migrates the test database…
    if roles_mode():
        connect_default_as({k: settings.DATABASES["owner"][k] for k in ("USER", "PASSWORD")})


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    # … grants the runtime role, and the tests run as that role, as the application does.
    if not roles_mode():
        yield
        return
    owner = settings.DATABASES["owner"]["USER"]
    with django_db_blocker.unblock(), owner_connection() as conn, conn.cursor() as cur:
        dbroles.grant(cur, owner=owner, app=APP["USER"])
    connect_default_as(APP)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DatabaseOperations, "execute_sql_flush", _flush_as_owner)
        yield
    connect_default_as({k: settings.DATABASES["owner"][k] for k in ("USER", "PASSWORD")})  # the owner drops it


def _flush_as_owner(self, sql_list: list[str]) -> None:
    """Transactional tests empty the tables after each test: the runtime role may not TRUNCATE."""
    with owner_connection() as conn:
        for statement in sql_list:
            conn.execute(statement)
