"""MLPS level 3 sign-in: password, then a TOTP code; lockout after repeated failures; only a
non-production demo may relax the second factor, and it says so."""

from __future__ import annotations

import pytest
from django.core.checks import Error
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from skillfund.accounts.models import Role
from skillfund.core.checks import production_settings
from skillfund.core.models import AuditRecord
from skillfund.web.views import RELAXED_NOTICE
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # the device's own back-off is tested separately


@pytest.fixture
def required(settings):
    settings.SKILLFUND_REQUIRE_2FA = True


@pytest.fixture
def relaxed(settings):
    settings.SKILLFUND_REQUIRE_2FA = False


@pytest.fixture
def staff(db):
    return UserFactory(role=Role.HR_STAFF, username="wang")


@pytest.fixture
def device(staff):
    return TOTPDevice.objects.create(user=staff, name="phone", confirmed=True)


def token_for(device: TOTPDevice) -> str:
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift)
    return f"{code:0{device.digits}d}"


def wrong_token_for(device: TOTPDevice) -> str:
    return f"{(int(token_for(device)) + 1) % 10**device.digits:0{device.digits}d}"


def sign_in(client, username="wang", password=PASSWORD, **extra):
    return client.post(reverse("web:login"), {"username": username, "password": password, **extra})


# ---- password ----------------------------------------------------------------------------------


def test_password_sign_in_when_the_second_factor_is_relaxed(client, staff, relaxed):
    response = sign_in(client)
    assert response.status_code == 302 and response.url == reverse("web:home")
    home = client.get(reverse("web:home"))
    assert home.status_code == 200
    assert "wang" in home.content.decode()


def test_wrong_password_is_refused(client, staff, relaxed):
    response = sign_in(client, password="wrong password")
    assert response.status_code == 200
    assert client.get(reverse("web:home")).status_code == 302


def test_five_wrong_passwords_lock_the_account_even_for_the_right_password(client, staff, relaxed):
    for _ in range(5):
        sign_in(client, password="wrong password")
    response = sign_in(client)
    assert response.status_code == 429
    assert "locked" in response.content.decode()
    assert client.get(reverse("web:home")).status_code == 302  # not signed in


# ---- second factor ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/admin/", "/admin/registry/person/"])
def test_unverified_user_is_sent_to_the_second_step(client, staff, required, path):
    client.force_login(staff)
    response = client.get(path)
    assert response.status_code == 302
    assert response.url.startswith(reverse("web:otp"))


def test_admin_login_page_does_not_bypass_the_second_factor(client, staff, required):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response.url.startswith(reverse("web:login"))
    response = client.post("/admin/login/", {"username": "wang", "password": PASSWORD})
    assert response.status_code == 302 and response.url.startswith(reverse("web:login"))
    assert client.get("/admin/").status_code == 302  # still not signed in


def test_correct_totp_code_lets_the_user_in(client, staff, device, required):
    response = sign_in(client, next="/admin/")
    assert response.status_code == 302 and response.url.startswith(reverse("web:otp"))
    response = client.post(response.url, {"token": token_for(device)})
    assert response.status_code == 302 and response.url == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert client.get(reverse("web:home")).status_code == 200


def test_wrong_totp_code_does_not_let_the_user_in(client, staff, device, required):
    sign_in(client)
    response = client.post(reverse("web:otp"), {"token": wrong_token_for(device)})
    assert response.status_code == 200
    assert "wrong" in response.content.decode() or "错误" in response.content.decode()
    assert client.get(reverse("web:home")).url.startswith(reverse("web:otp"))


def test_five_wrong_totp_codes_lock_the_account(client, staff, device, required):
    sign_in(client)
    for _ in range(4):
        assert client.post(reverse("web:otp"), {"token": wrong_token_for(device)}).status_code == 200
    response = client.post(reverse("web:otp"), {"token": wrong_token_for(device)})
    assert response.status_code == 429
    # Signed out, and the right password no longer works.
    assert client.get(reverse("web:home")).status_code == 302
    assert sign_in(client).status_code == 429


