"""Lockout that cannot be turned against users: failures count per username *and* address, the
wait grows with repeated lockouts, and only the system administrator unlocks, with a trace."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from skillfund.accounts import lockout
from skillfund.accounts.actions import account_unlock
from skillfund.accounts.models import ORGANIZATION_SCOPED, Role
from skillfund.core.errors import DomainError
from skillfund.core.models import AuditRecord
from tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"
HOME, ATTACKER = "10.0.0.1", "203.0.113.66"


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SKILLFUND_REQUIRE_2FA = False


@pytest.fixture
def wang(db):
    return UserFactory(role=Role.HR_STAFF, username="wang")


@pytest.fixture
def sysadmin(db):
    return UserFactory(role=Role.SYSADMIN, username="root")


def sign_in(client, username="wang", password=PASSWORD, ip=HOME):
    return client.post(reverse("web:login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def lock(client, username="wang", ip=ATTACKER, times=5):
    for _ in range(times):
        sign_in(client, username=username, password="wrong password", ip=ip)


def test_failures_for_one_user_do_not_lock_everyone_behind_the_same_address(client, wang):
    UserFactory(role=Role.HR_STAFF, username="li")
    lock(client, username="li", ip=HOME)
    assert sign_in(client, username="li", ip=HOME).status_code == 429  # li from there: locked
    response = sign_in(client, ip=HOME)  # wang at the same office address: not locked
    assert response.status_code == 302 and response.url == reverse("web:home")


def test_failures_from_another_address_do_not_lock_the_user_out_everywhere(client, wang):
    lock(client, ip=ATTACKER)
    assert sign_in(client, ip=ATTACKER).status_code == 429  # the attacker's address is locked
    response = sign_in(client, ip=HOME)  # the real user from their own address still signs in
    assert response.status_code == 302 and response.url == reverse("web:home")


def test_guessing_many_user_names_from_one_address_locks_each_pair(client, wang):
    for name in ("a", "b", "c"):
        lock(client, username=name, ip=ATTACKER)
    assert AccessAttempt.objects.filter(ip_address=ATTACKER).count() == 3
    assert sign_in(client, ip=HOME).status_code == 302


def _cool_off(username: str, ip: str) -> timedelta:
    request = RequestFactory().post("/login/", {"username": username}, REMOTE_ADDR=ip)
    request.axes_ip_address = ip
    return lockout.cool_off(request)


def test_the_wait_doubles_with_each_repeated_lockout_and_is_capped(client, wang, settings):
    base = timedelta(hours=settings.AXES_COOLOFF_HOURS)
    lock(client)
    assert _cool_off("wang", ATTACKER) == base
    lock(client)  # five more while locked: a second lockout
    assert _cool_off("wang", ATTACKER) == 2 * base
    lock(client)
    assert _cool_off("wang", ATTACKER) == 4 * base
    lock(client, times=50)
    assert _cool_off("wang", ATTACKER) == timedelta(hours=settings.AXES_COOLOFF_MAX_HOURS)
    assert _cool_off("wang", HOME) == base  # the user's own address is not punished


def test_a_lockout_ends_after_its_wait(client, wang, settings):
    lock(client)
    assert sign_in(client, ip=ATTACKER).status_code == 429
    past = timezone.now() - timedelta(hours=settings.AXES_COOLOFF_HOURS, minutes=1)
    AccessAttempt.objects.update(attempt_time=past)
    AccessFailureLog.objects.update(attempt_time=past)
    assert sign_in(client, ip=ATTACKER).status_code == 302


def test_a_successful_sign_in_resets_the_growth(client, wang):
    lock(client, ip=HOME, times=4)
    assert sign_in(client, ip=HOME).status_code == 302
    client.logout()
    lock(client, ip=HOME, times=5)
    assert _cool_off("wang", HOME) == timedelta(hours=0.5)


# ---- unlocking is an audited administrator action -----------------------------------------------


def test_sysadmin_unlocks_with_a_reason_and_an_audit_record(client, wang, sysadmin):
    lock(client)
    assert account_unlock(actor=sysadmin, username="wang", ip_address=ATTACKER, reason="电话核实本人") == 1
    assert sign_in(client, ip=ATTACKER).status_code == 302
    rec = AuditRecord.objects.get(action="account.unlock")
    assert rec.actor == sysadmin and rec.reason == "电话核实本人"
    assert rec.after == {"username": "wang", "ip_address": ATTACKER, "attempts": 1}


@pytest.mark.parametrize("role", [r for r in Role if r not in (Role.SYSADMIN, Role.WORKER)])
def test_only_the_sysadmin_may_unlock(client, wang, role):
    lock(client)
    actor = UserFactory(role=role, organization=OrganizationFactory() if role in ORGANIZATION_SCOPED else None)
    with pytest.raises(DomainError) as refused:
        account_unlock(actor=actor, username="wang", reason="please")
    assert refused.value.code == "not_permitted"
    assert AccessAttempt.objects.filter(username="wang").exists()
    assert not AuditRecord.objects.filter(action="account.unlock").exists()


def test_unlocking_needs_a_reason(client, wang, sysadmin):
    lock(client)
    with pytest.raises(DomainError):
        account_unlock(actor=sysadmin, username="wang", reason="  ")
    assert AccessAttempt.objects.filter(username="wang").exists()


def test_nobody_deletes_login_records_from_the_back_office(client, wang, sysadmin):
    lock(client)
    attempt = AccessAttempt.objects.get()
    client.force_login(sysadmin)
    url = reverse("admin:axes_accessattempt_delete", args=[attempt.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    changelist = reverse("admin:axes_accessattempt_changelist")
    client.post(changelist, {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"})
    assert AccessAttempt.objects.filter(pk=attempt.pk).exists()
    for model in (AccessAttempt, AccessFailureLog):
        assert not admin.site._registry[model].has_delete_permission(client.request().wsgi_request)


def test_the_back_office_unlock_action_calls_the_audited_action(client, wang, sysadmin):
    lock(client)
    attempt = AccessAttempt.objects.get()
    client.force_login(sysadmin)
    changelist = reverse("admin:axes_accessattempt_changelist")
    data = {"action": "unlock", "_selected_action": [attempt.pk], "reason": ""}
    client.post(changelist, data)
    assert AccessAttempt.objects.filter(pk=attempt.pk).exists()  # no reason, no unlock
    client.post(changelist, {**data, "reason": "本人来电"})
    assert not AccessAttempt.objects.filter(pk=attempt.pk).exists()
    assert AuditRecord.objects.filter(action="account.unlock", actor=sysadmin, reason="本人来电").exists()


def test_the_auditor_sees_attempts_but_has_no_unlock_action(client, wang):
    lock(client)
    auditor = UserFactory(role=Role.AUDITOR)
    client.force_login(auditor)
    page = client.get(reverse("admin:axes_accessattempt_changelist"))
    assert page.status_code == 200 and 'value="unlock"' not in page.content.decode()


def test_the_locked_page_says_how_long_to_wait(client, wang):
    lock(client)
    response = sign_in(client, ip=ATTACKER)
    assert response.status_code == 429 and "0:30:00" in response.content.decode()
