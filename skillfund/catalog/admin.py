"""Back office for catalog-list management (§4.4.c): HR edits, every role reads."""

from __future__ import annotations

from django.contrib import admin

from skillfund.accounts.admin_scoping import ScopedModelAdmin
from skillfund.catalog.models import CatalogItem, Occupation


@admin.register(Occupation)
class OccupationAdmin(ScopedModelAdmin):
    list_display = ("code", "name", "name_en", "scheme", "category")
    list_filter = ("scheme",)
    search_fields = ("code", "name", "name_en")


@admin.register(CatalogItem)
class CatalogItemAdmin(ScopedModelAdmin):
    list_display = ("year", "code", "title", "occupation", "level", "certificate_kind", "min_hours", "standard")
    list_filter = ("year", "training_type", "certificate_kind", "level", "is_sample")
    list_select_related = ("occupation",)
    search_fields = ("code", "title", "occupation__name")
    autocomplete_fields = ("occupation",)
    filter_horizontal = ("approved_institutions",)
