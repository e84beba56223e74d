"""Production settings may not relax security: these checks stop `runserver`/`migrate` if they do."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, register


@register(deploy=False)
def production_settings(app_configs, **kwargs) -> list[Error]:
    if not settings.PRODUCTION:
        return []
    errors = []
    if not settings.SKILLFUND_REQUIRE_2FA:
        errors.append(Error("Production requires the second factor (SKILLFUND_REQUIRE_2FA=1).", id="sf.E001"))
    for name in ("SECRET_KEY", "SKILLFUND_ID_ENCRYPTION_KEY", "SKILLFUND_ID_INDEX_KEY"):
        if not getattr(settings, name):
            errors.append(Error(f"Production requires {name} from the environment.", id="sf.E002"))
    if settings.DEBUG:
        errors.append(Error("Production must not run with DJANGO_DEBUG=1.", id="sf.E003"))
    return errors
