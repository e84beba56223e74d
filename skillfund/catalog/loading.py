"""Load occupations and a year's catalog list (§4.4.c) from policy_data/catalog/*.yaml.

A catalog file is checked item by item first; if any item is wrong nothing is written and every
problem is named (item number, field, value, reason). Loading the same file again changes nothing.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import transaction

from skillfund import policy_data
from skillfund.catalog.codes import validate_occupation_code
from skillfund.catalog.models import LEVELLED_CERTIFICATES, CatalogItem, CertificateKind, Occupation, TrainingType
from skillfund.core import audit
from skillfund.core.errors import FieldProblem, InvalidInput
from skillfund.organizations.models import Organization


@transaction.atomic
def occupations_load(*, path: Path, actor: Any = None) -> int:
    data = policy_data.read_yaml(path)
    rows = [(Occupation.Scheme.NATIONAL, r) for r in data["occupations"]] + [
        (Occupation.Scheme.SPECIAL_OPERATION, r) for r in data.get("special_operations", [])
    ]
    for scheme, r in rows:
        validate_occupation_code(r["code"])
        Occupation.objects.update_or_create(
            code=r["code"],
            defaults={
                "scheme": scheme,
                "name": r["name"],
                "name_en": r.get("name_en", ""),
                "category": r.get("category", ""),
                "levels": r.get("levels"),
            },
        )
    audit.record(actor=actor, action="catalog.occupations_load", after={"file": path.name, "occupations": len(rows)})
    return len(rows)


def parse_standard(value: Any) -> Decimal:
    """A subsidy standard in CNY: a non-negative amount with at most 2 decimals, never a float."""
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise ValueError("不是金额 / not an amount") from None
    if not amount.is_finite():
        raise ValueError("不是金额 / not an amount")
    if amount < 0:
        raise ValueError("金额不能为负 / an amount cannot be negative")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError("金额最多两位小数 / at most 2 decimals")
    return amount.quantize(Decimal("0.01"))


def _check_item(n: int, item: dict[str, Any], occupations: dict[str, Occupation]) -> tuple[dict, list[FieldProblem]]:
    problems: list[FieldProblem] = []

    def bad(column: str, zh: str, en: str) -> None:
        problems.append(FieldProblem(row=n, column=column, value=str(item.get(column, "")), zh=zh, en=en))

    values: dict[str, Any] = {"code": item.get("code"), "title": item.get("title")}
    for required in ("code", "title", "certificate", "type", "min_hours", "standard"):
        if item.get(required) in (None, ""):
            bad(required, "必填项为空", "required")
    occupation = None
    if item.get("occupation"):
        occupation = occupations.get(str(item["occupation"]))
        if occupation is None:
            bad("occupation", "职业编码不在职业目录中", "occupation code not in the occupation list")
    certificate = item.get("certificate")
    if certificate and certificate not in CertificateKind.values:
        bad("certificate", "证书类型无效", f"certificate must be one of {', '.join(CertificateKind.values)}")
    if item.get("type") and item["type"] not in TrainingType.values:
        bad("type", "培训类型无效", f"type must be one of {', '.join(TrainingType.values)}")
    level = item.get("level")
    if certificate in LEVELLED_CERTIFICATES:
        if level not in (1, 2, 3, 4, 5):
            bad("level", "该证书须有1至5级的技能等级", "this certificate needs a skill level 1–5")
        elif occupation and occupation.levels and level not in occupation.levels:
            bad("level", "该职业没有此等级", f"{occupation.name} has no level {level}")
    elif level is not None:
        bad("level", "该证书不分等级", "this certificate has no level")
    try:
        hours = int(item.get("min_hours"))
        if hours <= 0:
            raise ValueError
    except (TypeError, ValueError):
        bad("min_hours", "学时须为正整数", "minimum hours must be a positive whole number")
        hours = 0
    try:
        standard = parse_standard(item.get("standard"))
    except ValueError as exc:
        zh, en = str(exc).split(" / ")
        bad("standard", zh, en)
        standard = Decimal(0)
    values.update(
        occupation=occupation,
        level=level,
        certificate_kind=certificate,
        training_type=item.get("type"),
        min_hours=hours,
        standard=standard,
    )
    return values, problems


@transaction.atomic
def catalog_load(*, path: Path, actor: Any = None) -> int:
    """Load one year's catalog list; returns the number of items created or changed."""
    data = policy_data.read_yaml(path)
    year = int(data["year"])
    occupations = {o.code: o for o in Occupation.objects.all()}
    checked, problems = [], []
    for n, item in enumerate(data["items"], start=1):
        values, item_problems = _check_item(n, item, occupations)
        checked.append((item, values))
        problems += item_problems
    codes = [item.get("code") for item in data["items"]]
    problems += [
        FieldProblem(row=n, column="code", value=c, zh="编码重复", en="code appears twice in the file")
        for n, c in enumerate(codes, start=1)
        if codes.count(c) > 1
    ]
    institutions = {o.credit_code: o for o in Organization.objects.filter(kind__in=Organization.TRAINING_PROVIDERS)}
    for n, (item, _) in enumerate(checked, start=1):
        for code in item.get("institutions", []):
            if code not in institutions:
                problems.append(
                    FieldProblem(
                        row=n,
                        column="institutions",
                        value=code,
                        zh="培训机构不存在",
                        en="no training provider has this credit code",
                    )
                )
    if problems:
        raise InvalidInput(problems)

    changed = 0
    for item, values in checked:
        defaults = {k: v for k, v in values.items() if k != "code"} | {
            "is_sample": bool(data.get("sample", False)),
            "source_document": data.get("source_document", ""),
        }
        obj, created = CatalogItem.objects.get_or_create(year=year, code=values["code"], defaults=defaults)
        if not created and any(getattr(obj, k) != v for k, v in defaults.items()):
            for k, v in defaults.items():
                setattr(obj, k, v)
            obj.save()
            changed += 1
        changed += created
        wanted = {institutions[c].pk for c in item.get("institutions", [])}
        if set(obj.approved_institutions.values_list("pk", flat=True)) != wanted:
            obj.approved_institutions.set(wanted)
    audit.record(actor=actor, action="catalog.load", after={"file": path.name, "year": year, "changed": changed})
    return changed
