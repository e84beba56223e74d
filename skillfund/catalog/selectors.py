"""Reads of the catalog list (§4.4.c): the years that have a list and one year's items, for the
public catalog page and anyone choosing a training."""

from __future__ import annotations

from datetime import date

from django.db.models import Q, QuerySet

from skillfund.catalog.models import CatalogItem


def catalog_years() -> list[int]:
    """The years that have a catalog list, latest first."""
    return list(CatalogItem.objects.order_by("-year").values_list("year", flat=True).distinct())


def catalog_default_year(*, years: list[int], today: date) -> int | None:
    """The year a reader most likely means: this year's list, else the latest before it, else the
    earliest one ahead."""
    if not years:
        return None
    past = [y for y in years if y <= today.year]
    return max(past) if past else min(years)


def catalog_items(*, year: int, search: str = "", training_type: str = "") -> QuerySet[CatalogItem]:
    """One year's items with their occupation, by item code; `search` matches the occupation's name
    or code, the item's title or code."""
    items = CatalogItem.objects.filter(year=year).select_related("occupation").order_by("code")
    if search:
        items = items.filter(
            Q(occupation__name__icontains=search)
            | Q(occupation__name_en__icontains=search)
            | Q(occupation__code__icontains=search)
            | Q(title__icontains=search)
            | Q(code__icontains=search)
        )
    if training_type:
        items = items.filter(training_type=training_type)
    return items
