"""MLPS level 3: a signed-in staff member without a verified second factor reaches only the
pages that let them set one up or verify it."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import redirect

_OPEN_PREFIXES = ("/login", "/logout", "/otp/", "/i18n/", "/static/", "/public/")


class RequireSecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            settings.SKILLFUND_REQUIRE_2FA
            and user.is_authenticated
            and not user.is_verified()
            and not request.path.startswith(_OPEN_PREFIXES)
        ):
            return redirect("web:otp")
        return self.get_response(request)
