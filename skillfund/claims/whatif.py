"""What if the parameters were different? Re-decide past claims under changed parameters and report
the difference in money and in beneficiaries, by responsible department and by group.

    what_if(where="c.end_date BETWEEN %s AND %s",
            params_sql=[date(2020, 1, 1), date(2020, 12, 31)], changes={"annual_cap": 2})

A change is a new dated value added to the shipped parameters (policy_data/parameters), never an
edit of one: by default it is dated on the parameter's first date, so it applies to every claim up
to the parameter's next dated value, if any. Both runs use the facts read once, so they differ only
in the parameters. Nothing is written to the database.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import polars as pl
from django.db import connection

from skillfund.claims.facts import load_facts
from skillfund.core.errors import DomainError
from skillfund.policy import engine
from skillfund.policy.facts import STATUS_BIT
from skillfund.policy.parameters import DatedValue, ParameterSet, default_parameters
from skillfund.policy.rules import REGION_LEVELS
from skillfund.registry.importing import STATUS_NAMES_ZH

NO_DEPARTMENT = "—"
NO_STATUS = "no status"


@dataclass(frozen=True)
class Figures:
    """Beneficiaries and money of one slice: eligible claims, distinct persons, subsidy + living allowance."""

    claims: int = 0
    persons: int = 0
    money: Decimal = Decimal("0.00")

    def __sub__(self, other: Figures) -> Figures:
        return Figures(self.claims - other.claims, self.persons - other.persons, self.money - other.money)


@dataclass(frozen=True)
class Comparison:
    key: str  # department short name, status kind, or "total"
    label: str
    baseline: Figures
    changed: Figures

    @property
    def difference(self) -> Figures:
        return self.changed - self.baseline


@dataclass
class WhatIfReport:
    changes: dict[str, Any]
    on: date | None  # None: each change from its parameter's first date
    claims: int  # claims re-decided
    decisions_changed: int  # claims whose eligibility or amounts differ
    total: Comparison
    by_department: list[Comparison] = field(default_factory=list)
    by_group: list[Comparison] = field(default_factory=list)


_NOTHING = Comparison("total", "合计 total", Figures(), Figures())


def _coerce(name: str, unit: str, value: Any) -> Any:
    """A value as the parameter files hold it, or a clear error naming the parameter."""
    try:
        if unit == "groups":
            kinds = [k.strip() for k in value.split(",")] if isinstance(value, str) else list(value)
            unknown = [k for k in kinds if k not in STATUS_BIT]
            if unknown:
                raise ValueError(f"unknown status kinds {', '.join(unknown)}")
            return kinds
        if unit == "region_level":
            if value not in REGION_LEVELS:
                raise ValueError(f"one of {', '.join(REGION_LEVELS)}")
            return value
        if unit in ("CNY", "ratio", "CNY/day", "CNY/month"):
            amount = Decimal(str(value))
            if not amount.is_finite() or amount < 0 or (unit == "ratio" and amount > 1):
                raise ValueError("out of range")
            return amount
        number = int(str(value))
        if number < 0:
            raise ValueError("negative")
        return number
    except (ValueError, InvalidOperation, TypeError) as exc:
        raise DomainError(
            "whatif_value",
            f"参数{name}的值“{value}”无效（单位：{unit}）",
            f"{value!r} is not a valid value for {name} ({unit}): {exc}",
        ) from None


def changed_parameters(base: ParameterSet, changes: dict[str, Any], on: date | None = None) -> ParameterSet:
    """`base` with a new dated value for each changed parameter, in force from `on`."""
    unknown = sorted(set(changes) - set(base.parameters))
    if unknown:
        raise DomainError(
            "whatif_unknown_parameter",
            f"没有参数{'、'.join(unknown)}；可用参数：{'、'.join(sorted(base.parameters))}",
            f"no parameter named {', '.join(unknown)}; known: {', '.join(sorted(base.parameters))}",
        )
    parameters = dict(base.parameters)
    for name, value in changes.items():
        p = base[name]
        since = on or p.values[0].since
        clause = p.at(since).clause if since >= p.values[0].since else p.values[0].clause
        new = DatedValue(since=since, value=_coerce(name, p.unit, value), clause=clause, note="what-if")
        # Dated on the same day as an existing value, the new one comes after it and so is in force.
        parameters[name] = replace(p, values=tuple(sorted((*p.values, new), key=lambda v: v.since)))
    # The version names the values: the same changes from another date are another parameter set.
    changed = {"changes": changes, "on": on}
    digest = hashlib.sha256(json.dumps(changed, sort_keys=True, default=str).encode()).hexdigest()[:8]
    return ParameterSet(parameters, f"{base.version}+whatif-{digest}")


def what_if(
    *, where: str, params_sql: Sequence[Any] = (), changes: dict[str, Any], on: date | None = None
) -> WhatIfReport:
    """Decide the claims the condition (on alias `c`) selects under the shipped parameters and under
    `changes`."""
    base = default_parameters()
    changed = changed_parameters(base, changes, on)
    claims, statuses, history = load_facts(where, params_sql)
    keep = ["claim_id", "eligible", "subsidy", "living_allowance", "advance", "months_subsidized"]
    before = engine.decide(claims, statuses, history, base)
    after = engine.decide(claims, statuses, history, changed).select(keep)
    joined = (
        before.select(*keep, "person_id", "status_bits")
        .join(after, on="claim_id", suffix="_changed")
        .join(_departments(where, params_sql), on="claim_id", how="left")
        .with_columns(
            pl.col("department").fill_null(NO_DEPARTMENT),
            money=pl.when("eligible").then(pl.col("subsidy") + pl.col("living_allowance")).otherwise(0),
            money_changed=pl.when("eligible_changed")
            .then(pl.col("subsidy_changed") + pl.col("living_allowance_changed"))
            .otherwise(0),
        )
    )
    differs = pl.any_horizontal(pl.col(k) != pl.col(f"{k}_changed") for k in keep[1:])
    groups = pl.concat(
        [
            *(
                joined.filter((pl.col("status_bits") & bit) != 0).with_columns(group=pl.lit(kind))
                for kind, bit in STATUS_BIT.items()
            ),
            joined.filter(pl.col("status_bits") == 0).with_columns(group=pl.lit(NO_STATUS)),
        ]
    )
    return WhatIfReport(
        changes=dict(changes),
        on=on,
        claims=joined.height,
        decisions_changed=joined.filter(differs).height,
        total=next(iter(_compare(joined.with_columns(total=pl.lit("total")), "total")), _NOTHING),
        by_department=_compare(joined, "department"),
        by_group=_compare(groups, "group", order=[*STATUS_BIT, NO_STATUS]),
    )


def _departments(where: str, params: Sequence[Any]) -> pl.DataFrame:
    sql = f"""
        SELECT c.id, COALESCE(NULLIF(o.short_name, ''), o.name) FROM claims_claim c
        LEFT JOIN organizations_organization o ON o.id = c.department_id
        WHERE {where}"""
    with connection.cursor() as cur:
        cur.execute(sql, list(params))
        rows = cur.fetchall()
    return pl.DataFrame(rows, schema={"claim_id": pl.Int64, "department": pl.String}, orient="row")


def _figures(frame: pl.DataFrame, by: str, suffix: str) -> pl.DataFrame:
    eligible = pl.col(f"eligible{suffix}")
    return frame.group_by(by).agg(
        eligible.sum().alias(f"claims{suffix}"),
        pl.col("person_id").filter(eligible).n_unique().alias(f"persons{suffix}"),
        pl.col(f"money{suffix}").sum().alias(f"money{suffix}"),
    )


def _compare(frame: pl.DataFrame, by: str, order: list[str] | None = None) -> list[Comparison]:
    table = _figures(frame, by, "").join(_figures(frame, by, "_changed"), on=by)
    rows = {r[by]: r for r in table.iter_rows(named=True)}
    keys = [k for k in order if k in rows] if order else sorted(rows, key=lambda k: (k == NO_DEPARTMENT, k))
    return [
        Comparison(
            key=k,
            label=_label(k),
            baseline=Figures(rows[k]["claims"], rows[k]["persons"], _yuan(rows[k]["money"])),
            changed=Figures(rows[k]["claims_changed"], rows[k]["persons_changed"], _yuan(rows[k]["money_changed"])),
        )
        for k in keys
    ]


def _label(key: str) -> str:
    if key in STATUS_NAMES_ZH:
        return f"{STATUS_NAMES_ZH[key][0]} {key}"
    if key == NO_STATUS:
        return "无人员类别 no status"
    if key == "total":
        return "合计 total"
    return key


def _yuan(fen: int | None) -> Decimal:
    return (Decimal(int(fen or 0)) / 100).quantize(Decimal("0.01"))


def report_rows(report: WhatIfReport) -> list[dict[str, Any]]:
    """The report as flat rows (table, key, label, baseline/changed/difference figures), for files."""
    rows = []
    for table, items in (("total", [report.total]), ("department", report.by_department), ("group", report.by_group)):
        for c in items:
            row: dict[str, Any] = {"table": table, "key": c.key, "label": c.label}
            for name, f in (("baseline", c.baseline), ("changed", c.changed), ("difference", c.difference)):
                row |= {f"{name}_claims": f.claims, f"{name}_persons": f.persons, f"{name}_money": f.money}
            rows.append(row)
    return rows
