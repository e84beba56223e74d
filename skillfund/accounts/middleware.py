"""Session rules for signed-in staff: the second factor, the idle timeout, and no caching of
what they are shown.

MLPS level 3: a signed-in staff member without a verified second factor reaches only the
pages that let them set one up or verify it — on every path, the back office (/admin/) included.

The second factor is required when settings.SKILLFUND_REQUIRE_2FA is on (always in production).
In a relaxed demo, a user who has enrolled a device is still asked for it: the sign-in marks the
session as waiting for the second step, and this middleware holds them to it.

A worker (role `worker`, accounts/workers.py) has no password: they sign in with their mobile
number and a one-time SMS code, which is the possession factor, so no TOTP is asked of them. Their
account cannot reach the back office (no staff flag: a database check) nor any staff record.
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers

from skillfund.accounts.models import Role
from skillfund.api.errors import body as api_error_body

_OPEN_PREFIXES = ("/login", "/logout", "/otp/", "/i18n/", "/static/", "/public/")
SECOND_STEP_PENDING = "skillfund_second_step_pending"


def second_factor_required(request) -> bool:
    """Is this signed-in request still waiting for its second factor?"""
    user = request.user
    if not user.is_authenticated or user.is_verified() or user.role == Role.WORKER:
        return False
    return settings.SKILLFUND_REQUIRE_2FA or bool(request.session.get(SECOND_STEP_PENDING))


class RequireSecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(_OPEN_PREFIXES) and second_factor_required(request):
            return redirect(f"{reverse('web:otp')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


LAST_ACTIVITY = "skillfund_last_activity"
IDLE_ZH = "因闲置时间过长，您已退出登录，请重新登录。"
IDLE_EN = "You were signed out after being idle too long. Please sign in again."
# Seconds: the idle clock restarts at most once a minute, so not every request writes the session.
_ACTIVITY_RESOLUTION = 60


class IdleTimeoutMiddleware:
    """MLPS level 3: a session idle longer than SKILLFUND_IDLE_TIMEOUT_MINUTES ends. Pages go to
    the sign-in with a message; the API answers 401 in its error shape."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = time.time()
            last = request.session.get(LAST_ACTIVITY)
            if last is not None and now - last > settings.SKILLFUND_IDLE_TIMEOUT_MINUTES * 60:
                sign_in = "web:worker:login" if request.user.role == Role.WORKER else "web:login"
                logout(request)
                if request.path.startswith("/api/"):
                    return JsonResponse(api_error_body("session_expired", IDLE_ZH, IDLE_EN), status=401)
                messages.info(request, f"{IDLE_ZH} / {IDLE_EN}")
                return redirect_to_login(request.get_full_path(), reverse(sign_in))
            if last is None or now - last >= _ACTIVITY_RESOLUTION:
                request.session[LAST_ACTIVITY] = now
        return self.get_response(request)


# Public pages that show (masked) names of people: never kept by a browser or proxy cache.
_PERSONAL_PUBLIC_PREFIXES = ("/public/notices/",)


class NoStoreMiddleware:
    """Cache-Control: no-store on every response that may carry personal data: anything served
    to a signed-in user, and the public notices (masked names, PDF included)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or request.path.startswith(_PERSONAL_PUBLIC_PREFIXES):
            add_never_cache_headers(response)
        return response
