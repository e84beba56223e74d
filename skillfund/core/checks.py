"""Production settings may not relax security: these checks stop `runserver`/`migrate` (and
`manage.py check`) if they do. They read the settings only; settings.py never raises or decodes a
key itself, so a missing or weak value is listed here instead of ending in a traceback."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured

from skillfund.core import keys

# Setting → environment variable it comes from (the messages name what the operator sets).
_SECRET = ("SECRET_KEY", "DJANGO_SECRET_KEY")
_KEYS = (
    ("SKILLFUND_ID_ENCRYPTION_KEY", "SKILLFUND_ID_ENCRYPTION_KEY"),
    ("SKILLFUND_ID_INDEX_KEY", "SKILLFUND_ID_INDEX_KEY"),
    ("SKILLFUND_AUDIT_KEY", "SKILLFUND_AUDIT_KEY"),
)


def _secret_key() -> str:
    try:
        return settings.SECRET_KEY
    except ImproperlyConfigured:  # Django refuses to hand out an empty SECRET_KEY
        return ""


@register(deploy=False)
def production_settings(app_configs, **kwargs) -> list[Error]:
    if not settings.PRODUCTION:
        return []
    errors = []
    if not settings.SKILLFUND_REQUIRE_2FA:
        errors.append(Error("Production requires the second factor (SKILLFUND_REQUIRE_2FA=1).", id="sf.E001"))
    if settings.DEBUG:
        errors.append(Error("Production must not run with DJANGO_DEBUG=1.", id="sf.E003"))

    secret = _secret_key()
    # The audit key is checked where the settings define it (it arrives with the audit chain).
    present = [(name, var) for name, var in _KEYS if hasattr(settings, name)]
    values = {name: getattr(settings, name) or "" for name, _var in present}
    for name, var in (_SECRET, *present):
        if not (secret if name == "SECRET_KEY" else values[name]):
            errors.append(Error(f"Production requires {var} from the environment.", id="sf.E002"))

    if secret and (problem := keys.secret_problem(secret)):
        errors.append(
            Error(f"DJANGO_SECRET_KEY {problem}.", hint="Generate one: see scripts/check_deploy.sh.", id="sf.E010")
        )
    for name, var in present:
        if values[name] and (problem := keys.key_problem(values[name])):
            errors.append(
                Error(f"{var} {problem}.", hint="Use base64 of 32 bytes from a CSPRNG (os.urandom(32)).", id="sf.E011")
            )
    used = [value for value in values.values() if value]
    if len(used) != len(set(used)):
        errors.append(
            Error("Each of " + ", ".join(var for _n, var in present) + " must be a different key.", id="sf.E012")
        )

    public = keys.PUBLIC_KEYS | {keys.dev_key(secret, p) for p in keys.DEV_KEY_PURPOSES}
    for name, var in (_SECRET, *present):
        value = secret if name == "SECRET_KEY" else values[name]
        if value in public:
            errors.append(Error(f"{var} is a development key published in the repository.", id="sf.E013"))

    hosts = settings.ALLOWED_HOSTS
    if not hosts or "*" in hosts or "testserver" in hosts:
        errors.append(
            Error(
                "Production requires DJANGO_ALLOWED_HOSTS: the site's own host names, no '*' or 'testserver'.",
                id="sf.E014",
            )
        )
    return errors
