"""GB/T 2260 region codes: format and province prefixes (these have not changed since 1997)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

PROVINCE_PREFIXES = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
    ]
)
_CODE = re.compile(r"^[0-9]{6}$")


def is_valid_region_code(code: str) -> bool:
    return bool(_CODE.match(code)) and code[:2] in PROVINCE_PREFIXES


def validate_region_code(code: str) -> None:
    if not is_valid_region_code(code):
        raise ValidationError(_("%(code)s is not a GB/T 2260 region code with a known province"), params={"code": code})
