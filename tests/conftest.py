from __future__ import annotations

import pytest

from skillfund.accounts.models import Role
from tests.factories import DepartmentFactory, OrganizationFactory, UserFactory


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
def _audit_checkpoints_apart(settings, tmp_path):
    # Each test's audit checkpoints in its own folder, never in data/.
    settings.SKILLFUND_AUDIT_CHECKPOINT_DIR = tmp_path / "audit-checkpoints"
