"""Registry cells in an imported file: ID numbers and 人员类别 (`core.tabular` reads the file)."""

from __future__ import annotations

import re
from datetime import date
from functools import cache, lru_cache
from typing import Any

from skillfund import policy_data
from skillfund.core.tabular import BadValue, Column, code, text
from skillfund.registry import idnumbers
from skillfund.registry.models import StatusKind

_NUMBERISH = re.compile(r"^\d(\.\d+)?E\+?\d+$", re.IGNORECASE)
# Several 人员类别 in one cell: 、，,；;/ and spaces separate them.
_CATEGORY_SEPARATORS = re.compile(r"[、，,；;/／\s]+")
UPGRADED_15 = ("15位旧身份证号码已转换为18位", "15-digit ID number converted to 18 digits (GB 11643-1999)")


def id_number(value: Any, today: date) -> idnumbers.IdNumber:
    """A 公民身份号码; an old 15-digit number is converted to 18 digits (a warning on the result);
    refused if the spreadsheet stored it as a number (its last digits are lost)."""
    if (isinstance(value, int | float) and not isinstance(value, bool)) or _NUMBERISH.match(text(value)):
        raise BadValue(
            "身份证号码被存成了数字，后几位已丢失；请把该列设为文本格式后重新填写",
            "the ID number was stored as a number and lost its last digits; format the column as text",
        )
    written = code(value)
    try:
        if len(written) == 15:
            parsed = idnumbers.parse(idnumbers.upgrade_15(written), today=today)
            return idnumbers.IdNumber(
                number=parsed.number,
                birth_date=parsed.birth_date,
                sex=parsed.sex,
                warnings=(UPGRADED_15, *parsed.warnings),
            )
        return idnumbers.parse(written, today=today)
    except idnumbers.InvalidIdNumber as exc:
        raise BadValue(exc.zh, exc.en) from None


@cache
def status_names() -> dict[str, tuple[str, ...]]:
    """StatusKind -> the names offices write for it, the canonical one first
    (policy_data/registry/category_synonyms.yaml)."""
    kinds = policy_data.read_yaml(policy_data.data_path("registry", "category_synonyms.yaml"))["kinds"]
    return {StatusKind(kind): tuple(names) for kind, names in kinds.items()}


@cache
def _no_category() -> frozenset[str]:
    """The wording of "none of the categories" (无, 其他 …), read as no status."""
    data = policy_data.read_yaml(policy_data.data_path("registry", "category_synonyms.yaml"))
    return frozenset(code(name) for name in data.get("no_category", ()))


@cache
def _kinds() -> dict[str, str]:
    """Every accepted spelling (a synonym, or the kind's code) -> its StatusKind value."""
    found: dict[str, str] = {kind.value: kind.value for kind in StatusKind}
    for kind, names in status_names().items():
        for name in names:
            found[code(name)] = kind.value
    return found


def accepted_categories() -> str:
    return "、".join(name for names in status_names().values() for name in names)


def categories(value: Any) -> tuple[str, ...]:
    """One or more 人员类别 in one cell (城镇登记失业人员、残疾人), each as its StatusKind value; none
    for the wording of "no category" (无, 其他 …)."""
    return _categories(text(value))


@lru_cache(maxsize=4096)  # a roster repeats a few wordings over many rows
def _categories(value: str) -> tuple[str, ...]:
    if code(value) in _no_category():
        return ()
    kinds = _kinds()
    found: list[str] = []
    unknown: list[str] = []
    for part in _CATEGORY_SEPARATORS.split(text(value)):
        if not part:
            continue
        kind = kinds.get(code(part), kinds.get(part.lower()))
        if kind is None:
            unknown.append(part)
        elif kind not in found:
            found.append(kind)
    if unknown or not found:
        listed = accepted_categories()
        what = "、".join(unknown) or text(value)
        raise BadValue(
            f"人员类别“{what}”无法识别；可填写：{listed}",
            f"unknown status (人员类别) {what!r}; accepted: {listed} (or the codes {', '.join(k.value for k in StatusKind)})",
        )
    return tuple(found)


# The ID number column of a file about persons already in the registry (claims, past subsidies).
REGISTERED_ID_COLUMN = Column(
    "id_number",
    "公民身份号码",
    "id_number",
    True,
    "18位，须已在人员库登记；请设为文本格式",
    "18 characters; the person must be registered; format the column as text",
    ("身份证号码", "身份证号", "证件号码", "idnumber"),
)
