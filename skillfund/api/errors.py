"""The API's error shape: {"code", "zh", "en", "clause"}, whatever refused the request.

A refusal of the rules is 400, one that conflicts with the record's current state 409; a role
or responsibility refusal 403; a record outside the user's scope 404 (it says nothing about
whether the record exists)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from skillfund.core.errors import DomainError

FORBIDDEN = frozenset(
    {"not_permitted", "role_not_allowed", "not_responsible", "not_applicant", "segregation_of_duties"}
)
CONFLICT = frozenset(
    {
        "idempotency_conflict",
        "idempotency_in_progress",
        "transition_not_allowed",
        "concurrent_step",
        "notice_open",
        "not_approved",
        "already_batched",
        "already_paid",
        "already_settled",
        "claim_in_application",
        "claim_already_granted",
        "line_paid",
        "line_cancelled",
        "line_not_paid",
        "bank_reference_recorded",
        "advance_changed",
        "insufficient_balance",
    }
)


def status_of(exc: DomainError) -> int:
    if exc.code in FORBIDDEN:
        return status.HTTP_403_FORBIDDEN
    if exc.code in CONFLICT:
        return status.HTTP_409_CONFLICT
    return status.HTTP_400_BAD_REQUEST


def body(code: str, zh: str, en: str, clause: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"code": code, "zh": zh, "en": en, "clause": clause, **extra}


def error_response(exc: DomainError) -> Response:
    return Response(body(exc.code, exc.zh, exc.en, exc.clause), status=status_of(exc))


def handle(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's exception handler, answering in the API's error shape."""
    if isinstance(exc, DomainError):
        return error_response(exc)
    if isinstance(exc, Http404 | exceptions.NotFound):
        return Response(body("not_found", "未找到", "not found"), status=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, PermissionDenied | exceptions.PermissionDenied):
        return Response(body("forbidden", "无权办理", "not allowed"), status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, exceptions.ValidationError):
        return Response(
            body("invalid_input", "输入有误", "invalid input", fields=exc.detail), status=status.HTTP_400_BAD_REQUEST
        )
    response = exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else "error"
        response.data = body(code, str(exc.detail), str(exc.detail))
    return response
