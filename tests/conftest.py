from __future__ import annotations

import pytest

from skillfund.accounts.models import Role
from tests.factories import DepartmentFactory, OrganizationFactory, UserFactory


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
