"""Load a programme file (policy_data/programmes/*.yaml) into the database.

The whole file is checked first (every unit referenced is declared, every clause is in the
register, sub-tasks add up to their task, the annex adds up to its stated total, the disclosure
title and the §4.2.b deadlines are there, no unit code belongs to another city's unit); only then
is anything written, in one transaction. Loading the same file again changes nothing.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction

from skillfund import policy_data
from skillfund.core import audit
from skillfund.core.errors import DomainError
from skillfund.organizations.models import Organization
from skillfund.programme.models import AnnexTask, BudgetDeadline, PlanUnit, Programme, RatioTarget, Stage, TrainingPlan

REQUIRED = {
    "programme": [
        "code",
        "name",
        "region",
        "issuer",
        "document_number",
        "issued_on",
        "start_year",
        "end_year",
        "total_target",
    ],
    "programme.disclosure": ["title", "clause"],
}
SECTIONS = ["programme", "units", "stages", "ratio_targets", "plans", "annex"]


def _missing(data: dict[str, Any]) -> list[str]:
    """What the file lacks for the checks below to read it at all."""
    if not isinstance(data, dict):
        return ["the file is not a mapping of sections (programme, units, stages, …)"]
    problems = [f"section {s} is missing" for s in SECTIONS if s not in data]
    p = data.get("programme")
    if not isinstance(p, dict):
        return [*problems, "section programme must hold its fields (code, name, region, …)"]
    problems += [f"programme.{k} is missing" for k in REQUIRED["programme"] if k not in p]
    disclosure = p.get("disclosure")
    if not isinstance(disclosure, dict):
        problems.append("programme.disclosure (title, title_en, clause of the §4.3.a disclosure) is missing")
    else:
        problems += [
            f"programme.disclosure.{k} is missing" for k in REQUIRED["programme.disclosure"] if k not in disclosure
        ]
    deadlines = p.get("budget_deadlines")
    if not deadlines or not isinstance(deadlines, list) or not all(isinstance(d, dict) for d in deadlines):
        problems.append("programme.budget_deadlines (§4.2.b: rows of from_year, month, clause) is missing")
    if "hr_bureau" not in p:
        problems.append("programme.hr_bureau (the code of the unit acting as HR bureau) is missing")
    return problems


def _check_city(p: dict[str, Any], units: list[dict[str, Any]], problems: list[str]) -> None:
    """The region, the §4.2.b deadlines, and that no unit code is taken by another city's unit."""
    region = str(p["region"])
    if not (len(region) == 6 and region.isascii() and region.isdigit()):
        problems.append(f"programme.region: {region} is not a six-digit GB/T 2260 code")
    years = []
    for n, row in enumerate(p["budget_deadlines"], start=1):
        where = f"programme.budget_deadlines row {n}"
        year, month = row.get("from_year"), row.get("month")
        if not isinstance(year, int) or not isinstance(month, int) or not 1 <= month <= 12:
            problems.append(f"{where}: from_year must be a year and month 1–12, not {year!r}, {month!r}")
            continue
        years.append(year)
    if years and (years != sorted(set(years)) or years[0] > p["start_year"]):
        problems.append(
            f"programme.budget_deadlines: from_year must rise, the first not after {p['start_year']}: {years}"
        )
    taken = {
        o.unit_code: o
        for o in Organization.objects.filter(unit_code__in=[u["code"] for u in units]).exclude(region=region)
    }
    for code, org in sorted(taken.items()):
        problems.append(
            f"unit {code}: the code belongs to {org.name} ({org.region}); give this city's unit its own code"
        )


def check_programme_data(data: dict[str, Any]) -> list[str]:
    """Every inconsistency in a programme file, in plain words; empty when it is sound."""
    if problems := _missing(data):
        return problems
    problems = []
    known_clauses = policy_data.clauses()
    unit_codes = {u["code"] for u in data["units"]}

    def cite(clause: str, where: str) -> None:
        if clause not in known_clauses:
            problems.append(f"{where}: clause {clause} is not in policy_data/clauses.yaml")

    def unit(code: str, where: str) -> None:
        if code not in unit_codes:
            problems.append(f"{where}: unit {code} is not declared under units")

    p = data["programme"]
    cite(p["total_target"]["clause"], "programme.total_target")
    cite(p["disclosure"]["clause"], "programme.disclosure")
    for n, row in enumerate(p["budget_deadlines"], start=1):
        cite(row.get("clause", ""), f"programme.budget_deadlines row {n}")
    unit(p["hr_bureau"], "programme.hr_bureau")
    _check_city(p, data["units"], problems)
    for stage in data["stages"]:
        cite(stage["clause"], f"stage {stage['number']}")
    for ratio in data["ratio_targets"]:
        cite(ratio["clause"], f"ratio target {ratio['code']}")
    for plan in data["plans"]:
        cite(plan["clause"], f"plan {plan['clause']}")
        for code in plan["units"]:
            unit(code, f"plan {plan['clause']}")
    annex = data["annex"]
    cite(annex["clause"], "annex")
    for task in annex["tasks"]:
        cite(task["clause"], f"annex task {task['number']}")
        unit(task["unit"], f"annex task {task['number']}")
        subs = task.get("sub_tasks", [])
        if subs and sum(s["target"] for s in subs) != task["target"]:
            problems.append(
                f"annex task {task['number']}: sub-tasks add up to {sum(s['target'] for s in subs)}, not {task['target']}"
            )
    total = sum(t["target"] for t in annex["tasks"])
    if total != annex["total"]:
        problems.append(f"annex: tasks add up to {total}, not the stated total {annex['total']}")
    return problems


