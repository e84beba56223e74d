"""Dated policy parameters (policy_data/parameters/*.yaml).

A parameter changes by getting a new dated value, never by an edit, so a decision made years ago
re-runs exactly: the value in force on a date is the last one dated on or before it.

    # policy_data/parameters/annual_cap.yaml
    description: {zh: 每人每年补贴次数上限, en: Subsidies per person per year, at most}
    unit: count
    values:
      2019-11-28: {value: 3, clause: "§3.3.b"}
"""

from __future__ import annotations

import bisect
import hashlib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from skillfund.core.errors import DomainError


class ParameterNotInForce(DomainError, LookupError):
    """No value of a parameter is in force on a date: a clear refusal naming both, never a crash."""

    def __init__(self, parameter: Parameter, on: date) -> None:
        first = parameter.values[0].since if parameter.values else None
        since_zh = f"（自{first}起施行）" if first else ""
        since_en = f" (in force from {first})" if first else ""
        super().__init__(
            "parameter_not_in_force",
            f"{on}没有有效的参数“{parameter.description.get('zh', parameter.name)}”{since_zh}",
            f"no value of {parameter.description.get('en', parameter.name)} ({parameter.name}) is in force"
            f" on {on}{since_en}",
        )
        self.parameter, self.on = parameter.name, on


@dataclass(frozen=True)
class DatedValue:
    since: date
    value: Any
    clause: str
    note: str = ""


@dataclass(frozen=True)
class Parameter:
    name: str
    description: dict[str, str]
    unit: str
    values: tuple[DatedValue, ...]  # sorted by `since`

    def at(self, on: date) -> DatedValue:
        i = bisect.bisect_right([v.since for v in self.values], on)
        if i == 0:
            raise ParameterNotInForce(self, on)
        return self.values[i - 1]


def _typed(value: Any, unit: str) -> Any:
    if unit in ("CNY", "ratio", "CNY/day", "CNY/month"):
        return Decimal(str(value))  # money and ratios are exact
    return value


@dataclass(frozen=True)
class ParameterSet:
    parameters: dict[str, Parameter]
    version: str  # hash of the files: part of the rules version a decision stores

    def __getitem__(self, name: str) -> Parameter:
        return self.parameters[name]

    def value(self, name: str, on: date) -> Any:
        return self.parameters[name].at(on).value

    def not_in_force(self, on: date) -> ParameterNotInForce | None:
        """The refusal naming the first parameter with no value in force on `on`, if any."""
        for parameter in self.parameters.values():
            if not parameter.values or on < parameter.values[0].since:
                return ParameterNotInForce(parameter, on)
        return None

    def require_in_force(self, on: date) -> None:
        """Every parameter has a value in force on `on` (the engine judges a claim on its end date)."""
        if (refusal := self.not_in_force(on)) is not None:
            raise refusal

    @property
    def first_day(self) -> date:
        """The first day on which every parameter is in force: the programme's start (2019-11-28)."""
        return max(p.values[0].since for p in self.parameters.values())

    @classmethod
    def load(cls, folder: Path) -> ParameterSet:
        params, digest = {}, hashlib.sha256()
        for path in sorted(folder.glob("*.yaml")):
            text = path.read_text(encoding="utf-8")
            digest.update(path.name.encode() + b"\0" + text.encode())
            data = yaml.safe_load(text)
            unit = data.get("unit", "")
            values = tuple(
                sorted(
                    (
                        DatedValue(
                            since=since if isinstance(since, date) else date.fromisoformat(str(since)),
                            value=_typed(v["value"], unit),
                            clause=v["clause"],
                            note=v.get("note", ""),
                        )
                        for since, v in data["values"].items()
                    ),
                    key=lambda dv: dv.since,
                )
            )
            params[path.stem] = Parameter(path.stem, data.get("description", {}), unit, values)
        return cls(params, digest.hexdigest()[:12])


@cache
def default_parameters() -> ParameterSet:
    """The parameters shipped in policy_data/parameters (or SKILLFUND_POLICY_DATA)."""
    from django.conf import settings  # settings only locate the folder; the engine stays ORM-free

    return ParameterSet.load(Path(settings.SKILLFUND_POLICY_DATA) / "parameters")
