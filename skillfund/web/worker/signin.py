"""A worker's sign-in (/me/login/…): mobile number → SMS code → (first time only) real-name
binding by ID number and name. The checks and limits are in accounts/workers.py; these views
parse the form, call it, and keep the steps' state in the session."""

from __future__ import annotations

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache

from skillfund.accounts import mobile, sms, workers
from skillfund.accounts.models import Role
from skillfund.web.worker.forms import BindForm, CodeForm, MobileForm

NUMBER = "worker_signin_number"  # the number a code was sent to (until it is checked)
PROOF = "worker_signin_proof"  # the signed proof of the number (until it is bound)
NEXT = "worker_signin_next"
DEMO_CODE = "worker_signin_demo_code"
BACKEND = "django.contrib.auth.backends.ModelBackend"


def _source(request: HttpRequest) -> str:
    return workers.source_of(get_client_ip_address(request) or "")


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url("web:worker:home")


def _signed_in(request: HttpRequest, user) -> HttpResponse:
    target = _safe_next(request, request.session.get(NEXT))
    login(request, user, backend=BACKEND)  # a new session: the steps' state goes with the old one
    return redirect(target)


def _refusal(exc: workers.SignInRefused) -> str:
    return exc.en if (get_language() or "").startswith("en") else exc.zh


@never_cache
def mobile_view(request: HttpRequest) -> HttpResponse:
    if getattr(request.user, "role", None) == Role.WORKER:
        return redirect("web:worker:home")
    form = MobileForm(request.POST or None)
    if request.method == "GET" and request.GET.get("next"):
        request.session[NEXT] = _safe_next(request, request.GET["next"])
    if request.method == "POST" and form.is_valid():
        number = form.cleaned_data["mobile"]
        try:
            sent = workers.sign_in_code_send(number=number, source=_source(request))
        except workers.SignInRefused as exc:
            if exc.code == "code_resend_wait" and request.session.get(NUMBER) == number:
                return redirect("web:worker:login_code")  # the code just sent still works
            form.add_error("mobile", _refusal(exc))
        else:
            request.session[NUMBER] = number
            request.session.pop(PROOF, None)
            if sms.codes_shown_on_page():
                request.session[DEMO_CODE] = sent.code
            return redirect("web:worker:login_code")
    context = {"form": form, "demo": sms.codes_shown_on_page(), "relaxed": not settings.SKILLFUND_REQUIRE_2FA}
    return render(request, "web/worker/login.html", context)


@never_cache
def code_view(request: HttpRequest) -> HttpResponse:
    number = request.session.get(NUMBER)
    if not number:
        return redirect("web:worker:login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            proof = workers.sign_in_code_check(number=number, code=form.cleaned_data["code"], source=_source(request))
        except workers.SignInRefused as exc:
            form.add_error("code", _refusal(exc))
        else:
            request.session.pop(NUMBER, None)
            request.session.pop(DEMO_CODE, None)
            user = workers.worker_for(proof)
            if user is not None:
                return _signed_in(request, user)
            request.session[PROOF] = proof
            return redirect("web:worker:login_bind")
    context = {
        "form": form,
        "masked": mobile.mask(number),
        "demo_code": request.session.get(DEMO_CODE) if sms.codes_shown_on_page() else None,
    }
    return render(request, "web/worker/login_code.html", context)


@never_cache
def bind_view(request: HttpRequest) -> HttpResponse:
    proof = request.session.get(PROOF)
    if not proof:
        return redirect("web:worker:login")
    form = BindForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = workers.worker_bind(
                proof=proof,
                id_number=form.cleaned_data["id_number"],
                name=form.cleaned_data["name"],
                source=_source(request),
            )
        except workers.SignInRefused as exc:
            if exc.code in ("proof_expired", "mobile_bound"):
                request.session.pop(PROOF, None)
            form.add_error(exc.field, _refusal(exc))
        else:
            request.session.pop(PROOF, None)
            return _signed_in(request, user)
    return render(request, "web/worker/login_bind.html", {"form": form})
