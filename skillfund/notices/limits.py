"""Abuse limits on public objections, with no outside service: fixed-window counters in Django's
cache (Redis in production, see settings CACHES) per source address and per notice, and the keyed
hash that stands for an address (the address itself is never stored)."""

from __future__ import annotations

import hashlib
import unicodedata

from django.core.cache import cache
from django.utils.crypto import salted_hmac

# (objections, seconds): one address files at most 5 an hour (a person with a real objection files
# one or two); one notice takes at most 200 an hour from everyone together.
PER_ADDRESS = (5, 3600)
PER_NOTICE = (200, 3600)


def source_of(address: str) -> str:
    """A keyed hash (HMAC with the secret key) of the client address: repeats from one address can
    be grouped and limited without keeping the address."""
    return salted_hmac("skillfund.notices.objection-source", address or "unknown").hexdigest()


def text_key(text: str) -> str:
    """The same objection in other spacing, punctuation or width counts as the same text."""
    normal = "".join(ch for ch in unicodedata.normalize("NFKC", text).casefold() if ch.isalnum())
    return hashlib.sha256(normal.encode()).hexdigest()


def _within(key: str, limit: tuple[int, int]) -> bool:
    count, window = limit
    cache.add(key, 0, timeout=window)  # starts the window; a no-op while it runs
    try:
        return cache.incr(key) <= count
    except ValueError:  # the window ended between add and incr
        cache.set(key, 1, timeout=window)
        return True


def objection_allowed(*, source: str, notice_id: int) -> bool:
    """Count one objection attempt from `source` to the notice; False once either limit is used up."""
    by_source = _within(f"objections:source:{source}", PER_ADDRESS)
    by_notice = _within(f"objections:notice:{notice_id}", PER_NOTICE)
    return by_source and by_notice
