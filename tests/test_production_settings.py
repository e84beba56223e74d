"""SKILLFUND_ENV=production refuses weak settings with system-check errors (never a traceback),
and the responses carry the security headers: CSP, HSTS, no-store on personal data."""

from __future__ import annotations

import base64
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from skillfund.accounts.models import Role
from skillfund.core import keys
from skillfund.core.checks import production_settings
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parent.parent


def fresh_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


@pytest.fixture
def production(settings):
    settings.PRODUCTION = True
    settings.DEBUG = False
    settings.SKILLFUND_REQUIRE_2FA = True
    settings.SECRET_KEY = base64.urlsafe_b64encode(os.urandom(48)).decode()
    settings.SKILLFUND_ID_ENCRYPTION_KEY = fresh_key()
    settings.SKILLFUND_ID_INDEX_KEY = fresh_key()
    settings.SKILLFUND_AUDIT_KEY = fresh_key()
    settings.ALLOWED_HOSTS = ["skills.example.gov.cn"]
    return settings


def ids(settings_errors) -> set[str]:
    return {e.id for e in settings_errors}


def test_complete_production_settings_pass(production):
    assert production_settings(None) == []


def test_a_short_secret_key_is_refused(production):
    production.SECRET_KEY = "x"
    assert "sf.E010" in ids(production_settings(None))


def test_a_secret_key_of_few_distinct_characters_is_refused(production):
    production.SECRET_KEY = "ab" * 40
    assert "sf.E010" in ids(production_settings(None))


@pytest.mark.parametrize(
    "value",
    [
        base64.b64encode(b"abc").decode(),  # 3 bytes
        base64.b64encode(os.urandom(31)).decode(),
        base64.b64encode(b"\x00" * 32).decode(),  # right length, not random
        base64.b64encode(b"0123456789" * 3 + b"01").decode(),  # ten distinct bytes
        "not base64 at all!",
    ],
)
@pytest.mark.parametrize("name", ["SKILLFUND_ID_ENCRYPTION_KEY", "SKILLFUND_ID_INDEX_KEY", "SKILLFUND_AUDIT_KEY"])
def test_keys_that_are_not_32_random_bytes_are_refused(production, name, value):
    setattr(production, name, value)
    assert "sf.E011" in ids(production_settings(None))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("SKILLFUND_ID_ENCRYPTION_KEY", "SKILLFUND_ID_INDEX_KEY"),
        ("SKILLFUND_ID_ENCRYPTION_KEY", "SKILLFUND_AUDIT_KEY"),
        ("SKILLFUND_ID_INDEX_KEY", "SKILLFUND_AUDIT_KEY"),
    ],
)
def test_one_key_used_twice_is_refused(production, a, b):
    setattr(production, b, getattr(production, a))
    assert "sf.E012" in ids(production_settings(None))


def test_the_audit_key_is_checked_only_when_the_setting_exists(production):
    del production.SKILLFUND_AUDIT_KEY
    assert production_settings(None) == []


@pytest.mark.parametrize("purpose", ["id-enc", "id-index", "audit"])
def test_the_development_keys_are_refused(production, purpose):
    production.SKILLFUND_ID_ENCRYPTION_KEY = keys.dev_key(keys.DEV_SECRET_KEY, purpose)
    assert "sf.E013" in ids(production_settings(None))


def test_the_development_secret_is_refused(production):
    production.SECRET_KEY = keys.DEV_SECRET_KEY
    assert "sf.E013" in ids(production_settings(None))


def test_a_key_derived_from_the_secret_is_refused(production):
    production.SKILLFUND_ID_INDEX_KEY = keys.dev_key(production.SECRET_KEY, "id-index")
    assert "sf.E013" in ids(production_settings(None))


_KEYISH = re.compile(r"(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{43}=(?![A-Za-z0-9+/=])")
_SECRET_ASSIGNMENT = re.compile(r"DJANGO_SECRET_KEY\s*[=:]\s*['\"]?([^\s'\"$]{8,})")


def test_every_key_literal_committed_in_the_repository_is_refused():
    """A key in the docs, tests or scripts is public: production must refuse each one."""
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    found = set()
    for name in files:
        path = ROOT / name
        if path.suffix in {".lock", ".mo", ".png", ".jpg", ".pdf", ".xlsx", ".parquet"} or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="ignore")
        found |= {m for m in _KEYISH.findall(text) if len(base64.b64decode(m)) == 32 and not keys.key_problem(m)}
        found |= {m for m in _SECRET_ASSIGNMENT.findall(text) if not keys.secret_problem(m)}
    # A committed value production would accept as random-looking must be listed as public.
    assert not (found - keys.PUBLIC_KEYS), "add these committed keys to skillfund.core.keys.PUBLIC_KEYS"


