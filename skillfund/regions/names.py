"""Place names → GB/T 2260 codes, through the shipped national table (`codes.table`).

Offices write 户籍所在地 at any depth and with or without the higher levels: 内蒙古自治区鄂尔多斯市
达拉特旗, 鄂尔多斯市达拉特旗, 内蒙古达拉特旗, 达拉特旗. The usual short forms are known too: a
province without 省/市/自治区 (内蒙古, 湖北), a prefecture without 市/盟/地区/…自治州 (鄂尔多斯), a
county without 区/县/旗/市 (达拉特). A name made of full names wins over one that needs a short form;
among equals, more than one place is ambiguous (朝阳区: Beijing's or Changchun's) and the caller
reports the candidates. A longer text (an address) is read by its longest leading place name whose
last part is written in full (湖北省武汉市江岸区解放大道1号 → 江岸区).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache

from skillfund.regions.codes import table

# The 55 minority peoples named in autonomous units' names (…族自治州/县/旗).
_PEOPLES = sorted(
    [
        "蒙古",
        "藏",
        "回",
        "维吾尔",
        "苗",
        "彝",
        "壮",
        "布依",
        "朝鲜",
        "满",
        "侗",
        "瑶",
        "白",
        "土家",
        "哈尼",
        "哈萨克",
        "傣",
        "黎",
        "傈僳",
        "佤",
        "畲",
        "高山",
        "拉祜",
        "水",
        "东乡",
        "纳西",
        "景颇",
        "柯尔克孜",
        "土",
        "达斡尔",
        "仫佬",
        "羌",
        "布朗",
        "撒拉",
        "毛南",
        "仡佬",
        "锡伯",
        "阿昌",
        "普米",
        "塔吉克",
        "怒",
        "乌孜别克",
        "俄罗斯",
        "鄂温克",
        "德昂",
        "保安",
        "裕固",
        "京",
        "塔塔尔",
        "独龙",
        "鄂伦春",
        "赫哲",
        "门巴",
        "珞巴",
        "基诺",
    ],
    key=len,
    reverse=True,
)
_ETHNIC = "(?:(?:" + "|".join(_PEOPLES) + ")族)+"
# The short form is what stays before the suffix (at least 2 characters): 黔东南苗族侗族自治州 → 黔东南.
_PROVINCE_SUFFIX = re.compile(rf"^(.{{2,}}?)(?:{_ETHNIC}自治区|维吾尔自治区|自治区|特别行政区|省|市)$")
_PREFECTURE_SUFFIX = re.compile(rf"^(.{{2,}}?)(?:{_ETHNIC}自治州|自治州|地区|市|盟)$")
_COUNTY_SUFFIX = re.compile(rf"^(.{{2,}}?)(?:{_ETHNIC}自治[县旗]|自治[县旗]|新区|林区|特区|区|县|旗|市)$")
_SUFFIX = {"province": _PROVINCE_SUFFIX, "prefecture": _PREFECTURE_SUFFIX, "county": _COUNTY_SUFFIX}


@dataclass(frozen=True)
class Place:
    code: str
    name: str  # the full name down from the province: 内蒙古自治区鄂尔多斯市达拉特旗
    level: str


def fold(text: str) -> str:
    """A name as compared: full-width folded, spaces and separators such as '·' or '-' removed."""
    return re.sub(r"[\s·•\-—/,，、]", "", unicodedata.normalize("NFKC", text))


def _forms(name: str, level: str) -> list[tuple[str, int]]:
    """A name's spellings with the number of short forms used: (full, 0), (short, 1)."""
    short = _SUFFIX[level].match(name)
    return [(name, 0), (short.group(1), 1)] if short else [(name, 0)]


@dataclass
class _Index:
    places: dict[str, Place]
    exact: dict[str, dict[str, int]]  # spelling -> {code: short forms used}
    prefix: dict[str, dict[str, int]]  # the spellings whose last part is a full name
    longest: int


@cache
def _index() -> _Index:
    rows = {r["code"]: r for r in table()}
    places: dict[str, Place] = {}
    exact: dict[str, dict[str, int]] = {}
    prefix: dict[str, dict[str, int]] = {}

    def add(spelling: str, code: str, cost: int, last_full: bool) -> None:
        for target in (exact, prefix) if last_full else (exact,):
            held = target.setdefault(spelling, {})
            held[code] = min(cost, held.get(code, cost))

    for code, row in rows.items():
        chain = []
        parent: str | None = code
        while parent:
            chain.append(rows[parent])
            parent = rows[parent].get("parent")
        chain.reverse()  # province first
        places[code] = Place(code, "".join(r["name"] for r in chain), row["level"])
        own = _forms(row["name"], row["level"])
        # Each higher level may be written in full, short, or left out.
        above: list[tuple[str, int]] = [("", 0)]
        for higher in chain[:-1]:
            above = [
                (a + f, ca + cf) for a, ca in above for f, cf in [("", 0), *_forms(higher["name"], higher["level"])]
            ]
        for a, ca in above:
            for f, cf in own:
                add(a + f, code, ca + cf, cf == 0)
    return _Index(places, exact, prefix, max(map(len, exact)))


def place(code: str) -> Place | None:
    return _index().places.get(code)


def _best(found: dict[str, int]) -> tuple[Place, ...]:
    fewest = min(found.values())
    index = _index()
    return tuple(sorted((index.places[c] for c, cost in found.items() if cost == fewest), key=lambda p: p.code))


@lru_cache(maxsize=8192)  # a roster repeats a few place names over many rows
def resolve(text: str) -> tuple[Place, ...]:
    """The places a name may mean: one if it is clear, several if ambiguous, none if unknown."""
    name = fold(text)
    index = _index()
    found = index.exact.get(name)
    if found:
        return _best(found)
    for end in range(min(len(name) - 1, index.longest), 1, -1):  # an address: its leading place name
        found = index.prefix.get(name[:end])
        if found:
            return _best(found)
    return ()


# The four municipalities' counties lie directly under the province; their prefecture-level area
# (the code with 01 in the middle) is the municipality itself.
_MUNICIPALITIES = frozenset({"11", "12", "31", "50"})


@cache
def labels() -> dict[str, tuple[str, str]]:
    """Every code of the shipped table as people name it, (Chinese, English): a county with the
    prefecture or province above it (鄂尔多斯市东胜区, "Dongsheng District, Ordos"), a prefecture or
    province by its own name; English where the table has it, else the Chinese name. Also the
    prefecture-level areas (code with 00 at the end) that are not listed: the municipalities and the
    counties a province administers directly (429000: 湖北省省直辖县级行政区划)."""
    rows = {r["code"]: r for r in table()}
    shown: dict[str, tuple[str, str]] = {}
    for code, row in rows.items():
        name, name_en = row["name"], row.get("name_en") or ""
        above = rows.get(row.get("parent") or "")
        if row["level"] == "county" and above is not None:
            zh = above["name"] + name
            shown[code] = (zh, f"{name_en}, {above['name_en']}" if name_en and above.get("name_en") else zh)
        else:
            shown[code] = (name, name_en or name)
        if row["level"] == "county" and above is not None and above["level"] == "province":
            area = code[:4] + "00"
            if area not in rows:
                zh, en = shown[above["code"]]
                if code[:2] not in _MUNICIPALITIES:
                    zh, en = f"{zh}省直辖县级行政区划", f"{en} (counties under the province)"
                shown.setdefault(area, (zh, en))
    return shown
