"""Back office for administrative divisions (GB/T 2260): reference data every role reads."""

from __future__ import annotations

from django.contrib import admin

from skillfund.accounts.admin_scoping import ScopedModelAdmin
from skillfund.regions.models import Region


@admin.register(Region)
class RegionAdmin(ScopedModelAdmin):
    list_display = ("code", "name", "name_en", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name", "name_en")
    autocomplete_fields = ("parent",)
