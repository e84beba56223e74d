"""Secrets and keys: the development defaults, what makes a key fit for production, and the audit
chain's HMAC key (settings.SKILLFUND_AUDIT_KEY), kept outside the database so that whoever can write
the tables cannot forge a record the chain accepts.

Imported by settings.py (the dev keys) and by the production checks: nothing here decodes or judges
a key while the settings are being read.
"""

from __future__ import annotations

import base64
import binascii
import hashlib

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# Public by definition: it is in the repository. Production refuses it and every key derived from it.
DEV_SECRET_KEY = "dev-only-insecure-secret-key"
DEV_KEY_PURPOSES = ("id-enc", "id-index", "audit")
KEY_BYTES = 32
# A random 32-byte key has about 30 distinct byte values; fewer than 16 happens by chance with a
# probability far below 1e-20, so it means a typed or patterned key.
MIN_DISTINCT_BYTES = 16
SECRET_MIN_LENGTH = 50
SECRET_MIN_DISTINCT = 5  # Django's own rule for SECRET_KEY (security.W009)


def dev_key(secret: str, purpose: str) -> str:
    """A key derived from a secret: for development only, so tests run without set-up."""
    return base64.b64encode(hashlib.sha256(f"{secret}:{purpose}".encode()).digest()).decode()


# Every key published in the repository: the development secret and the keys derived from it.
# tests/test_production_settings.py fails when a committed file holds a key missing here.
PUBLIC_KEYS = frozenset({DEV_SECRET_KEY, *(dev_key(DEV_SECRET_KEY, p) for p in DEV_KEY_PURPOSES)})


def key_problem(value: str) -> str | None:
    """Why `value` is not base64 of 32 random-looking bytes, or None if it is."""
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return "is not valid base64"
    if len(raw) != KEY_BYTES:
        return f"decodes to {len(raw)} bytes, not {KEY_BYTES}"
    if len(set(raw)) < MIN_DISTINCT_BYTES:
        return "does not look random (too few distinct bytes)"
    return None


def secret_problem(value: str) -> str | None:
    if len(value) < SECRET_MIN_LENGTH:
        return f"has {len(value)} characters, fewer than {SECRET_MIN_LENGTH}"
    if len(set(value)) < SECRET_MIN_DISTINCT:
        return f"has fewer than {SECRET_MIN_DISTINCT} distinct characters"
    return None


def audit_key() -> bytes:
    key = base64.b64decode(settings.SKILLFUND_AUDIT_KEY or "")
    if not key:  # an empty HMAC key would be a chain anyone can recompute
        raise ImproperlyConfigured("SKILLFUND_AUDIT_KEY is not set")
    return key
