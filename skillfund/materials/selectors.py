"""Reads of materials. Who sees a material is decided once, in `accounts.scoping`
(`materials_visible_to`: whoever sees the record it proves)."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, QuerySet

from skillfund.accounts.scoping import visible
from skillfund.materials.models import Material


def material_for(user: Any, pk: Any) -> Material | None:
    """The material `pk` if `user` may see it, else None (out of scope reads as not found)."""
    try:
        return visible(Material, user).filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        return None


def materials_of(record: Model, user: Any) -> QuerySet[Material]:
    """The materials attached to `record` that `user` may see, newest first."""
    return visible(Material, user).filter(linked_type=ContentType.objects.get_for_model(record), linked_id=record.pk)
