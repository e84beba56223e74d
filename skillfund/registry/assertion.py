"""Who may assert which status kind: policy data (policy_data/registry/status_assertion.yaml).

A status is asserted by a government unit in its own name (the signed-in user's organization, or
the acting unit of a command), never by a name written in a file; the unit is allowed only the
kinds the table lists for its code.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from skillfund import policy_data
from skillfund.core.errors import DomainError
from skillfund.registry.models import StatusKind


@dataclass(frozen=True)
class Rule:
    units: frozenset[str]
    clause: str


@cache
def table() -> dict[str, Rule]:
    data = policy_data.read_yaml(policy_data.data_path("registry", "status_assertion.yaml"))["kinds"]
    missing, unknown = set(StatusKind.values) - set(data), set(data) - set(StatusKind.values)
    if missing or unknown:
        raise ValueError(f"status_assertion.yaml: missing kinds {sorted(missing)}, unknown {sorted(unknown)}")
    return {kind: Rule(units=frozenset(row["units"]), clause=row["clause"]) for kind, row in data.items()}


def may_assert(unit_code: str | None, kind: str) -> bool:
    return bool(unit_code) and unit_code in table()[kind].units


def kinds_for(unit_code: str | None) -> frozenset[str]:
    """The kinds a unit may assert (and so confirm when declared)."""
    return frozenset(kind for kind, rule in table().items() if unit_code and unit_code in rule.units)


def ensure_may_assert(unit: Any | None, kind: str) -> None:
    if not may_assert(getattr(unit, "unit_code", None), kind):
        label = StatusKind(kind).label
        raise DomainError(
            "status_not_assertable",
            f"{getattr(unit, 'name', '本单位') or '本单位'}无权认定“{label}”，须由{'、'.join(sorted(table()[kind].units))}认定",
            f"{getattr(unit, 'name', 'this unit')} may not assert {kind}; "
            f"only {', '.join(sorted(table()[kind].units))} may",
        )
