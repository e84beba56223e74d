"""Input no view should ever see is refused at the door with a 400.

NUL and other control characters, invalid UTF-8 and lone surrogates have no meaning anywhere in
SkillFund, yet each can break a query (PostgreSQL refuses NUL in text and cannot encode a
surrogate) or a file written later. `InputGuardMiddleware` checks the path, the query string and
the body's fields (urlencoded, multipart values and file names, JSON strings and keys) before any
other middleware reads them, and answers in the platform's shape: the API's JSON error under
/api/, the site's bilingual 400 page elsewhere. Out-of-range numbers are a matter for the code
that reads them (the API's pagination, the admin), not for this guard.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote_to_bytes

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render

from skillfund.api.errors import body

# C0 controls but tab, LF and CR (a textarea sends those), DEL, and UTF-16 surrogates.
UNACCEPTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
# Django decodes multipart fields and file names with errors="replace": invalid UTF-8 arrives as
# U+FFFD, so that character stands for undecodable bytes there.
REPLACED = "\ufffd"
API_PREFIX = "/api/"


class Malformed(Exception):
    pass


def _text(data: bytes) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Malformed from exc
    _check(text)
    return text


def _check(text: str) -> None:
    if UNACCEPTABLE.search(text):
        raise Malformed


def _wsgi_bytes(value: str) -> bytes:
    # WSGI (PEP 3333) passes the path and query as bytes decoded as latin-1; ASGI as text.
    try:
        return value.encode("iso-8859-1")
    except UnicodeEncodeError:
        return value.encode("utf-8", "surrogatepass")


def _strings(value: Any) -> Iterable[str]:
    """Every string in a decoded JSON document, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def check_request(request: HttpRequest) -> None:
    """Raise `Malformed` if any part of the request's input is unacceptable."""
    # The server has undone the path's %-escapes, but Django (and its test client) put broken UTF-8
    # back as %XX; no SkillFund path holds a literal "%", so one more unquoting finds those too.
    _text(unquote_to_bytes(_wsgi_bytes(request.META.get("PATH_INFO", ""))))
    _text(unquote_to_bytes(_wsgi_bytes(request.META.get("QUERY_STRING", ""))))
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    content_type = request.content_type or ""
    if content_type == "application/x-www-form-urlencoded":
        _text(unquote_to_bytes(request.body.replace(b"+", b" ")))
    elif content_type == "multipart/form-data":
        try:
            fields, files = list(request.POST.lists()), list(request.FILES.lists())
        except MultiPartParserError as exc:
            raise Malformed from exc
        texts = [text for name, values in fields for text in (name, *values)]
        texts += [text for name, uploads in files for text in (name, *(u.name or "" for u in uploads))]
        for text in texts:
            if REPLACED in text:
                raise Malformed
            _check(text)
    elif content_type == "application/json" or content_type.endswith("+json"):
        text = _text(request.body)  # JSON is UTF-8 (RFC 8259)
        try:
            document = json.loads(text)
        except ValueError:
            return  # not JSON at all: the API's parser answers that with its own 400
        for string in _strings(document):
            _check(string)


def bad_request(request: HttpRequest) -> HttpResponse:
    if request.path_info.startswith(API_PREFIX):
        error = body(
            "malformed_input",
            "请求含有无法受理的字符（空字符、控制字符或无效的UTF-8编码）",
            "the request holds characters that cannot be accepted (NUL, control characters or invalid UTF-8)",
        )
        return JsonResponse(error, status=400)
    return render(request, "400.html", status=400)


class InputGuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            check_request(request)
        except Malformed:
            return bad_request(request)
        return self.get_response(request)
