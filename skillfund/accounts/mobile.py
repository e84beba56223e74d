"""Mainland mobile numbers of workers: validation, masking and the keyed hash an account is found by.

A worker's number is personal data; the account keeps only an HMAC of it (with the registry's
blind-index key, under its own prefix) and the masked form 138****5678, as the registry keeps ID
numbers. The number itself is needed only while a code is being sent.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

from django.conf import settings

_MOBILE = re.compile(r"1[3-9]\d{9}")


class InvalidMobile(ValueError):
    zh = "请输入11位手机号码（以1开头）"
    en = "Enter an 11-digit mobile number starting with 1"


def normalize(raw: str) -> str:
    """The 11 digits of a mainland mobile number typed with spaces, dashes or +86 / 0086."""
    digits = re.sub(r"[\s\-()]", "", str(raw or ""))
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix) :]
    if not _MOBILE.fullmatch(digits):
        raise InvalidMobile(digits)
    return digits


def mask(number: str) -> str:
    return number[:3] + "****" + number[-4:]


def index(number: str) -> str:
    key = base64.b64decode(settings.SKILLFUND_ID_INDEX_KEY)
    return hmac.new(key, f"mobile:{number}".encode("ascii"), hashlib.sha256).hexdigest()
