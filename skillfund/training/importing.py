"""A class's enrolment roster (报名花名册) imported from an .xlsx or .csv: one row per trainee, named
by ID number and name, each a person already in the registry that the institution sees (its own
roster: `registry.importing.roster_import` registers new people).

All rows are checked before any is written: a bad ID number, a name that differs from the registry,
a person the institution does not see, a row repeating another, and every refusal of
`enrolment_create` (class full, overlapping classes, already enrolled) become problems naming row,
column, value and reason, and nothing is written. Each enrolment stores what the rules would decide
for the trainee (claims/preview.py), shown on the class's roster page.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from skillfund.accounts.scoping import persons_visible_to
from skillfund.claims.preview import enrolment_preview
from skillfund.core import audit, tabular
from skillfund.core.errors import FieldProblem, InvalidInput
from skillfund.core.exports import xlsx_row
from skillfund.core.tabular import Column
from skillfund.registry import cells as registry_cells
from skillfund.registry import idnumbers
from skillfund.training.actions._shared import RecordError, _ensure_acts_for, _plan_ref
from skillfund.training.actions.enrolment import enrolment_create
from skillfund.training.models import ClassPlan, Enrolment

SHEET = "报名花名册"
MAX_ROWS = 1000  # a class's roster; the class's capacity refuses more anyway

COLUMNS: tuple[Column, ...] = (
    registry_cells.REGISTERED_ID_COLUMN,
    Column("name", "姓名", "name", True, "须与人员库登记的一致", "as in the registry", ("学员姓名",)),
)
_LABELS = {c.key: c.zh for c in COLUMNS}
_HEADERS = tabular.Headers(COLUMNS, ignore_notes=True)


@dataclass
class EnrolmentImport:
    file_name: str
    sha256: str
    rows: int = 0
    enrolled: list[Enrolment] = field(default_factory=list)
    warnings: list[FieldProblem] = field(default_factory=list)


def template_bytes() -> bytes:
    """The .xlsx template of a class roster: the two columns and a notes sheet."""
    from io import BytesIO

    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    sheet = wb.active
    sheet.title = SHEET
    sheet.append(xlsx_row(sheet, [c.zh for c in COLUMNS]))
    for i, _column in enumerate(COLUMNS, start=1):
        sheet.cell(row=1, column=i).font = Font(bold=True)
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["A"].number_format = "@"
    sheet.column_dimensions["B"].width = 14
    sheet.freeze_panes = "A2"
    notes = wb.create_sheet("填写说明")
    for row in (
        ["列名", "English", "填写要求", "Format"],
        *[[c.zh, c.en, c.help_zh, c.help_en] for c in COLUMNS],
        [],
        ["学员须已在本机构人员名册中（先导入人员名册）。", "Trainees must be on the institution's roster first."],
        ["所有行校验通过后才会报名；有任何错误则不写入。", "Nothing is enrolled unless every row is valid."],
    ):
        notes.append(xlsx_row(notes, row))
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def enrolment_import(
    *, class_plan: ClassPlan, actor: Any, file: Any, file_name: str = "", now: datetime | None = None
) -> EnrolmentImport:
    """Enrol every trainee of the file in the class, or — if any row is refused — none
    (raises `InvalidInput`)."""
    now = now or timezone.now()
    _ensure_acts_for(actor, class_plan.institution, record=_plan_ref(class_plan))
    data, found_name = tabular.read_bytes(file)
    result = EnrolmentImport(
        file_name=(file_name or found_name or "roster")[:200], sha256=hashlib.sha256(data).hexdigest()
    )
    problems: list[FieldProblem] = []
    try:
        layout = tabular.read_layout(
            tabular.read_sheet(data, result.file_name, sheet=SHEET),
            _HEADERS,
            identity=("id_number", "name"),
            key="id_number",
            fill_down=frozenset(),
            not_imported=frozenset(),
            problems=problems,
            warnings=result.warnings,
        )
        header = layout.header
        if header.repeats:
            repeated, label = header.repeats[0]
            raise tabular.FileError(f"列“{repeated}”与“{label}”重复", f"column {repeated!r} repeats {label!r}")
        missing = header.missing(c for c in COLUMNS if c.required)
        if missing:
            raise tabular.missing_columns(missing)
    except tabular.FileError as exc:
        raise InvalidInput([exc.problem(result.file_name)]) from None
    if problems:
        raise InvalidInput(problems)
    records = layout.records
    if not records:
        raise InvalidInput(
            [FieldProblem("文件 / file", result.file_name, "文件没有数据行", "the file has no data rows")]
        )
    if len(records) > MAX_ROWS:
        raise InvalidInput(
            [
                FieldProblem(
                    "文件 / file",
                    result.file_name,
                    f"最多 {MAX_ROWS} 行（本文件 {len(records)} 行）",
                    f"at most {MAX_ROWS} rows ({len(records)} in the file)",
                )
            ]
        )
    result.rows = len(records)
    labels = {**_LABELS, **header.labels}
    checker = tabular.RowChecker(problems, labels)
    today: date = timezone.localdate(now)
    parsers = {"id_number": lambda v: registry_cells.id_number(v, today).number, "name": tabular.text}
    parsed: list[tuple[int, dict[str, Any], dict[str, Any]]] = []
    for n, raw in records:
        values, refused = checker.parse(n, raw, parsers)
        ok = not refused
        for column in COLUMNS:
            if column.required and column.key not in values and column.key not in refused:
                ok = False
                checker.problem(column.key, "", "必填", "required", n)
        if ok:
            parsed.append((n, raw, values))
    persons = _resolve(checker, parsed, actor=actor)
    if problems:
        problems.sort(key=lambda p: p.row or 0)
        raise InvalidInput(problems)
    _enrol(class_plan, persons, result, labels=labels, actor=actor, now=now)
    return result


def _resolve(checker: tabular.RowChecker, parsed: list, *, actor: Any) -> list[tuple[int, Any]]:
    """The persons of the rows, from the ones the actor sees; repeats within the file."""
    numbers = {v["id_number"] for _n, _raw, v in parsed}
    index_of = {idnumbers.blind_index(number): number for number in numbers}
    visible = persons_visible_to(actor) if actor is not None else None
    from skillfund.registry.models import Person

    source = visible if visible is not None else Person.objects.all()
    found = {index_of[p.id_index]: p for p in source.filter(id_index__in=sorted(index_of))}
    persons, first_row = [], {}
    for n, _raw, v in parsed:
        person = found.get(v["id_number"])
        if person is None:
            checker.problem(
                "id_number",
                idnumbers.mask(v["id_number"]),
                "本机构人员名册中没有此人，请先导入人员名册",
                "this person is not on your roster; import them with the roster import first",
                n,
            )
            continue
        if v["name"] != person.name:
            checker.problem("name", v["name"], "姓名与人员库登记的不一致", "differs from the name registered", n)
            continue
        first = first_row.setdefault(person.pk, n)
        if first != n:
            checker.problem(
                "id_number", person.id_masked, f"与第 {first} 行是同一人", f"the same person as row {first}", n
            )
            continue
        persons.append((n, person))
    return persons


@transaction.atomic
def _enrol(
    plan: ClassPlan, persons: list[tuple[int, Any]], result: EnrolmentImport, *, labels, actor: Any, now: datetime
) -> None:
    """Each row through `enrolment_create` (its own savepoint); any refusal rolls all back."""
    problems: list[FieldProblem] = []
    for n, person in persons:
        try:
            result.enrolled.append(
                enrolment_create(class_plan=plan, person=person, actor=actor, preview=enrolment_preview, now=now)
            )
        except RecordError as exc:
            column = labels["name"] if exc.field in {"person", "capacity", "class_plan"} else labels["id_number"]
            problems.append(FieldProblem(column=column, value=person.name, zh=exc.zh, en=exc.en, row=n))
    if problems:
        raise InvalidInput(problems)
    audit.record(
        actor=actor,
        action="enrolment.import",
        target=plan,
        after={"file_name": result.file_name, "sha256": result.sha256, "rows": result.rows},
    )


def enrol_one(
    *, class_plan: ClassPlan, actor: Any, id_number: str, name: str, now: datetime | None = None
) -> Enrolment:
    """One trainee enrolled by ID number and name (a walk-in), with the same checks as a file's row.
    A number the institution does not see is refused with the same words as one never registered,
    so the form tells nothing about other units' rosters."""
    now = now or timezone.now()
    ref = _plan_ref(class_plan)
    _ensure_acts_for(actor, class_plan.institution, record=ref)
    try:
        number = registry_cells.id_number(id_number, timezone.localdate(now)).number
    except tabular.BadValue as exc:
        raise RecordError("invalid_id_number", record=ref, field="id_number", zh=exc.zh, en=exc.en) from None
    visible = persons_visible_to(actor) if actor is not None else None
    from skillfund.registry.models import Person

    person = (
        (visible if visible is not None else Person.objects.all())
        .filter(id_index=idnumbers.blind_index(number))
        .first()
    )
    if person is None:
        raise RecordError(
            "not_on_roster",
            record=ref,
            field="id_number",
            zh="本机构人员名册中没有此人，请先导入人员名册",
            en="this person is not on your roster; import them with the roster import first",
        )
    if tabular.text(name) != person.name:
        raise RecordError(
            "name_mismatch",
            record=ref,
            field="name",
            zh="姓名与人员库登记的不一致",
            en="differs from the name registered",
        )
    return enrolment_create(class_plan=class_plan, person=person, actor=actor, preview=enrolment_preview, now=now)
