"""MLPS level 3: a signed-in staff member without a verified second factor reaches only the
pages that let them set one up or verify it — on every path, the back office (/admin/) included.

The second factor is required when settings.SKILLFUND_REQUIRE_2FA is on (always in production).
In a relaxed demo, a user who has enrolled a device is still asked for it: the sign-in marks the
session as waiting for the second step, and this middleware holds them to it.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

_OPEN_PREFIXES = ("/login", "/logout", "/otp/", "/i18n/", "/static/", "/public/")
SECOND_STEP_PENDING = "skillfund_second_step_pending"


def second_factor_required(request) -> bool:
    """Is this signed-in request still waiting for its second factor?"""
    user = request.user
    if not user.is_authenticated or user.is_verified():
        return False
    return settings.SKILLFUND_REQUIRE_2FA or bool(request.session.get(SECOND_STEP_PENDING))


class RequireSecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(_OPEN_PREFIXES) and second_factor_required(request):
            return redirect(f"{reverse('web:otp')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
