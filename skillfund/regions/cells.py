"""Region cells in an imported file: a GB/T 2260 code, or (rosters) a place name at any depth."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from skillfund.core.tabular import BadValue, code
from skillfund.regions import names
from skillfund.regions.codes import PROVINCE_PREFIXES

MOST_CANDIDATES = 6  # candidates an ambiguous name lists


def region_code(value: Any) -> str:
    """A 6-digit region code (GB/T 2260) of a province that exists."""
    found = code(value)
    if len(found) != 6 or not found.isdigit():
        raise BadValue("区划代码应为6位数字", "a region code has 6 digits")
    if found[:2] not in PROVINCE_PREFIXES:
        raise BadValue(f"省级代码{found[:2]}不存在", f"no province has the code {found[:2]}")
    return found


def region(value: Any) -> str:
    """A region code, or a place name resolved to its code through the national table.

    A county-level name gives the county's code; a prefecture without a county (鄂尔多斯市) gives the
    prefecture's code (150600), which §3.3.a compares at the prefecture level; a province alone is
    too coarse and is refused. An unknown name, or one that names several places, is refused
    with the candidates.
    """
    return _region(code(value))


@lru_cache(maxsize=8192)  # a roster repeats a few place names over many rows
def _region(written: str) -> str:
    if written.isdigit():
        return region_code(written)
    found = names.resolve(written)
    if not found:
        raise BadValue(
            "行政区划库中没有这个地名，请写全称（如“内蒙古自治区鄂尔多斯市达拉特旗”）或6位区划代码",
            "no such place in the GB/T 2260 table; write the full name (province, prefecture, county) or the "
            "6-digit code",
        )
    if len(found) > 1:
        listed = "、".join(f"{p.name}（{p.code}）" for p in found[:MOST_CANDIDATES])
        more = f"等{len(found)}处" if len(found) > MOST_CANDIDATES else ""
        raise BadValue(
            f"地名不唯一，可能是：{listed}{more}；请写上省、市名称或填写区划代码",
            f"ambiguous place name, {len(found)} candidates: {', '.join(p.code for p in found[:MOST_CANDIDATES])}; "
            "add the province and prefecture, or write the code",
        )
    place = found[0]
    if place.level == "province":
        raise BadValue(
            f"只写到省级（{place.name}），请写到盟市或旗县区",
            f"only a province ({place.code}); write the prefecture or county",
        )
    return place.code
