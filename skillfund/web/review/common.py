"""What the review pages share: who may open them, refusals in the user's language, paging."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language

from skillfund.accounts.models import Role
from skillfund.accounts.scoping import role_of
from skillfund.core.errors import DomainError

# The review pages' users (§4.3.d): departments verify, the HR bureau checks, publishes, approves
# and decides objections, the auditor reads everything and checks the audit chain.
REVIEWERS = frozenset({Role.DEPARTMENT_STAFF, Role.HR_STAFF, Role.AUDITOR})
PAGE_SIZE = 25


def english() -> bool:
    return (get_language() or "").startswith("en")


def said(exc: DomainError) -> str:
    """A refusal as the user reads it: their language, and the clause it rests on."""
    text = exc.en if english() else exc.zh
    return f"{text} ({exc.clause})" if exc.clause else text


def reviewer_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in, with a reviewing role (403 otherwise). What each may see and do is the
    selectors' and actions' business."""

    @wraps(view)
    @login_required
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if role_of(request.user) not in REVIEWERS:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def page_of(request: HttpRequest, queryset: Any, size: int = PAGE_SIZE) -> Page:
    """The requested page (a wrong or missing number gives the first or last page, never an error)."""
    return Paginator(queryset, size).get_page(request.GET.get("page"))


def query_without_page(request: HttpRequest) -> str:
    """The current filters as a query string, for the pager's links."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def occupation_name(occupation: Any) -> str:
    """An occupation as people name it: its name (English in English mode), then its code."""
    if occupation is None:
        return ""
    name = occupation.name_en if english() and occupation.name_en else occupation.name
    return f"{name} ({occupation.code})"
