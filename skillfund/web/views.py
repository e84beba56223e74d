"""Sign-in with a password and a second factor (MLPS level 3), and the signed-in landing page.

Steps: password (django-axes counts failures per username and IP address together, with a
wait that grows with repeated lockouts: accounts/lockout.py) → TOTP
code, or first enrolment of a TOTP device when the second factor is required and the user has
none. A wrong code counts as a failed sign-in for the lockout too, on top of the device's own
throttling (django-otp doubles the wait after each wrong code).
"""

from __future__ import annotations

import importlib.util
from base64 import b32encode
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from axes.handlers.proxy import AxesProxyHandler
from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.views import LoginView
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from skillfund.accounts import permissions
from skillfund.accounts.actions import totp_device_confirm, totp_device_start
from skillfund.accounts.lockout import cool_off
from skillfund.accounts.middleware import SECOND_STEP_PENDING
from skillfund.accounts.models import Role
from skillfund.claims.history import history_import, may_import_history
from skillfund.core.errors import DomainError, InvalidInput

RELAXED_NOTICE = "演示环境：已放宽第二验证因素 / Demo: second factor relaxed"


def _confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _with_next(url: str, next_url: str) -> str:
    return f"{url}?{urlencode({'next': next_url})}"


class SignInView(LoginView):
    template_name = "web/login.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["relaxed_notice"] = None if settings.SKILLFUND_REQUIRE_2FA else RELAXED_NOTICE
        return context

    def form_valid(self, form):
        user = form.get_user()
        auth_login(self.request, user)
        if settings.SKILLFUND_REQUIRE_2FA or _confirmed_device(user) is not None:
            self.request.session[SECOND_STEP_PENDING] = True
            return redirect(_with_next(reverse("web:otp"), self.get_success_url()))
        return redirect(self.get_success_url())


login_view = never_cache(SignInView.as_view())


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    worker = getattr(request.user, "role", None) == Role.WORKER
    logout(request)
    return redirect("web:worker:login" if worker else "web:login")


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("6-digit code from your authenticator app"),
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True, "size": 8}
        ),
    )


def _locked_out(request: HttpRequest) -> HttpResponse:
    # The wait is read before signing out: at the second step the user name comes from the session.
    # The same context django-axes gives this template when it refuses a password.
    context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "cooloff_timedelta": cool_off(request)}
    logout(request)
    return render(request, "web/locked_out.html", context, status=429)


def _token_accepted(request: HttpRequest, device: TOTPDevice, token: str) -> bool:
    """Check a code. A refused one — wrong, or sent while the device is throttled — is a failed
    sign-in for django-axes, so guessing codes locks the account like guessing passwords."""
    allowed, _info = device.verify_is_allowed()
    if allowed and device.verify_token(token.strip()):
        return True
    user_login_failed.send(sender=__name__, credentials={"username": request.user.get_username()}, request=request)
    return False


def _is_locked(request: HttpRequest) -> bool:
    return AxesProxyHandler.is_locked(request, credentials={"username": request.user.get_username()})


def _verified(request: HttpRequest, device: TOTPDevice) -> HttpResponse:
    otp_login(request, device)
    request.session.pop(SECOND_STEP_PENDING, None)
    return redirect(_next_url(request))


@never_cache
@login_required
def otp_view(request: HttpRequest) -> HttpResponse:
    """The second step: a code from the user's confirmed TOTP device."""
    if request.user.is_verified():
        return redirect(_next_url(request))
    device = _confirmed_device(request.user)
    if device is None:
        if settings.SKILLFUND_REQUIRE_2FA:
            return redirect(_with_next(reverse("web:otp_setup"), _next_url(request)))
        request.session.pop(SECOND_STEP_PENDING, None)  # relaxed demo, nothing to verify
        return redirect(_next_url(request))
    if _is_locked(request):
        return _locked_out(request)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _token_accepted(request, device, form.cleaned_data["token"]):
            return _verified(request, device)
        if getattr(request, "axes_locked_out", False) or _is_locked(request):
            return _locked_out(request)
        form.add_error("token", _("The code is wrong or has expired. Wait a moment and try again."))
    return render(request, "web/otp.html", {"form": form, "next": _next_url(request)})


def _qr_svg(data: str) -> str:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    return image.to_string(encoding="unicode")


