"""Catalog-list management (§4.4.c): occupations, levels, certificates, yearly standards."""

from __future__ import annotations

from decimal import Decimal

import pytest
import yaml

from skillfund import policy_data
from skillfund.catalog.loading import catalog_load, occupations_load, parse_standard
from skillfund.catalog.models import CatalogItem, Occupation
from skillfund.core.errors import InvalidInput


@pytest.fixture
def occupations(db):
    occupations_load(path=policy_data.data_path("catalog", "occupations.yaml"))


def test_occupation_codes_follow_the_2022_format(occupations):
    national = Occupation.objects.filter(scheme=Occupation.Scheme.NATIONAL)
    assert national.filter(code="6-31-01-03", name="电工").exists()
    assert national.filter(code="6-18-02-04", name="焊工").exists()
    assert all(len(o.code) == 10 and o.code[1] == "-" for o in national)


@pytest.mark.parametrize("year", [2019, 2020, 2021])
def test_sample_catalogs_load_and_are_labelled_samples(occupations, year):
    catalog_load(path=policy_data.data_path("catalog", f"ordos-{year}.yaml"))
    items = CatalogItem.objects.filter(year=year)
    assert items.count() > 20
    assert all(i.is_sample for i in items)
    assert all(isinstance(i.standard, Decimal) and i.standard >= 0 for i in items)


def test_a_new_year_standard_is_data_not_code(occupations, tmp_path):
    path = tmp_path / "c.yaml"
    item = {
        "code": "e5",
        "title": "电工",
        "occupation": "6-31-01-03",
        "level": 5,
        "certificate": "skill_level",
        "type": "employment_skills",
        "min_hours": 100,
        "standard": "1500.50",
    }
    path.write_text(yaml.safe_dump({"year": 2022, "items": [item]}, allow_unicode=True), encoding="utf-8")
    catalog_load(path=path)
    item["standard"] = "1600"
    path.write_text(yaml.safe_dump({"year": 2022, "items": [item]}, allow_unicode=True), encoding="utf-8")
    assert catalog_load(path=path) == 1
    assert CatalogItem.objects.get(year=2022, code="e5").standard == Decimal("1600.00")


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("standard", "-100", "negative"),
        ("standard", "一千", "not an amount"),
        ("standard", "12.345", "2 decimals"),
        ("level", 1, "has no level 1"),  # 家政服务员 has four levels (no 一级)
        ("occupation", "9-99-99-99", "not in the occupation list"),
        ("min_hours", 0, "positive whole number"),
    ],
)
def test_bad_items_are_named_and_nothing_is_written(occupations, tmp_path, field, value, reason):
    good = {
        "code": "ok",
        "title": "家政服务员",
        "occupation": "4-10-01-06",
        "level": 5,
        "certificate": "skill_level",
        "type": "employment_skills",
        "min_hours": 80,
        "standard": "800",
    }
    bad = {**good, "code": "bad", field: value}
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump({"year": 2022, "items": [good, bad]}, allow_unicode=True), encoding="utf-8")
    with pytest.raises(InvalidInput) as exc:
        catalog_load(path=path)
    (problem,) = exc.value.problems
    assert (problem.row, problem.column) == (2, field)
    assert reason in problem.en
    assert not CatalogItem.objects.exists()


def test_amounts_are_exact_decimals():
    assert parse_standard("1,200.1") == Decimal("1200.10")
    assert parse_standard(0) == Decimal("0.00")
