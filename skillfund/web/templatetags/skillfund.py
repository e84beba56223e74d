"""Template helpers shared by every audience's pages: {% load skillfund %}."""

from __future__ import annotations

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from skillfund.regions import names as regions
from skillfund.web.clauses import CLAUSE_ID, clause_url

register = template.Library()


@register.filter(needs_autoescape=True)
def clause_links(text, autoescape: bool = True) -> SafeString:
    """Escape the text and link every clause ID in it to the policy page: "§3.3.b" → <a …>§3.3.b</a>."""
    escaped = str(conditional_escape(text) if autoescape else text)
    return mark_safe(
        CLAUSE_ID.sub(lambda m: format_html('<a class="clause" href="{}">{}</a>', clause_url(m[0]), m[0]), escaped)
    )


@register.filter
def region_name(code) -> str:
    """A GB/T 2260 code by its name in the current language: "150602" → 鄂尔多斯市东胜区 /
    "Dongsheng District, Ordos"; a code the national table does not list is shown as it is."""
    found = regions.labels().get(str(code or ""))
    if found is None:
        return str(code or "")
    return found[1] if (get_language() or "").startswith("en") else found[0]
