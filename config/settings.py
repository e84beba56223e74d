"""The one settings module. Everything that differs between machines comes from the environment.

`SKILLFUND_ENV` is `dev` (default: demo data, relaxed second factor) or `production` (strict:
explicit secrets, TOTP required; the system checks in `skillfund.core.checks` refuse to start
otherwise). A `data/local.env` file written by `scripts/run.sh` supplies local secrets.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from skillfund.core.keys import DEV_SECRET_KEY, dev_key

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("SKILLFUND_DATA_DIR", BASE_DIR / "data"))


def _load_env_file(path: Path) -> None:
    """Read KEY=VALUE lines; the real environment wins."""
    if not path.exists():
        return
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            os.environ.setdefault(key.strip(), value.strip())


_load_env_file(DATA_DIR / "local.env")
env = os.environ.get

SKILLFUND_ENV = env("SKILLFUND_ENV", "dev")
PRODUCTION = SKILLFUND_ENV == "production"
DEBUG = env("DJANGO_DEBUG", "0" if PRODUCTION else "1") == "1"
# Production takes every secret from the environment; a missing or weak one is listed by the
# system checks (skillfund.core.checks), never raised here, so `manage.py check` can report it.
SECRET_KEY = env("DJANGO_SECRET_KEY", "" if PRODUCTION else DEV_SECRET_KEY)
# Production serves only the host names it is given (no 'testserver', no default).
ALLOWED_HOSTS = [
    h for h in env("DJANGO_ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver").split(",") if h
]


def _dev_key(purpose: str) -> str:
    # Development only: a key derived from the (dev) secret so tests run without set-up.
    return dev_key(SECRET_KEY, purpose)


# PIPL Art. 28: citizen ID numbers are encrypted at rest (AES-256-GCM) and found by a keyed hash.
SKILLFUND_ID_ENCRYPTION_KEY = env("SKILLFUND_ID_ENCRYPTION_KEY") or ("" if PRODUCTION else _dev_key("id-enc"))
SKILLFUND_ID_INDEX_KEY = env("SKILLFUND_ID_INDEX_KEY") or ("" if PRODUCTION else _dev_key("id-index"))
# The audit chain's HMAC key (§4.3.c), outside the database like the ID keys, and where its head is
# checkpointed: an append-only file here (production: a WORM store), every N records and on demand.
SKILLFUND_AUDIT_KEY = env("SKILLFUND_AUDIT_KEY") or ("" if PRODUCTION else _dev_key("audit"))
SKILLFUND_AUDIT_CHECKPOINT_DIR = Path(env("SKILLFUND_AUDIT_CHECKPOINT_DIR", DATA_DIR / "audit-checkpoints"))
SKILLFUND_AUDIT_CHECKPOINT_EVERY = int(env("SKILLFUND_AUDIT_CHECKPOINT_EVERY", "100"))
# Roles that may see a full ID number (every reveal is audit-logged).
SKILLFUND_ID_REVEAL_ROLES = env("SKILLFUND_ID_REVEAL_ROLES", "hr_staff,auditor").split(",")
# MLPS level 3: staff need a second factor. Only a non-production demo may relax it.
SKILLFUND_REQUIRE_2FA = env("SKILLFUND_REQUIRE_2FA", "1" if PRODUCTION else "0") == "1"
OTP_TOTP_ISSUER = "SkillFund"
# Workers sign in with a mobile number and a code sent by SMS (accounts/sms.py): a dotted path to
# the backend. The demo prints messages to the console; production names its provider's backend
# (the system checks refuse the console and test backends there).
SKILLFUND_SMS_BACKEND = env("SKILLFUND_SMS_BACKEND", "" if PRODUCTION else "skillfund.accounts.sms.ConsoleBackend")
SKILLFUND_SMS_GATEWAY_URL = env("SKILLFUND_SMS_GATEWAY_URL", "")  # for sms.HttpGatewayBackend
SKILLFUND_SMS_GATEWAY_TOKEN = env("SKILLFUND_SMS_GATEWAY_TOKEN", "")
SKILLFUND_POLICY_DATA = Path(env("SKILLFUND_POLICY_DATA", BASE_DIR / "policy_data"))
# The GB/T 2260 code of the city the deployment serves: its programme is the public pages' default
# when several cities' programmes are loaded (empty: the region of the first programme loaded).
SKILLFUND_REGION = env("SKILLFUND_REGION", "")

INSTALLED_APPS = [
    "skillfund.web",  # first, so its templates can extend the admin's (language switch)
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "skillfund.core",
    "skillfund.accounts",
    "skillfund.regions",
    "skillfund.organizations",
    "skillfund.registry",
    "skillfund.catalog",
    "skillfund.programme",
    "skillfund.training",
    "skillfund.claims",
    "skillfund.notices",
    "skillfund.funds",
    "skillfund.materials",
    "rest_framework",
    "skillfund.api",
    "skillfund.reports",
    "skillfund.portal",
    "skillfund.demo",
    "captcha",  # django-simple-captcha: the public objection form's offline challenge
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "skillfund.web.input_guard.InputGuardMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "skillfund.web.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "skillfund.accounts.middleware.RequireSecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "skillfund.accounts.middleware.IdleTimeoutMiddleware",
    "skillfund.accounts.middleware.NoStoreMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "skillfund.web.nav.context",
            ]
        },
    }
]

# DATABASE_URL selects the database; the default is SQLite in the data folder. IMMEDIATE
# transactions take SQLite's write lock at BEGIN, so read-check-write quota logic is serialised.
# On PostgreSQL the application connects as a role that owns nothing; DATABASE_OWNER_URL, the
# tables' owner, is set only where `skillfund migrate` runs (alias "owner"; README, Database roles).


def _database(url: str) -> dict[str, Any]:
    database = dj_database_url.parse(url, conn_max_age=0)
    if database["ENGINE"] == "django.db.backends.sqlite3":
        database["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 30}
    elif database["ENGINE"] == "django.db.backends.postgresql":
        # No JIT: compiling the bulk fact queries took over a second and never paid back (benchmarks/).
        database.setdefault("OPTIONS", {})["options"] = "-c jit=off"
    return database


DATABASES = {"default": _database(env("DATABASE_URL", f"sqlite:///{DATA_DIR / 'skillfund.sqlite3'}"))}
if env("SKILLFUND_TEST_DB_NAME"):  # lets parallel test runs on one PostgreSQL server keep apart
    DATABASES["default"]["TEST"] = {"NAME": env("SKILLFUND_TEST_DB_NAME")}
if env("DATABASE_OWNER_URL"):
    DATABASES["owner"] = {**_database(env("DATABASE_OWNER_URL", "")), "TEST": {"MIRROR": "default"}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Lockout after repeated failures (MLPS level 3), counted per user name *and* address together:
# guessing from one address never locks everyone behind it (an office NAT), and guessing from
# elsewhere never locks the user out of their own desk. Each further lockout of the same pair
# doubles the wait, up to the cap (skillfund.accounts.lockout); a successful sign-in resets it.
AXES_FAILURE_LIMIT = int(env("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_HOURS = float(env("AXES_COOLOFF_HOURS", "0.5"))
AXES_COOLOFF_MAX_HOURS = float(env("AXES_COOLOFF_MAX_HOURS", "24"))
AXES_COOLOFF_TIME = "skillfund.accounts.lockout.cool_off"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Each attempt keeps its own expiry, so one pair's short wait never clears another pair's long one.
AXES_USE_ATTEMPT_EXPIRATION = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True  # the history the growing wait is computed from
AXES_RESET_ON_SUCCESS = True
# Behind a reverse proxy the client address is the proxy's unless we read X-Forwarded-For:
# SKILLFUND_PROXY_COUNT is how many proxies of ours stand in front (0: none, trust REMOTE_ADDR).
SKILLFUND_PROXY_COUNT = int(env("SKILLFUND_PROXY_COUNT", "0"))
if SKILLFUND_PROXY_COUNT:
    AXES_IPWARE_PROXY_COUNT = SKILLFUND_PROXY_COUNT
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
AXES_LOCKOUT_TEMPLATE = "web/locked_out.html"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
# Each audience's pages (skillfund/web/<audience>/) keep their translations beside them.
LOCALE_PATHS = sorted((BASE_DIR / "skillfund" / "web").glob("*/locale"))
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_ROOT = DATA_DIR / "media"


def storages_from(environ: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """Where uploaded materials live: the filesystem under MEDIA_ROOT by default, or an
    S3-compatible bucket (AWS S3, MinIO, …) with SKILLFUND_STORAGE=s3. Nothing is served from
    MEDIA_URL: materials leave only through the scoped, audited download view."""
    kind = environ.get("SKILLFUND_STORAGE", "filesystem")
    static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    if kind == "filesystem":
        return {"default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}, "staticfiles": static}
    if kind != "s3":
        raise ImproperlyConfigured(f"SKILLFUND_STORAGE must be 'filesystem' or 's3', not {kind!r}")
    if not environ.get("AWS_STORAGE_BUCKET_NAME"):
        raise ImproperlyConfigured("SKILLFUND_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME")
    options = {
        "bucket_name": environ["AWS_STORAGE_BUCKET_NAME"],
        "endpoint_url": environ.get("AWS_S3_ENDPOINT_URL") or None,  # MinIO and other S3-compatible services
        "access_key": environ.get("AWS_ACCESS_KEY_ID") or None,
        "secret_key": environ.get("AWS_SECRET_ACCESS_KEY") or None,
        "region_name": environ.get("AWS_S3_REGION_NAME") or None,
        # Two uploads of the same bytes get two objects: deleting one (a refused insert) never
        # removes the other's file. Objects stay private; downloads go through the view.
        "file_overwrite": False,
        "default_acl": "private",
        "querystring_auth": True,
    }
    return {"default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}, "staticfiles": static}


STORAGES = storages_from(os.environ)
# Uploaded proofs (materials): the largest file accepted, in bytes (10 MiB by default).
SKILLFUND_MATERIAL_MAX_BYTES = int(env("SKILLFUND_MATERIAL_MAX_BYTES", str(10 * 1024 * 1024)))

# The REST API (skillfund/api): signed-in sessions (second factor included), JSON only, errors as
# {"code", "zh", "en", "clause"}.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "skillfund.api.errors.handle",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 100,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 3600
# MLPS level 3: a staff session ends after this much inactivity (accounts.middleware).
SKILLFUND_IDLE_TIMEOUT_MINUTES = int(env("SKILLFUND_IDLE_TIMEOUT_MINUTES", "30"))
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_HTTPONLY = True  # no script of ours reads it; forms carry the token
# Lax: links into the site from mail keep the session; cross-site POSTs do not carry it.
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# HTTPS only in production. Behind a TLS-terminating reverse proxy set SKILLFUND_PROXY_SSL_HEADER
# to the header it sets (e.g. X-Forwarded-Proto); the proxy must overwrite any value from clients.
SECURE_SSL_REDIRECT = env("SKILLFUND_SSL_REDIRECT", "1" if PRODUCTION else "0") == "1"
if env("SKILLFUND_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + env("SKILLFUND_PROXY_SSL_HEADER", "").upper().replace("-", "_"), "https")
SECURE_HSTS_SECONDS = int(env("SKILLFUND_HSTS_SECONDS", "31536000" if PRODUCTION else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# The preload directive only makes the domain eligible: listing in browsers still needs the domain
# owner's submission at hstspreload.org and is slow to undo, so it is their call (off with 0).
SECURE_HSTS_PRELOAD = env("SKILLFUND_HSTS_PRELOAD", "1") == "1"

# Content Security Policy (django-csp 4): only our own scripts, styles and images; no inline
# script or style anywhere (tests/test_production_settings.py scans the templates), no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# ---- cache and the public objection form's challenge (notices/limits.py, notices/views.py) ----------
# Rate-limit counters need one cache shared by every process: Redis when REDIS_URL is set (as in
# production); the embedded default keeps them in local memory.
if env("REDIS_URL"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env("REDIS_URL")}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "skillfund"}}
CAPTCHA_LENGTH = 5
CAPTCHA_TIMEOUT = 10  # minutes
CAPTCHA_FLITE_PATH = None  # no audio challenge: it would need an outside program

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "WARNING")},
}
