"""No administrator changes their own role or access; role changes are the system
administrator's, on someone else, and audited with before and after."""

from __future__ import annotations

import pytest
from django.urls import reverse

from skillfund.accounts.actions import user_save
from skillfund.accounts.models import Role, User
from skillfund.core.errors import DomainError
from skillfund.core.models import AuditRecord
from tests.factories import UserFactory, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _relaxed(settings):
    settings.SKILLFUND_REQUIRE_2FA = False
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# Accounts as user_save leaves them: staff access follows the role.
@pytest.fixture
def admin_user():
    return UserFactory(role=Role.SYSADMIN, username="root", is_staff=True)


def change_form(user: User, **overrides) -> dict:
    data = {
        "username": user.username,
        "first_name": "",
        "last_name": "",
        "email": "",
        "role": user.role,
        "organization": "",
        "is_active": "on",
    }
    return {**data, **overrides}


def test_admin_posting_its_own_form_with_hr_role_changes_nothing_and_cannot_reveal(client, admin_user):
    client.force_login(admin_user)
    url = reverse("admin:accounts_user_change", args=[admin_user.pk])
    client.post(url, change_form(admin_user, role=Role.HR_STAFF, is_superuser="on", groups="1"))
    admin_user.refresh_from_db()
    assert admin_user.role == Role.SYSADMIN and not admin_user.is_superuser
    assert not AuditRecord.objects.filter(action="user.role_change").exists()
    person = make_person(actor=admin_user)
    response = client.post(reverse("admin:registry_person_reveal", args=[person.pk]), {"reason": "想看"})
    assert person.id_masked and response.status_code == 403


def test_own_access_fields_are_read_only_in_the_form(client, admin_user):
    client.force_login(admin_user)
    html = client.get(reverse("admin:accounts_user_change", args=[admin_user.pk])).content.decode()
    assert 'name="role"' not in html and 'name="is_active"' not in html and 'name="organization"' not in html


# is_staff is not listed: the action derives it from the role, so it never changes on its own.
@pytest.mark.parametrize(("field", "value"), [("role", Role.HR_STAFF), ("is_superuser", True), ("is_active", False)])
def test_the_action_refuses_a_change_of_ones_own_access(admin_user, field, value):
    setattr(admin_user, field, value)
    with pytest.raises(DomainError) as refused:
        user_save(actor=admin_user, user=admin_user, created=False)
    assert refused.value.code == "segregation_of_duties"
    admin_user.refresh_from_db()
    assert admin_user.role == Role.SYSADMIN and not admin_user.is_superuser and admin_user.is_active


def test_nobody_is_made_superuser_through_the_action(admin_user):
    other = UserFactory(role=Role.AUDITOR, is_staff=True)
    other.is_superuser = True
    with pytest.raises(DomainError):
        user_save(actor=admin_user, user=other, created=False)
    other.refresh_from_db()
    assert not other.is_superuser


def test_sysadmin_changes_another_users_role_with_an_audit_record(client, admin_user):
    other = UserFactory(role=Role.AUDITOR, username="li", is_staff=True)
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:accounts_user_change", args=[other.pk]), change_form(other, role=Role.FINANCE_OFFICER)
    )
    assert response.status_code == 302
    other.refresh_from_db()
    assert other.role == Role.FINANCE_OFFICER
    rec = AuditRecord.objects.get(action="user.role_change", target_id=str(other.pk))
    assert rec.actor == admin_user
    assert rec.before == {"role": Role.AUDITOR} and rec.after == {"role": Role.FINANCE_OFFICER}


def test_removing_superuser_status_from_someone_else_is_recorded(admin_user):
    other = UserFactory(role=Role.AUDITOR, is_superuser=True, is_staff=True)
    other.is_superuser = False
    user_save(actor=admin_user, user=other, created=False)
    rec = AuditRecord.objects.get(action="user.role_change", target_id=str(other.pk))
    assert rec.before == {"is_superuser": True} and rec.after == {"is_superuser": False}


def test_only_the_sysadmin_changes_roles(admin_user):
    hr = UserFactory(role=Role.HR_STAFF, is_staff=True)
    other = UserFactory(role=Role.AUDITOR, is_staff=True)
    other.role = Role.HR_STAFF
    with pytest.raises(DomainError) as refused:
        user_save(actor=hr, user=other, created=False)
    assert refused.value.code == "not_permitted"
    other.refresh_from_db()
    assert other.role == Role.AUDITOR


def test_a_name_change_on_ones_own_account_is_allowed_and_audited(client, admin_user):
    client.force_login(admin_user)
    url = reverse("admin:accounts_user_change", args=[admin_user.pk])
    data = change_form(admin_user, first_name="明")
    for field in ("role", "organization", "is_active"):
        data.pop(field)
    assert client.post(url, data).status_code == 302
    admin_user.refresh_from_db()
    assert admin_user.first_name == "明"
    assert AuditRecord.objects.get(action="user.update").after == {"first_name": "明"}
