"""Production may not send workers' sign-in codes to the console or a test outbox."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, register

from skillfund.accounts.sms import NOT_FOR_PRODUCTION

GATEWAY = "skillfund.accounts.sms.HttpGatewayBackend"


@register(deploy=False)
def sms_backend(app_configs, **kwargs) -> list[Error]:
    if not settings.PRODUCTION:
        return []
    backend = getattr(settings, "SKILLFUND_SMS_BACKEND", "")
    if not backend or backend in NOT_FOR_PRODUCTION:
        return [
            Error(
                "Production requires SKILLFUND_SMS_BACKEND: a provider's SMS backend, not the console or test one.",
                hint="A dotted path to a class with send(messages), as in skillfund/accounts/sms.py.",
                id="sf.E020",
            )
        ]
    if backend == GATEWAY and not settings.SKILLFUND_SMS_GATEWAY_URL.startswith("https://"):
        return [Error("SKILLFUND_SMS_GATEWAY_URL must be the gateway's https:// address.", id="sf.E021")]
    return []
