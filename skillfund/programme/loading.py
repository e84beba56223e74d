"""Load a programme file (policy_data/programmes/*.yaml) into the database.

The whole file is checked first (every unit referenced is declared, every clause is in the
register, sub-tasks add up to their task, the annex adds up to its stated total); only then is
anything written, in one transaction. Loading the same file again changes nothing.
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
from skillfund.programme.models import AnnexTask, PlanUnit, Programme, RatioTarget, Stage, TrainingPlan


def check_programme_data(data: dict[str, Any]) -> list[str]:
    """Every inconsistency in a programme file, in plain words; empty when it is sound."""
    problems: list[str] = []
    known_clauses = policy_data.clauses()
    unit_codes = {u["code"] for u in data["units"]}

    def cite(clause: str, where: str) -> None:
        if clause not in known_clauses:
            problems.append(f"{where}: clause {clause} is not in policy_data/clauses.yaml")

    def unit(code: str, where: str) -> None:
        if code not in unit_codes:
            problems.append(f"{where}: unit {code} is not declared under units")

    cite(data["programme"]["total_target"]["clause"], "programme.total_target")
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
        },
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
