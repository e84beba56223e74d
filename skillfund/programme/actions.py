"""Writes to the programme's data that are not loaded from its file: the yearly employed-person
figures behind §2.b's skill ratios. One transaction, one audit record each."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from skillfund.accounts.models import Role
from skillfund.accounts.scoping import role_of
from skillfund.core import audit
from skillfund.core.errors import DomainError, FieldProblem, InvalidInput
from skillfund.programme.models import WorkforceFigures
from skillfund.regions.codes import is_valid_region_code

FIRST_YEAR, LAST_YEAR = 2000, 2100
FIGURES = ("employed", "skilled_base", "high_skilled_base")


def may_record_workforce(user: Any) -> bool:
    """The HR bureau keeps the labour statistics the targets are measured against (§2.b, §4.4.d)."""
    return role_of(user) == Role.HR_STAFF


def _whole(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _problems(*, year: Any, region: Any, figures: dict[str, Any], source_document: str) -> list[FieldProblem]:
    problems = []
    if (y := _whole(year)) is None or not FIRST_YEAR <= y <= LAST_YEAR:
        problems.append(
            FieldProblem("year", str(year), f"年份须在{FIRST_YEAR}—{LAST_YEAR}之间", f"a year {FIRST_YEAR}–{LAST_YEAR}")
        )
    if not isinstance(region, str) or not is_valid_region_code(region):
        problems.append(FieldProblem("region", str(region), "须为6位行政区划代码", "a 6-digit GB/T 2260 region code"))
    for name, value in figures.items():
        if (n := _whole(value)) is None or n < 0 or n > 2_000_000_000:
            problems.append(FieldProblem(name, str(value), "须为非负整数", "a whole number ≥ 0"))
    if not problems:
        employed, skilled, high = (figures[n] for n in FIGURES)
        if employed == 0:
            problems.append(FieldProblem("employed", "0", "就业人员数须大于0", "employed persons must be more than 0"))
        if skilled > employed:
            problems.append(
                FieldProblem(
                    "skilled_base",
                    str(skilled),
                    "技能劳动者不能多于就业人员",
                    "more skilled workers than employed persons",
                )
            )
        if high > skilled:
            problems.append(
                FieldProblem(
                    "high_skilled_base",
                    str(high),
                    "高技能人才不能多于技能劳动者",
                    "more high-skilled workers than skilled workers",
                )
            )
    if not source_document:
        problems.append(
            FieldProblem("source_document", "", "须注明数据来源文件", "name the document the figures come from")
        )
    elif len(source_document) > 200:
        problems.append(
            FieldProblem("source_document", source_document[:20] + "…", "不超过200字", "200 characters at most")
        )
    return problems


@transaction.atomic
def workforce_figures_record(
    *,
    actor: Any,
    year: int,
    region: str,
    employed: int,
    skilled_base: int,
    high_skilled_base: int,
    source_document: str,
) -> WorkforceFigures:
    """Record (or correct) one region's figures for one year (§2.b). Recording the same year and
    region again replaces the figures; the audit record keeps the old ones."""
    if not may_record_workforce(actor):
        raise DomainError(
            "not_permitted",
            "只有人社局可以填报就业人员和技能人才基数",
            "only the HR bureau records the employed-person figures",
            clause="§2.b",
        )
    source_document = (source_document or "").strip() if isinstance(source_document, str) else ""
    figures = {"employed": employed, "skilled_base": skilled_base, "high_skilled_base": high_skilled_base}
    if problems := _problems(year=year, region=region, figures=figures, source_document=source_document):
        raise InvalidInput(problems)
    values = {**figures, "source_document": source_document}
    entry = WorkforceFigures.objects.select_for_update().filter(year=year, region=region).first()
    now = timezone.now()
    if entry is None:
        entry = WorkforceFigures.objects.create(year=year, region=region, recorded_by=actor, recorded_at=now, **values)
        audit.record(
            actor=actor, action="workforce.record", target=entry, after={"year": year, "region": region, **values}
        )
        return entry
    before = audit.changes(entry, list(values))
    if all(getattr(entry, k) == v for k, v in values.items()):
        return entry
    for name, value in values.items():
        setattr(entry, name, value)
    entry.recorded_by, entry.recorded_at = actor, now
    entry.save(update_fields=[*values, "recorded_by", "recorded_at"])
    audit.record(actor=actor, action="workforce.correct", target=entry, before=before, after=values)
    return entry
