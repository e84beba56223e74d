"""Reading a claims file (`skillfund evaluate`): a .csv, .xlsx or .jsonl file in, validated claim rows out.

`read_claims` reads the whole file and checks every row against the registry, the catalog and the
class plans (like the roster import; both read files with `core.tabular`). Each bad value becomes a
problem naming its row, column, value and reason in Chinese and English; a file that cannot be read
at all is one problem naming the file. Nothing is written here — no claim, no audit record, no file:
`claims.batch` creates and decides the claims only when no row has a problem.
The columns are documented in docs/claims-file-format.md.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.db import connection
from django.utils import timezone

from skillfund.catalog import cells as catalog_cells
from skillfund.catalog.models import CatalogItem, CertificateKind
from skillfund.claims.actions import subject_of
from skillfund.claims.checks import (
    certificate_key,
    certificate_problem,
    months_problem,
    recorded_for,
    unclaimed_months,
)
from skillfund.claims.models import Claim
from skillfund.core import tabular
from skillfund.core.errors import FieldProblem
from skillfund.core.tabular import Column
from skillfund.organizations.models import Organization
from skillfund.policy.parameters import ParameterSet, default_parameters
from skillfund.regions import cells as region_cells
from skillfund.regions.codes import is_valid_region_code
from skillfund.registry import cells as registry_cells
from skillfund.registry import idnumbers
from skillfund.registry.models import Person
from skillfund.training.models import Certificate, ClassPlan, Employment, Enrolment, WorkTrainingMonth

CLAIM_COLUMNS: tuple[Column, ...] = (
    Column(
        "reference",
        "申请编号",
        "claim",
        True,
        "每个申请唯一，最长60字",
        "unique per claim, at most 60 characters",
        ("reference", "申请号", "claim_reference"),
    ),
    registry_cells.REGISTERED_ID_COLUMN,
    Column(
        "class_code",
        "开班计划编号",
        "class_code",
        False,
        "填写后，培训地、日期、目录项目、培训费、补贴类型、责任部门均取自开班计划",
        "with it, region, dates, catalog item, fee, kind and department come from the class plan",
        ("班级编号", "开班编号", "class"),
    ),
    Column(
        "item",
        "目录项目",
        "item",
        False,
        "目录项目代码；无开班计划时必填",
        "catalog item code; required without a class code",
        ("目录项目代码", "catalog_item", "item_code"),
    ),
    Column(
        "year",
        "目录年度",
        "year",
        False,
        "空 = 培训结束日期所在年度",
        "empty = the year of the end date",
        ("catalog_year",),
    ),
    Column(
        "training_region",
        "培训地区划代码",
        "training_region",
        False,
        "6位行政区划代码；无开班计划时必填",
        "6-digit region code; required without a class code",
        ("培训地代码", "培训地"),
    ),
    Column(
        "start_date",
        "培训开始日期",
        "start_date",
        False,
        "YYYY-MM-DD；无开班计划时必填",
        "YYYY-MM-DD; required without a class code",
        ("开始日期",),
    ),
    Column(
        "end_date",
        "培训结束日期",
        "end_date",
        False,
        "YYYY-MM-DD，不能晚于今天；无开班计划时必填",
        "YYYY-MM-DD, not after today; required without a class code",
        ("结束日期",),
    ),
    Column(
        "certificate",
        "证书类型",
        "certificate",
        False,
        "见证书类型表；空 = 未取得证书",
        "see the certificate list; empty = none obtained",
        ("证书种类", "certificate_kind"),
    ),
    Column(
        "certificate_number", "证书编号", "certificate_number", False, "最长60字", "at most 60 characters", ("证书号",)
    ),
    Column(
        "fee",
        "培训费",
        "fee",
        False,
        "每人培训费（元），最多两位小数；空 = 按补贴标准",
        "tuition per trainee in CNY, at most 2 decimals; empty = the standard",
        ("培训费用",),
    ),
    Column(
        "kind",
        "补贴类型",
        "kind",
        False,
        "个人申领/项目制/企业自主培训/以工代训；空 = 个人申领",
        "individual / project / enterprise / work_based; empty = individual",
        ("funding_mode",),
    ),
    Column(
        "months",
        "以工代训月数",
        "months",
        False,
        "仅以工代训，可空：空 = 登记的月度培训记录数；填写时须与之相符",
        "training through work only, optional: empty = the recorded training months; if given, it must agree",
        ("月数",),
    ),
    Column(
        "employer",
        "用人单位",
        "employer",
        False,
        "仅以工代训：用人单位统一社会信用代码",
        "training through work only: the employer's credit code",
        ("用人单位统一社会信用代码", "employer_credit_code"),
    ),
    Column(
        "department",
        "责任部门",
        "department",
        False,
        "无开班计划时可填：部门单位代码或简称",
        "without a class code, optional: the department's unit code or short name",
        ("责任单位",),
    ),
)
_LABELS = {c.key: c.zh for c in CLAIM_COLUMNS}
_HEADERS = tabular.Headers(CLAIM_COLUMNS)
# With a class code these come from the plan; a value in the file must then agree with it.
PLAN_COLUMNS = ("item", "year", "training_region", "start_date", "end_date", "fee", "kind")

CERTIFICATE_NAMES: dict[str, tuple[str, ...]] = {
    CertificateKind.QUALIFICATION: ("职业资格证书", "职业资格"),
    CertificateKind.SKILL_LEVEL: ("职业技能等级证书", "职业技能等级", "技能等级证书"),
    CertificateKind.SPECIAL_ABILITY: ("专项职业能力证书", "专项职业能力"),
    CertificateKind.SPECIAL_OPERATION: ("特种作业操作证书", "特种作业操作证", "特种作业证"),
    CertificateKind.TRAINING_COMPLETION: ("培训合格证书", "培训合格证"),
}
_CERTIFICATES = {
    **{k.value: k.value for k in CertificateKind},
    **{name: kind for kind, names in CERTIFICATE_NAMES.items() for name in names},
}
_NO_CERTIFICATE = {"无", "未取得", "none"}
KIND_NAMES: dict[str, tuple[str, ...]] = {
    Claim.Kind.INDIVIDUAL: ("个人申领", "个人"),
    Claim.Kind.PROJECT: ("项目制", "项目制培训"),
    Claim.Kind.ENTERPRISE: ("企业自主培训", "企业培训", "企业"),
    Claim.Kind.WORK_BASED: ("以工代训",),
}
_KINDS = {**{k.value: k.value for k in Claim.Kind}, **{n: k for k, names in KIND_NAMES.items() for n in names}}
# The claim fields a re-submitted reference must repeat exactly, with the column that states each.
COMPARED = {
    "person_id": "id_number",
    "catalog_item_id": "item",
    "training_region": "training_region",
    "start_date": "start_date",
    "end_date": "end_date",
    "kind": "kind",
    "certificate_kind": "certificate",
    "certificate_number": "certificate_number",
    "fee": "fee",
    "months": "months",
    "employment_id": "employer",
    "department_id": "department",
}
INPUT_FORMATS = ("", ".csv", ".txt", ".xlsx", ".xlsm", ".jsonl", ".ndjson")


# --- reading and checking the file ----------------------------------------------------------------


@dataclass
class ClaimRow:
    row: int
    reference: str
    fields: dict[str, Any]  # Claim model fields, ready to create
    existing: int | None = None  # pk of the claim with this reference, when it exists with the same facts


@dataclass
class ClaimFile:
    """A checked claims file: what it asks, and what is wrong with it."""

    file_name: str
    sha256: str
    rows: list[ClaimRow] = field(default_factory=list)
    problems: list[FieldProblem] = field(default_factory=list)
    warnings: list[FieldProblem] = field(default_factory=list)


def _records(data: bytes, name: str, claims: ClaimFile) -> tuple[list[tuple[int, dict[str, Any]]], dict[str, str]]:
    """The data rows as (row number, {column key: raw value}), and the header each key was read from."""
    if tabular.is_jsonl(data, name):
        records = tabular.jsonl_records(data, _HEADERS, problems=claims.problems, warnings=claims.warnings)
        return records, {c.key: c.en for c in CLAIM_COLUMNS}
    if Path(name).suffix.lower() not in INPUT_FORMATS:
        raise tabular.FileError("只能读取.csv、.xlsx或.jsonl文件", "only .csv, .xlsx and .jsonl files can be read")
    # The roster's sheet name is kept from when this module reused the roster reader.
    table = tabular.sheet_rows(data, name, sheet="人员名册")
    header = tabular.read_header(table, _HEADERS, warnings=claims.warnings)
    if header.repeats:
        repeated, label = header.repeats[0]
        raise tabular.FileError(f"列“{repeated}”与“{label}”重复", f"column {repeated!r} repeats {label!r}")
    missing = header.missing(c for c in CLAIM_COLUMNS if c.required)
    if missing:
        raise tabular.missing_columns(missing)
    return header.records(table), header.labels


def _year(value: Any) -> int:
    text = tabular.code(value)
    if not (text.isdigit() and len(text) == 4):
        raise tabular.BadValue("目录年度应为4位数字", "a catalog year has 4 digits")
    return int(text)


def _certificate(value: Any) -> str:
    text = tabular.code(value)
    if text.lower() in _NO_CERTIFICATE:
        return ""
    found = _CERTIFICATES.get(text, _CERTIFICATES.get(text.lower()))
    if found is None:
        raise tabular.BadValue(
            "证书类型应为：" + "、".join(names[0] for names in CERTIFICATE_NAMES.values()),
            "unknown certificate; one of: " + ", ".join(CERTIFICATE_NAMES),
        )
    return found


def _months(value: Any) -> int:
    text = tabular.code(value)
    if not text.isdigit() or not 1 <= int(text) <= 120:
        raise tabular.BadValue("月数应为正整数", "months is a positive whole number")
    return int(text)


def _credit_code(value: Any) -> str:
    return tabular.code(value).upper()


_PARSERS = {
    "reference": tabular.text_at_most(60, "申请编号", "a claim reference"),
    "class_code": tabular.code,
    "item": tabular.code,
    "year": _year,
    "training_region": region_cells.region_code,
    "start_date": tabular.date_value,
    "end_date": tabular.date_value,
    "certificate": _certificate,
    "certificate_number": tabular.text_at_most(60, "证书编号", "a certificate number"),
    "fee": catalog_cells.amount,
    "kind": tabular.choice(
        _KINDS,
        "补贴类型应为个人申领、项目制、企业自主培训或以工代训",
        "kind is individual, project, enterprise or work_based",
    ),
    "months": _months,
    "employer": _credit_code,
    "department": tabular.code,
}


def read_claims(
    file: Any,
    *,
    file_name: str = "",
    today: date | None = None,
    params: ParameterSet | None = None,
    progress: tabular.ProgressFactory | None = None,
) -> ClaimFile:
    """Read and check a whole claims file (.csv, .xlsx or .jsonl) without writing anything.

    `file` is a path, bytes, or a binary file object.
    """
    data, found_name = tabular.read_bytes(file)
    claims = ClaimFile(file_name=(file_name or found_name or "claims")[:200], sha256=hashlib.sha256(data).hexdigest())
    try:
        records, labels = _records(data, claims.file_name, claims)
    except tabular.FileError as exc:
        claims.problems.append(exc.problem(claims.file_name))
        return claims
    if not records and not claims.problems:
        claims.problems.append(
            FieldProblem("文件 / file", claims.file_name, "文件没有数据行", "the file has no data rows")
        )
    if claims.problems:
        return claims
    _Checker(claims, {**_LABELS, **labels}, today or timezone.localdate(), params or default_parameters()).run(
        records, progress
    )
    return claims


class _Checker(tabular.RowChecker):
    """Checks every row of one file against the registry, the catalog and the class plans."""

    def __init__(self, claims: ClaimFile, labels: dict[str, str], today: date, params: ParameterSet) -> None:
        super().__init__(claims.problems, labels)
        self.claims, self.today = claims, today
        self.parsers = {**_PARSERS, "id_number": lambda value: registry_cells.id_number(value, today).number}
        # The engine needs every parameter in force on a claim's end date.
        self.params, self.policy_start = params, params.first_day
        self.lookup_size = min(tabular.CHUNK, (connection.features.max_query_params or tabular.CHUNK) - 10)
        self.first_row: dict[str, int] = {}  # claim reference -> the row that first names it
        self.first_number: dict[str, tuple[int, str]] = {}  # certificate number -> (row, reference) naming it
        self.file_periods: dict[int, list[tuple[date, date]]] = {}  # employment -> periods of earlier rows

    def run(self, records: list[tuple[int, dict[str, Any]]], progress: tabular.ProgressFactory | None) -> None:
        advance = progress("读取校验 reading", len(records)) if progress else (lambda n: None)
        parsed: list[tuple[int, dict[str, Any], dict[str, Any]]] = []
        for start in range(0, len(records), tabular.CHUNK):
            for n, raw in records[start : start + tabular.CHUNK]:
                values = self.check(n, raw)
                if values is not None:
                    parsed.append((n, raw, values))
            advance(min(tabular.CHUNK, len(records) - start))
        look = self.look_up(parsed)
        for n, raw, values in parsed:
            claim = self.resolve(n, raw, values, look)
            if claim is not None:
                self.claims.rows.append(claim)
        self.claims.problems.sort(key=lambda p: p.row or 0)  # by row, as a person reads the file

    def check(self, n: int, raw: dict[str, Any]) -> dict[str, Any] | None:
        values, refused = self.parse(n, raw, self.parsers)
        ok = not refused
        for key in ("reference", "id_number"):
            if key not in values and key not in refused:
                ok = False
                self.problem(key, "", "必填", "required", n)
        ref = values.get("reference")
        if ref is not None:
            first = self.first_row.setdefault(ref, n)
            if first != n:
                ok = False
                self.problem("reference", ref, f"与第{first}行重复", f"duplicates row {first}", n)
        return values if self.dates_ok(n, values) and ok else None

    def dates_ok(self, n: int, v: dict[str, Any]) -> bool:
        before = len(self.claims.problems)
        start, end = v.get("start_date"), v.get("end_date")
        if start and end and end < start:
            self.problem("end_date", end, f"早于开始日期{start}", f"before the start date {start}", n)
        if end and end > self.today:
            self.problem("end_date", end, "培训尚未结束，不能申请补贴", f"after today ({self.today}): not ended yet", n)
        if end and (refusal := self.params.not_in_force(end)) is not None:
            self.problem(
                "end_date",
                end,
                f"早于政策施行日期{self.policy_start}：{refusal.zh}",
                f"before the policy applies ({self.policy_start}): {refusal.en}",
                n,
            )
        return len(self.claims.problems) == before

    def _chunked(self, keys: set[Any]) -> list[list[Any]]:
        items = sorted(keys, key=str)
        return [items[i : i + self.lookup_size] for i in range(0, len(items), self.lookup_size)]

    def look_up(self, parsed: list[tuple[int, dict[str, Any], dict[str, Any]]]) -> dict[str, dict]:
        """Everything the rows name, found with a few queries per kind, not one per row."""
        wanted: dict[str, set[Any]] = {
            k: set() for k in ("id_number", "class_code", "item", "employer", "department", "certificate_number")
        }
        refs: set[str] = set()
        for _n, _raw, values in parsed:
            refs.add(values["reference"])
            for key, keys in wanted.items():
                if key in values:
                    keys.add(values[key])
        look: dict[str, dict] = {k: {} for k in ("persons", "plans", "items", "employers", "departments", "claims")}
        index_of = {idnumbers.blind_index(number): number for number in wanted["id_number"]}
        for chunk in self._chunked(set(index_of)):
            for index, pk in Person.objects.filter(id_index__in=chunk).values_list("id_index", "pk"):
                look["persons"][index_of[index]] = pk
        for chunk in self._chunked(wanted["class_code"]):
            look["plans"] |= {
                p.code: p for p in ClassPlan.objects.filter(code__in=chunk).select_related("catalog_item")
            }
        for chunk in self._chunked(wanted["item"]):
            look["items"] |= {(i.code, i.year): i for i in CatalogItem.objects.filter(code__in=chunk)}
        for chunk in self._chunked(wanted["employer"]):
            look["employers"] |= dict(
                Organization.objects.filter(credit_code__in=chunk).values_list("credit_code", "pk")
            )
        if wanted["department"]:
            for o in Organization.objects.filter(kind=Organization.Kind.GOVERNMENT).only("unit_code", "short_name"):
                for code in (o.unit_code, o.short_name):
                    if code:
                        look["departments"].setdefault(code, o.pk)
        for chunk in self._chunked(refs):
            look["claims"] |= {c.reference: c for c in Claim.objects.filter(reference__in=chunk)}
        # Employments (以工代训) of the persons at the employers named, for matching below.
        employments: dict[tuple[int, int], list[Employment]] = {}
        employer_pks = set(look["employers"].values())
        for chunk in self._chunked(set(look["persons"].values()) if employer_pks else set()):
            for e in Employment.objects.filter(person_id__in=chunk, employer_id__in=employer_pks):
                employments.setdefault((e.employer_id, e.person_id), []).append(e)
        look["employments"] = employments
        # 以工代训 (§3.3.g): the months on record and the periods already claimed, per employment.
        employment_pks = {e.pk for found in employments.values() for e in found}
        look["months"], look["claimed_months"] = {}, {}
        for chunk in self._chunked(employment_pks):
            for pk, month in WorkTrainingMonth.objects.filter(employment_id__in=chunk).values_list(
                "employment_id", "month"
            ):
                look["months"].setdefault(pk, []).append(month)
            claimed = Claim.objects.filter(employment_id__in=chunk, kind=Claim.Kind.WORK_BASED).exclude(
                status=Claim.Status.REFUSED
            )
            for pk, ref, start, end in claimed.values_list("employment_id", "reference", "start_date", "end_date"):
                look["claimed_months"].setdefault(pk, []).append((ref, start, end))
        plan_pks = [p.pk for p in look["plans"].values()]
        look["enrolments"] = {
            (e["class_plan_id"], e["person_id"]): e["pk"]
            for e in Enrolment.objects.filter(class_plan_id__in=plan_pks).values("pk", "class_plan_id", "person_id")
        }
        # A trainee's certificate recorded for the enrolment is the one a class row claims (§3.3.a).
        look["enrolment_certificates"] = {}
        for c in Certificate.objects.filter(enrolment__class_plan_id__in=plan_pks).order_by("-issue_date"):
            look["enrolment_certificates"][c.enrolment_id] = c  # the earliest issued, as online
            wanted["certificate_number"].add(c.number)
        # Certificates (§3.3.a): those on record under the numbers named, and the claims that named them.
        look["certificates"], look["claimed_numbers"] = {}, {}
        for chunk in self._chunked(wanted["certificate_number"]):
            for c in Certificate.objects.filter(number__in=chunk):
                look["certificates"].setdefault(c.number, []).append(c)
            for number, kind, subject, reference in (
                Claim.objects.filter(certificate_number__in=chunk)
                .exclude(certificate_number="")  # the partial unique indexes' condition, so they are used
                .values_list("certificate_number", "certificate_kind", "subject", "reference")
            ):
                look["claimed_numbers"][certificate_key(kind, number, subject)] = reference
        return look

    def resolve(self, n: int, raw: dict[str, Any], v: dict[str, Any], look: dict[str, dict]) -> ClaimRow | None:
        """One row's claim fields, or None after recording what is wrong with it."""
        before = len(self.claims.problems)
        person_id = look["persons"].get(v["id_number"])
        if person_id is None:
            self.problem(
                "id_number",
                idnumbers.mask(v["id_number"]),
                "人员库中没有此人",
                "no person with this ID number is registered",
                n,
            )
        plan: ClassPlan | None = None
        department_id = None
        if "class_code" in v:
            plan = look["plans"].get(v["class_code"])
            if plan is None:
                self.problem("class_code", v["class_code"], "没有该开班计划", "no class plan has this code", n)
                return None
            if plan.status not in (ClassPlan.Status.APPROVED, ClassPlan.Status.CLOSED):
                self.problem(
                    "class_code", plan.code, "开班计划未经批准", f"the class plan is {plan.status}, not approved", n
                )
            from_plan = {
                "item": plan.catalog_item.code,
                "year": plan.catalog_item.year,
                "training_region": plan.region,
                "start_date": plan.start_date,
                "end_date": plan.end_date,
                "fee": plan.fee,
                "kind": plan.funding_mode,
            }
            for key in PLAN_COLUMNS:
                if key in v and v[key] != from_plan[key]:
                    self.problem(
                        key,
                        raw[key],
                        f"与开班计划{plan.code}不一致（{tabular.text(from_plan[key])}）",
                        f"differs from class plan {plan.code} ({tabular.text(from_plan[key])})",
                        n,
                    )
                v[key] = from_plan[key]
            item, department_id = plan.catalog_item, plan.department_id
        else:
            missing = [k for k in ("item", "training_region", "start_date", "end_date") if k not in v]
            for key in missing:
                self.problem(key, "", "未填写开班计划编号时必填", "required without a class code", n)
            if missing:
                return None
            year = v.get("year", v["end_date"].year)
            item = look["items"].get((v["item"], year))
            if item is None:
                self.problem("item", v["item"], f"{year}年目录中没有该项目", f"not in the {year} catalog", n)
            if "department" in v:
                department_id = look["departments"].get(v["department"])
                if department_id is None:
                    self.problem(
                        "department", v["department"], "没有该部门", "no government unit has this code or name", n
                    )
        if plan is not None:  # the file's own dates were checked as they were read
            self.dates_ok(n, v)
        if not is_valid_region_code(v["training_region"]):
            self.problem("training_region", v["training_region"], "不是有效的行政区划代码", "not a region code", n)
        kind = v.get("kind") or Claim.Kind.INDIVIDUAL
        employment_id = self.employment(n, v, kind, person_id, look)
        if kind != Claim.Kind.WORK_BASED and "months" in v:
            self.problem("months", raw["months"], "仅以工代训填写", "only for training through work", n)
        if plan is not None and "certificate" not in v and "certificate_number" not in v:
            recorded = look["enrolment_certificates"].get(look["enrolments"].get((plan.pk, person_id)))
            if recorded is not None:  # the class row claims the trainee's recorded certificate
                v["certificate"], v["certificate_number"] = recorded.kind, recorded.number
        if item is not None:
            # Training through work is decided without a certificate (§3.3.g): not compared with its item.
            self.certificate(n, raw, v, None if kind == Claim.Kind.WORK_BASED else item, person_id, look)
        months = self.months(n, raw, v, employment_id, look) if employment_id is not None else 0
        if len(self.claims.problems) > before:
            return None
        fields = {
            "kind": kind,
            "person_id": person_id,
            "department_id": department_id,
            "enrolment_id": look["enrolments"].get((plan.pk, person_id)) if plan else None,
            "employment_id": employment_id,
            "catalog_item_id": item.pk,
            "training_region": v["training_region"],
            "start_date": v["start_date"],
            "end_date": v["end_date"],
            "certificate_kind": v.get("certificate", ""),
            "certificate_number": v.get("certificate_number", ""),
            "subject": subject_of(item),
            "level": item.level,
            "standard": item.standard,
            "fee": v.get("fee"),
            "months": months,
        }
        claim = ClaimRow(row=n, reference=v["reference"], fields=fields)
        existing = look["claims"].get(claim.reference)
        if existing is not None:
            differs = [attr for attr in COMPARED if getattr(existing, attr) != fields[attr]]
            if differs:
                key = COMPARED[differs[0]]
                shown = key in raw and key != "id_number"  # the full ID number never goes into a report
                self.problem(
                    key if shown else "reference",
                    raw[key] if shown else claim.reference,
                    f"申请编号{claim.reference}已存在，且内容不同（{self.labels[key]}）",
                    f"claim {claim.reference} already exists with different facts ({self.labels[key]})",
                    n,
                )
                return None
            claim.existing = existing.pk
        return claim

    def certificate(
        self, n: int, raw: dict, v: dict[str, Any], item: CatalogItem, person_id: int | None, look: dict
    ) -> None:
        """§3.3.a: the certificate is the item's, the recorded one if on record, claimed once."""
        number, reference, kind = v.get("certificate_number", ""), v["reference"], v.get("certificate", "")
        key = certificate_key(kind, number, subject_of(item) if item is not None else "")
        claimed_by = look["claimed_numbers"].get(key)
        if number:
            first = self.first_number.setdefault(key, (n, reference))
            if first[0] != n:
                self.problem("certificate_number", number, f"与第{first[0]}行重复", f"duplicates row {first[0]}", n)
                return
        problem = certificate_problem(
            item=item,
            person_id=person_id,
            kind=kind,
            number=number,
            recorded=recorded_for(
                look["certificates"].get(number, ()),
                kind=kind,
                occupation_id=item.occupation_id if item is not None else None,
                person_id=person_id,
            ),
            claimed_by=claimed_by if claimed_by != reference else None,  # a re-run reuses its own claim
        )
        if problem is not None:
            self.problem(problem.column, raw.get(problem.column, ""), problem.zh, problem.en, n)

    def months(self, n: int, raw: dict, v: dict[str, Any], employment_id: int, look: dict) -> int:
        """§3.3.g: the recorded months in the period not claimed by another claim, or an earlier row."""
        reference, start, end = v["reference"], v["start_date"], v["end_date"]
        claimed = [(s, e) for ref, s, e in look["claimed_months"].get(employment_id, []) if ref != reference]
        claimed += self.file_periods.get(employment_id, [])
        counted = unclaimed_months(look["months"].get(employment_id, []), start=start, end=end, claimed=claimed)
        problem = months_problem(counted, v.get("months"))
        if problem is not None:
            self.problem("months", raw.get("months", ""), problem.zh, problem.en, n)
        self.file_periods.setdefault(employment_id, []).append((start, end))
        return len(counted)

    def employment(self, n: int, v: dict[str, Any], kind: str, person_id: int | None, look: dict) -> int | None:
        """以工代训 (§3.3.g): the person's employment at the named employer during the training."""
        if kind != Claim.Kind.WORK_BASED:
            if "employer" in v:
                self.problem("employer", v["employer"], "仅以工代训填写", "only for training through work", n)
            return None
        if "employer" not in v:
            self.problem("employer", "", "以工代训必填", "required for training through work", n)
            return None
        employer = look["employers"].get(v["employer"])
        if employer is None:
            self.problem(
                "employer", v["employer"], "没有使用该统一社会信用代码的单位", "no organization has this credit code", n
            )
            return None
        for e in look["employments"].get((employer, person_id), []):
            if e.start_date <= v["end_date"] and (e.end_date is None or e.end_date >= v["start_date"]):
                return e.pk
        if person_id is not None:
            self.problem(
                "employer",
                v["employer"],
                "培训期间此人未受雇于该单位",
                "the person was not employed there during the training",
                n,
            )
        return None
