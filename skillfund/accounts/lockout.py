"""How long a lockout lasts (django-axes' AXES_COOLOFF_TIME callable).

Failures count per user name and address together (settings.AXES_LOCKOUT_PARAMETERS). The first
lockout of a pair waits AXES_COOLOFF_HOURS; every further AXES_FAILURE_LIMIT failures of the same
pair double it, up to AXES_COOLOFF_MAX_HOURS. Only failures since the pair's last successful
sign-in, and within the cap, count: a slow guesser keeps waiting longer, a user who mistyped and
then got in starts afresh, and no other pair is affected.
"""

from __future__ import annotations

from datetime import timedelta

from axes.models import AccessFailureLog, AccessLog
from django.conf import settings
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone


def _username(request: HttpRequest) -> str | None:
    """The name being tried: the sign-in form's, or the signed-in user's at the second step."""
    credentials = getattr(request, "axes_credentials", None) or {}
    name = credentials.get("username") or request.POST.get("username")
    if not name and getattr(request, "user", None) is not None and request.user.is_authenticated:
        name = request.user.get_username()
    return name or None


def cool_off(request: HttpRequest | None) -> timedelta:
    base = timedelta(hours=settings.AXES_COOLOFF_HOURS)
    cap = timedelta(hours=settings.AXES_COOLOFF_MAX_HOURS)
    username = _username(request) if request is not None else None
    address = getattr(request, "axes_ip_address", None)
    if username is None or address is None:
        return base
    pair = {"username": username, "ip_address": address}
    since = timezone.now() - cap
    last_success = AccessLog.objects.filter(**pair).aggregate(at=Max("attempt_time"))["at"]
    if last_success is not None:
        since = max(since, last_success)
    failures = AccessFailureLog.objects.filter(**pair, attempt_time__gt=since).count()
    lockouts = failures // settings.AXES_FAILURE_LIMIT
    return min(base * 2 ** max(lockouts - 1, 0), cap)
