"""Recording past subsidies (§3.3.b): subsidies granted before the platform, under an earlier
programme or in the provincial system, imported from an .xlsx or .csv as history grants.

§3.3.b never subsidizes the same occupation at the same level twice, with no time limit, so a
subsidy granted elsewhere must be known here. A history grant is not decided under this policy:
it has no claim and no decision (`Grant.Origin.HISTORY`), but it lives in the grants table, so
the never-twice constraint holds for it and every decision (online, batch, what-if, preview and
the race-safe tallies in `claims_grant`) counts it. The yearly cap (3 a year) counts a history
grant from the day the cap is in force (2019-11-28, the programme's start): its calendar year's
tally takes it; a grant before that day counts toward never-twice only.

One row per past subsidy. The whole file is read and every row checked before anything is
written: a bad value, a row repeating another (same person, occupation and level), a person not
registered, or a clash with a grant already recorded raises `InvalidInput` naming row, column,
value and reason in Chinese and English, and nothing is written. A row identical to a history
grant already recorded is skipped and counted as "already recorded": importing the same file
again changes nothing. Only the HR bureau imports (or the command line, as the system).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from skillfund.accounts.models import Role
from skillfund.accounts.scoping import role_of
from skillfund.catalog import cells as catalog_cells
from skillfund.catalog.models import LEVELLED_CERTIFICATES, CertificateKind, Occupation
from skillfund.claims.actions import count_against_tallies
from skillfund.claims.claimfile import CERTIFICATE_NAMES
from skillfund.claims.models import Claim, Grant, QuotaTally
from skillfund.core import audit, tabular
from skillfund.core.errors import DomainError, FieldProblem, InvalidInput
from skillfund.core.tabular import Column
from skillfund.policy.parameters import default_parameters
from skillfund.registry import cells as registry_cells
from skillfund.registry import idnumbers
from skillfund.registry.models import Person

HISTORY_SHEET = "既往补贴"  # a workbook without this sheet is read from its first sheet
# Columns an office writes once for a group of rows, as a vertical merge: filled down.
FILL_DOWN = frozenset({"occupation", "level", "certificate", "end_date", "granting_unit", "source_system"})

COLUMNS: tuple[Column, ...] = (
    registry_cells.REGISTERED_ID_COLUMN,
    Column("name", "姓名", "name", False, "填写时须与人员库一致", "if given, as in the registry"),
    Column(
        "occupation",
        "职业（工种）",
        "occupation",
        True,
        "职业编码或名称，如6-31-01-03或电工",
        "occupation code or name, e.g. 6-31-01-03 or 电工",
        ("职业", "工种", "职业工种", "职业名称", "职业编码", "职业(工种)"),
    ),
    Column(
        "level",
        "等级",
        "level",
        True,
        "1–5、五级…一级、初级/中级/高级/技师/高级技师；无等级的证书填“专项能力”或“无等级”",
        "1–5, or 初级/中级/高级/技师/高级技师; a certificate without level: 专项能力 or 无等级",
        ("技能等级", "职业技能等级", "职业等级", "鉴定等级", "skill_level"),
    ),
    Column(
        "certificate",
        "证书类型",
        "certificate_kind",
        True,
        "职业资格证书、职业技能等级证书、专项职业能力证书、特种作业操作证书或培训合格证书",
        "qualification, skill_level, special_ability, special_operation or training_completion",
        ("证书种类", "certificate"),
    ),
    Column(
        "certificate_number",
        "证书编号",
        "certificate_number",
        False,
        "最长60字",
        "at most 60 characters",
        ("证书号", "证书编码"),
    ),
    Column(
        "end_date",
        "培训结束日期",
        "end_date",
        True,
        "YYYY-MM-DD；补贴计入该日期所在年度",
        "YYYY-MM-DD; the subsidy counts in this date's year",
        ("结业日期", "培训结业日期", "培训截止日期", "培训结束时间", "结业时间"),
    ),
    Column(
        "amount",
        "补贴金额",
        "amount",
        True,
        "元，不小于0，最多两位小数",
        "CNY, not negative, at most 2 decimals",
        ("补贴金额（元）", "补贴金额(元)", "金额", "发放金额", "补贴资金"),
    ),
    Column(
        "granting_unit",
        "发放单位",
        "granting_unit",
        True,
        "发放补贴的单位，最长100字",
        "the unit that granted it, at most 100 characters",
        ("补贴发放单位", "拨付单位", "发放机构"),
    ),
    Column(
        "source_system",
        "来源系统",
        "source_system",
        True,
        "如“内蒙古职业技能提升行动管理系统”或“上一期培训项目”，最长100字",
        "e.g. the provincial system or an earlier programme, at most 100 characters",
        ("数据来源", "来源"),
    ),
)
_LABELS = {c.key: c.zh for c in COLUMNS}
_HEADERS = tabular.Headers(COLUMNS, ignore_notes=True)

NO_LEVEL = 0  # a certificate without level (专项能力 etc.): its own "level", as Grant.level_key holds it
LEVEL_NAMES: dict[str, int] = {
    **{str(n): n for n in range(1, 6)},
    **dict(zip(("一级", "二级", "三级", "四级", "五级"), range(1, 6), strict=True)),
    **{"初级": 5, "初级工": 5, "中级": 4, "中级工": 4, "高级": 3, "高级工": 3, "技师": 2, "高级技师": 1},
    **{"五级/初级工": 5, "四级/中级工": 4, "三级/高级工": 3, "二级/技师": 2, "一级/高级技师": 1},
    **{"专项能力": NO_LEVEL, "专项职业能力": NO_LEVEL, "无等级": NO_LEVEL, "无": NO_LEVEL, "none": NO_LEVEL},
}
_CERTIFICATES = {
    **{k.value: k.value for k in CertificateKind},
    **{name: kind for kind, names in CERTIFICATE_NAMES.items() for name in names},
}
# Facts a row must repeat exactly to be the history grant already recorded.
SAME = ("end_date", "amount", "certificate_kind", "certificate_number", "granting_unit", "source_system")


def may_import_history(user: Any) -> bool:
    """The HR bureau records past subsidies: they bind every later decision of every department."""
    return role_of(user) == Role.HR_STAFF


@dataclass
class HistoryImport:
    file_name: str
    sha256: str
    rows: int = 0
    recorded: int = 0  # history grants written
    already_recorded: int = 0  # rows identical to a history grant already there: skipped
    counted_in_year: int = 0  # of those written, how many count against their year's cap (§3.3.b)
    warnings: list[FieldProblem] = field(default_factory=list)


@dataclass
class _Row:
    n: int
    person_id: int
    subject: str
    level_key: int
    values: dict[str, Any]


def _level(value: Any) -> int:
    found = LEVEL_NAMES.get(tabular.code(value).lower())
    if found is None:
        raise tabular.BadValue(
            "等级应为1–5、初级、中级、高级、技师、高级技师，或“专项能力”“无等级”",
            "a level is 1–5, 初级/中级/高级/技师/高级技师, or 专项能力/无等级 for a certificate without level",
        )
    return found


def _certificate(value: Any) -> str:
    text = tabular.code(value)
    found = _CERTIFICATES.get(text, _CERTIFICATES.get(text.lower()))
    if found is None:
        raise tabular.BadValue(
            "证书类型应为：" + "、".join(names[0] for names in CERTIFICATE_NAMES.values()),
            "unknown certificate; one of: " + ", ".join(CERTIFICATE_NAMES),
        )
    return found


_PARSERS = {
    "name": tabular.text_at_most(60, "姓名", "a name"),
    "occupation": tabular.text,
    "level": _level,
    "certificate": _certificate,
    "certificate_number": tabular.text_at_most(60, "证书编号", "a certificate number"),
    "end_date": tabular.date_value,
    "amount": catalog_cells.amount,
    "granting_unit": tabular.text_at_most(100, "发放单位", "a granting unit"),
    "source_system": tabular.text_at_most(100, "来源系统", "a source system"),
}


def history_import(*, actor: Any, file: Any, file_name: str = "", today: date | None = None) -> HistoryImport:
    """Record a file of past subsidies as history grants: all rows, or — if any is bad — none
    (raises `InvalidInput`). `file` is a path, bytes or a binary file object."""
    if actor is not None and not may_import_history(actor):
        raise DomainError(
            "history_import_not_allowed",
            "只有人社部门可以录入既往补贴",
            "only the HR bureau records past subsidies",
            clause="§3.3.b",
        )
    today = today or timezone.localdate()
    data, found_name = tabular.read_bytes(file)
    result = HistoryImport(
        file_name=(file_name or found_name or "past-subsidies")[:200], sha256=hashlib.sha256(data).hexdigest()
    )
    problems: list[FieldProblem] = []
    try:
        # The office layout as for rosters: title rows above the header, footer lines (合计, 制表人 …)
        # below, a unit or source merged over a group of rows.
        layout = tabular.read_layout(
            tabular.read_sheet(data, result.file_name, sheet=HISTORY_SHEET),
            _HEADERS,
            identity=("id_number", "name"),
            key="id_number",
            fill_down=FILL_DOWN,
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
    for skipped in layout.skipped:
        result.warnings.append(
            FieldProblem(
                "—", skipped.text, f"已跳过：{skipped.zh}", f"skipped: {skipped.en}", skipped.row, warning=True
            )
        )
    records = layout.records
    if not records:
        raise InvalidInput(
            [FieldProblem("文件 / file", result.file_name, "文件没有数据行", "the file has no data rows")]
        )
    result.rows = len(records)
    checker = _Checker(problems, {**_LABELS, **header.labels}, today)
    parsed = [(n, raw, values) for n, raw in records if (values := checker.check(n, raw)) is not None]
    try:
        _record(checker, parsed, result, actor=actor)
    except IntegrityError:
        # Only a concurrent grant for one of the file's persons gets here; all was rolled back.
        raise DomainError(
            "history_conflict",
            "导入期间其他操作为文件中的人员批准了补贴，未写入任何数据，请重新导入",
            "a subsidy was granted to a person in the file meanwhile; nothing was written, import again",
        ) from None
    return result


@transaction.atomic
def _record(checker: _Checker, parsed: list, result: HistoryImport, *, actor: Any) -> None:
    """Resolve, check against the ledger under the persons' locks, and write — or raise, writing nothing."""
    rows = checker.resolve(parsed)
    # The persons' locks, in the order claims_grant takes them, so a grant cannot slip in between.
    person_ids = sorted({r.person_id for r in rows})
    list(Person.objects.select_for_update().filter(pk__in=person_ids).order_by("pk").values_list("pk", flat=True))
    new = checker.against_ledger(rows, result)
    checker.problems.sort(key=lambda p: p.row or 0)
    if checker.problems:
        raise InvalidInput(checker.problems)

    now, user = timezone.now(), actor if getattr(actor, "pk", None) else None
    grants = [
        Grant(
            person_id=r.person_id,
            origin=Grant.Origin.HISTORY,
            kind=Claim.Kind.INDIVIDUAL,
            subject=r.subject,
            level_key=r.level_key,
            year=r.values["end_date"].year,
            end_date=r.values["end_date"],
            amount=r.values["amount"],
            certificate_kind=r.values["certificate"],
            certificate_number=r.values.get("certificate_number", ""),
            granting_unit=r.values["granting_unit"],
            source_system=r.values["source_system"],
            granted_by=user,
            granted_at=now,
        )
        for r in new
    ]
    Grant.objects.bulk_create(grants, batch_size=tabular.CHUNK)
    per_year = checker.per_year(new)
    count_against_tallies(per_year)
    result.recorded = len(grants)
    result.counted_in_year = sum(per_year.values())
    audit.record(
        actor=actor,
        action="grants.history_import",
        after={
            "file_name": result.file_name,
            "sha256": result.sha256,
            "rows": result.rows,
            "recorded": result.recorded,
            "already_recorded": result.already_recorded,
            "counted_in_year": result.counted_in_year,
            "source_systems": sorted({g.source_system for g in grants}),
        },
    )


