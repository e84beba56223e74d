"""Reads of the registry."""

from __future__ import annotations

from skillfund.registry import idnumbers
from skillfund.registry.models import Person


def person_by_id_number(number: str) -> Person | None:
    """Find a person by full ID number through the blind index (no decryption, one index probe)."""
    return Person.objects.filter(id_index=idnumbers.blind_index(number.strip().upper())).first()