@transaction.atomic
def programme_load(*, path: Path, actor: Any = None) -> Programme:
    data = policy_data.read_yaml(path)
    problems = check_programme_data(data)
    if problems:
        raise DomainError("programme_file", "计划文件有误：" + "; ".join(problems), "; ".join(problems))

    units = {
        u["code"]: Organization.objects.update_or_create(
            unit_code=u["code"],
            defaults={
                "kind": Organization.Kind.GOVERNMENT,
                "name": u["name"],
                "short_name": u.get("short", ""),
                "name_en": u.get("name_en", ""),
                "region": data["programme"]["region"],
            },
        )[0]
        for u in data["units"]
    }
    p = data["programme"]
    programme, _ = Programme.objects.update_or_create(
        code=p["code"],
        defaults={
            "name": p["name"],
            "name_en": p.get("name_en", ""),
            "region": p["region"],
            "issuer": p["issuer"],
            "document_number": p["document_number"],
            "issued_on": p["issued_on"],
            "start_year": p["start_year"],
            "end_year": p["end_year"],
            "total_target": p["total_target"]["value"],
            "total_target_clause": p["total_target"]["clause"],
            "disclosure_title": p["disclosure"]["title"],
            "disclosure_title_en": p["disclosure"].get("title_en", ""),
            "hr_bureau": units[p["hr_bureau"]],
        },
    )
    deadlines = [(d["from_year"], d["month"], d["clause"]) for d in p["budget_deadlines"]]
    if list(programme.budget_deadlines.values_list("from_year", "month", "clause")) != deadlines:
        programme.budget_deadlines.all().delete()
        BudgetDeadline.objects.bulk_create(
            BudgetDeadline(programme=programme, from_year=y, month=m, clause=c) for y, m, c in deadlines
        )
    for s in data["stages"]:
        Stage.objects.update_or_create(
            programme=programme,
            number=s["number"],
            defaults={
                "name": s["name"],
                "name_en": s.get("name_en", ""),
                "year": s["year"],
                "target": s["target"],
                "focus": s.get("focus", ""),
                "clause": s["clause"],
            },
        )
    for r in data["ratio_targets"]:
        RatioTarget.objects.update_or_create(
            programme=programme,
            code=r["code"],
            defaults={
                "description": r["description"],
                "description_en": r.get("description_en", ""),
                "min_percent": Decimal(str(r["min_percent"])),
                "by_date": r["by"] if isinstance(r["by"], date) else date.fromisoformat(r["by"]),
                "clause": r["clause"],
            },
        )
    for pl in data["plans"]:
        plan, _ = TrainingPlan.objects.update_or_create(
            programme=programme,
            clause=pl["clause"],
            defaults={"name": pl["name"], "name_en": pl.get("name_en", ""), "description": pl.get("description", "")},
        )
        wanted = [(pos, units[code]) for pos, code in enumerate(pl["units"], start=1)]
        if [(pu.position, pu.unit_id) for pu in plan.plan_units.all()] != [(pos, u.pk) for pos, u in wanted]:
            plan.plan_units.all().delete()
            PlanUnit.objects.bulk_create(PlanUnit(plan=plan, unit=u, position=pos) for pos, u in wanted)
    for t in data["annex"]["tasks"]:
        task, _ = AnnexTask.objects.update_or_create(
            programme=programme,
            code=t.get("code", f"annex-{t['number']}"),
            defaults={
                "unit": units[t["unit"]],
                "number": t["number"],
                "training": t["training"],
                "training_en": t.get("training_en", ""),
                "annual_target": t["target"],
                "clause": t["clause"],
                "parent": None,
            },
        )
        for i, sub in enumerate(t.get("sub_tasks", []), start=1):
            AnnexTask.objects.update_or_create(
                programme=programme,
                code=sub["code"],
                defaults={
                    "unit": units[t["unit"]],
                    "parent": task,
                    "number": f"{t['number']}.{i}",
                    "training": sub["training"],
                    "training_en": sub.get("training_en", ""),
                    "annual_target": sub["target"],
                    "clause": t["clause"],
                },
            )
    audit.record(actor=actor, action="programme.load", target=programme, after={"file": path.name})
    return programme
