from __future__ import annotations

from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html")


login_view = LoginView.as_view(template_name="web/login.html")


def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("web:login")


@login_required
def otp_view(request: HttpRequest) -> HttpResponse:
    return render(request, "web/otp.html")