class _Checker(tabular.RowChecker):
    def __init__(self, problems: list[FieldProblem], labels: dict[str, str], today: date) -> None:
        super().__init__(problems, labels)
        self.today = today
        self.parsers = {**_PARSERS, "id_number": lambda value: registry_cells.id_number(value, today).number}
        self.params = default_parameters()
        self.cap_from = self.params["annual_cap"].values[0].since

    def check(self, n: int, raw: dict[str, Any]) -> dict[str, Any] | None:
        """Row `n`'s values, each cell on its own; None after recording what is wrong."""
        values, refused = self.parse(n, raw, self.parsers)
        ok = not refused
        for column in COLUMNS:
            if column.required and column.key not in values and column.key not in refused:
                ok = False
                self.problem(column.key, "", "必填", "required", n)
        end = values.get("end_date")
        if end is not None and end > self.today:
            ok = False
            self.problem("end_date", end, "结束日期晚于今天", f"after today ({self.today})", n)
        if "certificate" in values and "level" in values:
            levelled = values["certificate"] in LEVELLED_CERTIFICATES
            if levelled and values["level"] == NO_LEVEL:
                ok = False
                self.problem("level", raw["level"], "该证书须有等级1–5", "this certificate has a level 1–5", n)
            if not levelled and values["level"] != NO_LEVEL:
                ok = False
                self.problem(
                    "level",
                    raw["level"],
                    "该证书没有等级，应填“无等级”",
                    "this certificate has no level: write 无等级",
                    n,
                )
        return values if ok else None

    def resolve(self, parsed: list[tuple[int, dict[str, Any], dict[str, Any]]]) -> list[_Row]:
        """Persons and occupations for the rows, with a few queries; repeats within the file."""
        numbers = {v["id_number"] for _n, _raw, v in parsed}
        index_of = {idnumbers.blind_index(number): number for number in numbers}
        persons: dict[str, tuple[int, str]] = {}
        keys = sorted(index_of)
        for start in range(0, len(keys), tabular.CHUNK):
            for index, pk, name in Person.objects.filter(id_index__in=keys[start : start + tabular.CHUNK]).values_list(
                "id_index", "pk", "name"
            ):
                persons[index_of[index]] = (pk, name)
        written = {v["occupation"] for _n, _raw, v in parsed}
        by_code = {o.code: o for o in Occupation.objects.filter(code__in=written)}
        by_name: dict[str, list[Occupation]] = {}
        for o in Occupation.objects.filter(name__in=written - set(by_code)).order_by("code"):
            by_name.setdefault(o.name, []).append(o)

        rows, first_row = [], {}
        for n, raw, v in parsed:
            ok = True
            person = persons.get(v["id_number"])
            if person is None:
                ok = False
                self.problem(
                    "id_number",
                    idnumbers.mask(v["id_number"]),
                    "人员库中没有此人，请先登记（人员名册导入）",
                    "no person with this ID number is registered; register the person first (roster import)",
                    n,
                )
            elif "name" in v and v["name"] != person[1]:
                ok = False
                self.problem("name", v["name"], "姓名与人员库登记的不一致", "differs from the name registered", n)
            occupation = by_code.get(v["occupation"])
            if occupation is None:
                named = by_name.get(v["occupation"], [])
                if len(named) == 1:
                    occupation = named[0]
                elif named:
                    ok = False
                    codes = "、".join(o.code for o in named)
                    self.problem(
                        "occupation",
                        raw["occupation"],
                        f"名称对应多个职业（{codes}），请填写职业编码",
                        f"the name matches several occupations ({codes}); write the code",
                        n,
                    )
                else:
                    ok = False
                    self.problem(
                        "occupation",
                        raw["occupation"],
                        "职业目录中没有该职业编码或名称",
                        "no occupation in the catalog has this code or name",
                        n,
                    )
            if not ok:
                continue
            row = _Row(n, person[0], occupation.code, v["level"], v)
            first = first_row.setdefault((row.person_id, row.subject, row.level_key), n)
            if first != n:
                self.problem(
                    "occupation",
                    raw["occupation"],
                    f"与第{first}行重复：同一人、同一职业、同一等级（§3.3.b 不重复补贴）",
                    f"repeats row {first}: the same person, occupation and level (§3.3.b: never twice)",
                    n,
                )
                continue
            rows.append(row)
        return rows

    def against_ledger(self, rows: list[_Row], result: HistoryImport) -> list[_Row]:
        """The rows not yet recorded; a clash with a grant already there, or a year over its cap,
        is a problem. Read under the persons' locks."""
        person_ids = sorted({r.person_id for r in rows})
        existing: dict[tuple[int, str, int], Grant] = {}
        tallies: dict[tuple[int, int], int] = {}
        for start in range(0, len(person_ids), tabular.CHUNK):
            chunk = person_ids[start : start + tabular.CHUNK]
            for g in Grant.objects.filter(person_id__in=chunk).exclude(kind=Claim.Kind.WORK_BASED):
                existing[(g.person_id, g.subject, g.level_key)] = g
            for person, year, used in QuotaTally.objects.filter(person_id__in=chunk).values_list(
                "person_id", "year", "used"
            ):
                tallies[(person, year)] = used
        new = []
        for r in rows:
            grant = existing.get((r.person_id, r.subject, r.level_key))
            if grant is None:
                new.append(r)
            elif grant.origin == Grant.Origin.HISTORY and all(getattr(grant, f) == self._value(r, f) for f in SAME):
                result.already_recorded += 1
            else:
                how = (
                    f"来源：{grant.source_system}"
                    if grant.origin == Grant.Origin.HISTORY
                    else f"本平台申请{grant.claim.reference}"
                )
                how_en = (
                    f"from {grant.source_system}"
                    if grant.origin == Grant.Origin.HISTORY
                    else f"on this platform, claim {grant.claim.reference}"
                )
                self.problem(
                    "occupation",
                    r.values["occupation"],
                    f"此人该职业该等级已于{grant.year}年享受补贴（{how}），内容不同；同一职业同一等级不重复补贴（§3.3.b）",
                    f"the person was already subsidized for this occupation and level in {grant.year} ({how_en}), "
                    "with other facts; never twice (§3.3.b)",
                    r.n,
                )
        # The yearly cap (§3.3.b) holds for past subsidies from the day it is in force.
        for (person, year, cap), n in self.per_year(new).items():
            used = tallies.get((person, year), 0)
            if used + n > cap:
                for r in (r for r in new if r.person_id == person and r.values["end_date"].year == year):
                    if r.values["end_date"] >= self.cap_from:
                        self.problem(
                            "end_date",
                            r.values["end_date"],
                            f"此人{year}年已享受补贴{used}次，本文件又有{n}次，超过每年{cap}次的上限（§3.3.b）",
                            f"{used} subsidies in {year} already and {n} in this file: over the cap of {cap} (§3.3.b)",
                            r.n,
                        )
        return new

    def per_year(self, rows: list[_Row]) -> Counter:
        """(person, year, cap in force) → the rows counting against that year's cap."""
        counts: Counter = Counter()
        for r in rows:
            end = r.values["end_date"]
            if end >= self.cap_from:
                counts[(r.person_id, end.year, self.params.value("annual_cap", end))] += 1
        return counts

    @staticmethod
    def _value(r: _Row, name: str) -> Any:
        key = {"certificate_kind": "certificate"}.get(name, name)
        value = r.values.get(key, "")
        return Decimal(value) if name == "amount" else value