def test_device_throttling_refuses_even_the_right_code_right_after_a_wrong_one(
    client, staff, device, required, settings
):
    settings.OTP_TOTP_THROTTLE_FACTOR = 60
    sign_in(client)
    client.post(reverse("web:otp"), {"token": wrong_token_for(device)})
    response = client.post(reverse("web:otp"), {"token": token_for(device)})
    assert response.status_code == 200
    assert client.get(reverse("web:home")).url.startswith(reverse("web:otp"))


def test_user_without_device_enrols_with_a_qr_code_when_required(client, staff, required):
    response = sign_in(client)
    response = client.get(response.url)
    assert response.status_code == 302 and response.url.startswith(reverse("web:otp_setup"))
    page = client.get(response.url)
    html = page.content.decode()
    assert "<svg" in html and "http" not in html.split("<svg", 1)[1].split("</svg>", 1)[0].replace(
        "http://www.w3.org/2000/svg", ""
    )
    device = TOTPDevice.objects.get(user=staff, confirmed=False)
    response = client.post(reverse("web:otp_setup"), {"token": token_for(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("web:home")).status_code == 200
    assert AuditRecord.objects.filter(action="user.totp_enrol", actor=staff).exists()


def test_enrolment_refuses_a_wrong_first_code(client, staff, required):
    sign_in(client)
    client.get(reverse("web:otp_setup"))
    device = TOTPDevice.objects.get(user=staff)
    response = client.post(reverse("web:otp_setup"), {"token": wrong_token_for(device)})
    assert response.status_code == 200
    device.refresh_from_db()
    assert not device.confirmed


def test_relaxed_demo_still_asks_for_a_code_once_a_device_is_enrolled(client, staff, device, relaxed):
    response = sign_in(client)
    assert response.url.startswith(reverse("web:otp"))
    assert client.get(reverse("web:home")).url.startswith(reverse("web:otp"))
    client.post(reverse("web:otp"), {"token": token_for(device)})
    assert client.get(reverse("web:home")).status_code == 200


# ---- the relaxed demo notice and production settings ------------------------------------------


def test_login_page_says_when_the_second_factor_is_relaxed(client, relaxed):
    html = client.get(reverse("web:login")).content.decode()
    assert RELAXED_NOTICE in html
    assert "演示环境：已放宽第二验证因素" in html and "Demo: second factor relaxed" in html


def test_login_page_has_no_relaxed_notice_when_required(client, required):
    html = client.get(reverse("web:login")).content.decode()
    assert "已放宽" not in html and "relaxed" not in html


def test_login_page_is_chinese_by_default_with_english_selectable(client, relaxed):
    html = client.get(reverse("web:login")).content.decode()
    assert 'lang="zh-hans"' in html and "登录" in html
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("web:login")})
    assert response.status_code == 302
    html = client.get(reverse("web:login")).content.decode()
    assert 'lang="en"' in html and "Staff sign-in" in html


def test_production_refuses_a_relaxed_second_factor(settings):
    settings.PRODUCTION = True
    settings.SKILLFUND_REQUIRE_2FA = False
    errors = production_settings(None)
    assert any(isinstance(e, Error) and e.id == "sf.E001" for e in errors)


def test_production_with_the_second_factor_has_no_sf_e001(settings):
    settings.PRODUCTION = True
    settings.SKILLFUND_REQUIRE_2FA = True
    assert not [e for e in production_settings(None) if e.id == "sf.E001"]


def test_sign_out_needs_a_post(client, staff, relaxed):
    client.force_login(staff)
    assert client.get(reverse("web:logout")).status_code == 405
    assert client.post(reverse("web:logout")).status_code == 302
    assert client.get(reverse("web:home")).status_code == 302