@pytest.mark.parametrize("hosts", [[], ["testserver"], ["*"], ["skills.example.gov.cn", "testserver"]])
def test_production_needs_explicit_allowed_hosts(production, hosts):
    production.ALLOWED_HOSTS = hosts
    assert "sf.E014" in ids(production_settings(None))


def _manage(*args: str, **environ: str) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), **environ}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_production_with_nothing_set_lists_check_errors_without_a_traceback(tmp_path):
    result = _manage("check", SKILLFUND_ENV="production", SKILLFUND_DATA_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    for error in ("sf.E002", "sf.E014"):
        assert error in result.stderr
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_check_deploy_with_a_complete_production_environment_is_clean(tmp_path):
    result = subprocess.run(
        ["bash", "scripts/check_deploy.sh"],
        cwd=ROOT,
        env={**os.environ, "SKILLFUND_DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


# ---- headers -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy(client):
    policy = client.get(reverse("web:login"))["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
    assert directives["default-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in directives["script-src"] and "unsafe-inline" not in directives["style-src"]


@pytest.mark.django_db
def test_project_templates_have_no_inline_script_style_or_event_handler():
    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=", re.IGNORECASE)
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "skillfund").glob("*/templates/**/*.html")
        if inline.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


@pytest.mark.django_db
def test_hsts_and_ssl_redirect_in_production(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    assert client.get(reverse("web:login")).status_code == 301
    response = client.get(reverse("web:login"), secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000; includeSubDomains")


def test_production_settings_module_sets_the_transport_and_cookie_flags(tmp_path):
    env = {
        "SKILLFUND_ENV": "production",
        "SKILLFUND_DATA_DIR": str(tmp_path),
        "DJANGO_ALLOWED_HOSTS": "skills.example.gov.cn",
        "SKILLFUND_PROXY_SSL_HEADER": "X-Forwarded-Proto",
    }
    code = (
        "from django.conf import settings as s; "
        "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, "
        "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.CSRF_COOKIE_HTTPONLY, "
        "s.SESSION_COOKIE_SAMESITE, s.SECURE_REFERRER_POLICY, s.SECURE_PROXY_SSL_HEADER, s.ALLOWED_HOSTS)"
    )
    result = _manage("shell", "-c", code, **env)
    assert result.stdout.strip().splitlines()[-1] == (
        "True 31536000 True True True True True Lax same-origin ('HTTP_X_FORWARDED_PROTO', 'https') "
        "['skills.example.gov.cn']"
    ), result.stderr[-2000:]


@pytest.mark.django_db
def test_responses_to_a_signed_in_user_are_not_stored(client, settings):
    settings.SKILLFUND_REQUIRE_2FA = False
    assert "no-store" not in client.get(reverse("reports:index")).get("Cache-Control", "")  # no personal data
    client.force_login(UserFactory(role=Role.HR_STAFF))
    for path in (reverse("web:home"), "/admin/", "/admin/registry/person/", "/api/v1/applications/"):
        assert "no-store" in client.get(path)["Cache-Control"], path


@pytest.mark.django_db
def test_public_notice_pages_are_not_stored(client):
    assert "no-store" in client.get(reverse("notices:list"))["Cache-Control"]


def test_a_wsgi_server_refuses_to_serve_with_weak_production_settings(tmp_path):
    env = {"PATH": os.environ["PATH"], "SKILLFUND_ENV": "production", "SKILLFUND_DATA_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", "import config.wsgi"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0 and "sf.E002" in result.stderr


@pytest.mark.django_db
def test_the_main_back_office_pages_render_nothing_inline(client, settings):
    """The Django admin's own templates must stay within the policy too (verified once in
    headless Chromium: no CSP violation reported on these pages)."""
    settings.SKILLFUND_REQUIRE_2FA = False
    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(?!\s*</script>)|<style\b|\sstyle=|\son[a-z]+=", re.I)
    user = UserFactory(role=Role.SYSADMIN)
    client.force_login(user)
    for path in (
        "/admin/",
        reverse("admin:accounts_user_changelist"),
        reverse("admin:accounts_user_change", args=[user.pk]),
        reverse("admin:accounts_user_add"),
        reverse("admin:axes_accessattempt_changelist"),
        reverse("admin:organizations_organization_add"),
        reverse("admin:core_auditrecord_changelist"),
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert not inline.findall(response.content.decode()), path
