"""Every URL the platform serves — the site, the public pages, the API and the Django admin's pages
for every registered model — answers hostile input without a 500: NUL bytes, invalid UTF-8 and
lone surrogates are a 400 (in the API's error shape under /api/), and out-of-range integers in the
path, the query string or a POST body are refused or ignored, as anonymous and as HR staff."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import IntConverter
from django.urls.resolvers import RoutePattern

from skillfund.accounts.models import Role
from tests.factories import UserFactory

HUGE = "99999999999999999999"  # beyond a PostgreSQL bigint and a SQLite integer
BAD_TEXT = ["%00", "%C3%28", "%FF"]  # as percent-escapes: NUL, invalid UTF-8 (two kinds)
QUERY_KEYS = ["q", "p", "o", "limit", "offset", "status", "page", "anything"]
API_SHAPE = {"code", "zh", "en", "clause"}
BOUNDARY = "walkboundary"


def routes(resolver: URLResolver | None = None, prefix: str = "/") -> Iterator[tuple[str, dict[str, bool]]]:
    """Each URL pattern as a template with {name} fields, and per field whether it is an int."""
    for entry in (resolver or get_resolver()).url_patterns:
        pattern = entry.pattern
        if isinstance(pattern, RoutePattern):
            ints = {name: isinstance(conv, IntConverter) for name, conv in pattern.converters.items()}
            text = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(pattern))
        else:  # the admin's regular expressions: ^(?P<app_label>a|b)/$ and the catch-all (?P<url>.*)$
            ints = {name: False for name in pattern.regex.groupindex}
            text = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", str(pattern)).strip("^$").replace("\\", "")
        if isinstance(entry, URLResolver):
            for sub, sub_ints in routes(entry, prefix + text):
                yield sub, {**ints, **sub_ints}
        elif isinstance(entry, URLPattern):
            yield prefix + text, ints


def benign(name: str, is_int: bool) -> str:
    return "1" if is_int else {"app_label": "registry"}.get(name, "x")


def fill(template: str, ints: dict[str, bool], **values: str) -> str:
    return template.format(**{n: values.get(n, benign(n, i)) for n, i in ints.items()})


def multipart(value: bytes, file_name: bytes) -> bytes:
    return b"".join(
        [
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="q"\r\n\r\n'.encode(),
            value,
            f'\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="'.encode(),
            file_name,
            f'"\r\nContent-Type: text/csv\r\n\r\na,b\r\n--{BOUNDARY}--\r\n'.encode(),
        ]
    )


def requests_for(template: str, ints: dict[str, bool]) -> Iterator[tuple[bool, dict]]:
    """(hostile text?, Client.generic arguments) for one URL pattern."""
    for name, is_int in ints.items():
        for value in [HUGE] if is_int else [*BAD_TEXT, HUGE]:
            yield value != HUGE, {"method": "GET", "path": fill(template, ints, **{name: value})}
    path = fill(template, ints)
    for value in BAD_TEXT:
        yield True, {"method": "GET", "path": path + "?" + "&".join(f"{k}={value}" for k in QUERY_KEYS)}
    # A list page (no path parameter: admin changelists, API lists) reads its query keys one by one,
    # and an unknown key can stop it before the next is read: one key a request. An object's pages
    # read few keys: one request with all of them keeps the walk fast.
    for keys in [[key] for key in QUERY_KEYS] if not ints else [QUERY_KEYS]:
        yield False, {"method": "GET", "path": path + "?" + "&".join(f"{k}={HUGE}" for k in keys)}

    def post(data: str | bytes, content_type: str) -> dict:
        return {"method": "POST", "path": path, "data": data, "content_type": content_type}

    form, as_json = "application/x-www-form-urlencoded", "application/json"
    for value in BAD_TEXT:
        yield True, post("&".join(f"{k}={value}" for k in QUERY_KEYS), form)
    yield False, post("&".join(f"{k}={HUGE}" for k in QUERY_KEYS), form)
    for text in ['"\\u0000"', '"\\ud800"']:
        yield True, post(f'{{"q": {text}, "claims": [{text}]}}', as_json)
    yield (
        False,
        post(json.dumps({**dict.fromkeys(QUERY_KEYS, int(HUGE)), "line_id": int(HUGE), "claims": [HUGE]}), as_json),
    )
    data_type = f"multipart/form-data; boundary={BOUNDARY}"
    for value in [b"\x00", b"\xc3\x28"]:
        yield True, post(multipart(value, b"a.csv"), data_type)
    for file_name in [b"a\x00.csv", b"\xff.csv"]:  # Django strips the NUL and drops a part whose header is not UTF-8
        yield False, post(multipart(b"x", file_name), data_type)


@pytest.mark.django_db
def test_no_url_answers_hostile_input_with_a_500(settings):
    settings.SKILLFUND_REQUIRE_2FA = False
    settings.DEBUG = False
    hr = UserFactory(role=Role.HR_STAFF, username="hr-walk")
    patterns = list(routes())
    assert len(patterns) > 250 and any("/admin/registry/person/" in t for t, _ in patterns)
    started, cpu, sent, failures = time.monotonic(), time.process_time(), 0, []
    for who in ("anonymous", "hr"):
        client = Client(raise_request_exception=False)
        if who == "hr":
            client.force_login(hr)
        for template, ints in patterns:
            for hostile, request in requests_for(template, ints):
                response = client.generic(**request)
                sent += 1
                code = response.status_code
                if code >= 500 or (hostile and code != 400):
                    failures.append(
                        (who, code, request["method"], request["path"][:120], str(request.get("data"))[:60])
                    )
                elif code == 400 and request["path"].startswith("/api/") and not set(response.json()) >= API_SHAPE:
                    failures.append((who, code, "shape", request["path"][:120], response.content[:80]))
                if who == "hr" and "logout" in request["path"] and request["method"] == "POST":
                    client.force_login(hr)  # signed out by the request: sign in again
        if who == "hr":
            assert client.get("/admin/").status_code == 200  # the walk ran signed in throughout
    took = f"{time.monotonic() - started:.1f} s ({time.process_time() - cpu:.1f} s CPU)"
    print(f"{len(patterns)} URL patterns, {sent} requests, {took}")
    failures.sort(key=lambda f: -f[1])  # the 500s first
    assert not failures, "\n".join(map(str, failures[:60])) + f"\n… {len(failures)} in all"
