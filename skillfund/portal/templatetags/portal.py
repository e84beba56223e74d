"""Template helpers of the public portal: {% load portal %}."""

from __future__ import annotations

from django import template
from django.utils.translation import get_language

register = template.Library()


@register.filter
def localname(obj) -> str:
    """An occupation's, region's or organization's name in the page's language: `name_en` in
    English when it has one, else `name`."""
    if obj is None:
        return ""
    if (get_language() or "").startswith("en") and getattr(obj, "name_en", ""):
        return obj.name_en
    return obj.name