@never_cache
@login_required
def otp_setup_view(request: HttpRequest) -> HttpResponse:
    """First enrolment: scan the QR code (drawn here as inline SVG) and confirm with a first code."""
    if request.user.is_verified() or _confirmed_device(request.user) is not None:
        return redirect(_with_next(reverse("web:otp"), _next_url(request)))
    if _is_locked(request):
        return _locked_out(request)
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).order_by("pk").first()
    if device is None:
        device = totp_device_start(user=request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _token_accepted(request, device, form.cleaned_data["token"]):
            totp_device_confirm(user=request.user, device=device)
            return _verified(request, device)
        if getattr(request, "axes_locked_out", False) or _is_locked(request):
            return _locked_out(request)
        form.add_error("token", _("The code is wrong or has expired. Wait a moment and try again."))
    context = {
        "form": form,
        "next": _next_url(request),
        "qr_svg": _qr_svg(device.config_url),
        "secret": b32encode(device.bin_key).decode(),
    }
    return render(request, "web/otp_setup.html", context)


def _roster_template_available() -> bool:
    return importlib.util.find_spec("skillfund.registry.roster_template") is not None


def _roster_import_available() -> bool:
    return importlib.util.find_spec("skillfund.registry.importing") is not None


def _may_import(user) -> bool:
    return permissions.allowed(user, "registry.person", "add") and _roster_import_available()


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.role == Role.WORKER:  # a worker's own pages (web/worker/), never the staff workspace
        return redirect("web:worker:home")
    context = {
        "role_label": user.get_role_display() if user.role else _("no role"),
        "back_office": admin.site.has_permission(request),
        "roster_template": _roster_template_available(),
        "roster_import": _may_import(user),
        "history_import": may_import_history(user),
        "second_factor_on": user.is_verified(),
        "relaxed_notice": None if settings.SKILLFUND_REQUIRE_2FA else RELAXED_NOTICE,
    }
    return render(request, "web/home.html", context)


@login_required
def roster_template(request: HttpRequest) -> HttpResponse:
    """The .xlsx roster template (skillfund.registry.roster_template)."""
    from skillfund.registry.roster_template import template_bytes

    response = HttpResponse(
        template_bytes(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="skillfund-roster-template.xlsx"'
    return response


class RosterUploadForm(forms.Form):
    file = forms.FileField(label=_("Roster file (.xlsx, .xls or .csv)"))


PROBLEMS_SHOWN = 200


@login_required
def roster_import_view(request: HttpRequest) -> HttpResponse:
    """Upload a roster (§4.4.d). An organization's import puts everyone in it on its own roster."""
    user = request.user
    if not _may_import(user):
        raise PermissionDenied
    from skillfund.registry.importing import roster_import

    organization = user.organization if user.organization_scoped else None
    context = _upload(
        request,
        RosterUploadForm,
        lambda upload: roster_import(actor=user, file=upload, organization=organization, file_name=upload.name),
    )
    context["roster_template"] = _roster_template_available()
    return render(request, "web/roster_import.html", context)


def _upload(request: HttpRequest, form_class: type[forms.Form], run: Callable[[Any], Any]) -> dict[str, Any]:
    """An all-or-nothing file import from a page: the result, or the file's problems (row, column,
    value, reason; the first PROBLEMS_SHOWN of them), or the action's refusal on the form."""
    form = form_class(request.POST or None, request.FILES or None)
    result, problems = None, []
    if request.method == "POST" and form.is_valid():
        try:
            result = run(form.cleaned_data["file"])
        except InvalidInput as exc:
            problems = exc.problems
        except DomainError as exc:
            form.add_error(None, f"{exc.zh} / {exc.en}")
    return {"form": form, "result": result, "problems": problems[:PROBLEMS_SHOWN], "problem_count": len(problems)}


class HistoryUploadForm(forms.Form):
    file = forms.FileField(label=_("Past subsidies file (.xlsx or .csv)"))


@login_required
def history_import_view(request: HttpRequest) -> HttpResponse:
    """Record past subsidies (§3.3.b) as history grants: the HR bureau only (the action checks too)."""
    user = request.user
    if not may_import_history(user):
        raise PermissionDenied
    context = _upload(
        request, HistoryUploadForm, lambda upload: history_import(actor=user, file=upload, file_name=upload.name)
    )
    return render(request, "web/history_import.html", context)
