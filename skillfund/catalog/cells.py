"""Catalog cells in an imported file (`core.tabular` reads the file; this parses the values)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from skillfund.catalog.loading import parse_standard
from skillfund.core.tabular import BadValue


def amount(value: Any) -> Decimal:
    """An amount in CNY: not negative, at most 2 decimals (`catalog.loading.parse_standard`)."""
    if isinstance(value, bool):
        raise BadValue("不是金额", "not an amount")
    try:
        return parse_standard(value)
    except ValueError as exc:
        zh, _, en = str(exc).partition(" / ")
        raise BadValue(zh, en or zh) from None
