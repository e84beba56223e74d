"""The audit key: HMAC-SHA256 key of the audit chain and its checkpoints, kept outside the database
(settings.SKILLFUND_AUDIT_KEY, base64 of 32 bytes), so that whoever can write the tables cannot forge
a record the chain accepts."""

from __future__ import annotations

import base64

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def audit_key() -> bytes:
    key = base64.b64decode(settings.SKILLFUND_AUDIT_KEY or "")
    if not key:  # an empty HMAC key would be a chain anyone can recompute
        raise ImproperlyConfigured("SKILLFUND_AUDIT_KEY is not set")
    return key
