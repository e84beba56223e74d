"""Text messages, through a pluggable backend as Django sends e-mail.

`SKILLFUND_SMS_BACKEND` names the backend class (a dotted path). The demo writes each message to
the console (`ConsoleBackend`), the tests keep them in `outbox` (`LocmemBackend`); production
sets a provider's backend — a class with `send(messages)` — and the system checks refuse to start
production with either of the two here (accounts/checks.py).
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import urllib.request
from dataclasses import dataclass
from typing import TextIO

from django.conf import settings
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)

# Backends that never reach a phone: production must not use them.
NOT_FOR_PRODUCTION = frozenset({"skillfund.accounts.sms.ConsoleBackend", "skillfund.accounts.sms.LocmemBackend"})


@dataclass(frozen=True)
class Message:
    to: str
    text: str


class BaseBackend:
    def send(self, messages: list[Message]) -> int:
        """Send the messages; return how many were sent."""
        raise NotImplementedError


class ConsoleBackend(BaseBackend):
    """Writes each message to the console (stdout): the demo's SMS gateway."""

    _lock = threading.Lock()

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout

    def send(self, messages: list[Message]) -> int:
        with self._lock:
            for message in messages:
                self.stream.write(f"[SMS to {message.to}] {message.text}\n")
            self.stream.flush()
        return len(messages)


# LocmemBackend's messages, for tests: `from skillfund.accounts import sms; sms.outbox`.
outbox: list[Message] = []


class LocmemBackend(BaseBackend):
    def send(self, messages: list[Message]) -> int:
        outbox.extend(messages)
        return len(messages)


class HttpGatewayBackend(BaseBackend):
    """An SMS gateway reached over HTTPS: each message POSTed as JSON {"to", "text"} to
    SKILLFUND_SMS_GATEWAY_URL, with SKILLFUND_SMS_GATEWAY_TOKEN as a bearer token. A provider
    with another interface gets a class of its own beside this one."""

    timeout = 10

    def send(self, messages: list[Message]) -> int:
        url = settings.SKILLFUND_SMS_GATEWAY_URL
        headers = {
            "Content-Type": "application/json",
            "Authorization": f"Bearer {settings.SKILLFUND_SMS_GATEWAY_TOKEN}",
        }
        for message in messages:
            body = json.dumps({"to": message.to, "text": message.text}, ensure_ascii=False).encode()
            request = urllib.request.Request(url, data=body, headers=headers, method="POST")
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                response.read()
        return len(messages)


def backend() -> BaseBackend:
    return import_string(settings.SKILLFUND_SMS_BACKEND)()


def send(*, to: str, text: str) -> int:
    return backend().send([Message(to=to, text=text)])


def codes_shown_on_page() -> bool:
    """The relaxed demo may also show a sign-in code on the page (beside the console), never in
    production and only while the messages go to the console."""
    return (
        not settings.PRODUCTION
        and not settings.SKILLFUND_REQUIRE_2FA
        and settings.SKILLFUND_SMS_BACKEND == "skillfund.accounts.sms.ConsoleBackend"
    )
