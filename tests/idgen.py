"""Valid citizen ID numbers for tests (GB 11643-1999 with its MOD 11-2 check character)."""

from __future__ import annotations

from datetime import date

from stdnum.cn import ric


def make_id(region: str = "150602", birth: date = date(1990, 1, 1), seq: int = 123) -> str:
    body = f"{region}{birth:%Y%m%d}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")  # stdnum ignores the last character
