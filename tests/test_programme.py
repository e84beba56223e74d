"""The loaded Ordos programme matches 鄂就组发〔2019〕1号 (§2, §3.1, Annex)."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from django.db.models import Sum

from skillfund import policy_data
from skillfund.core.errors import DomainError
from skillfund.programme.loading import programme_load
from skillfund.programme.models import AnnexTask, Programme

ORDOS = policy_data.data_path("programmes", "ordos-2019-2021.yaml")
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def ordos(db) -> Programme:
    return programme_load(path=ORDOS)


def test_total_target_is_65000_citing_2a(ordos):
    assert (ordos.total_target, ordos.total_target_clause) == (65000, "§2.a")


def test_stages_are_15000_30000_20000(ordos):
    stages = [(s.year, s.target, s.clause) for s in ordos.stages.order_by("number")]
    assert stages == [(2019, 15000, "§2.c"), (2020, 30000, "§2.d"), (2021, 20000, "§2.e")]
    assert sum(t for _, t, _ in stages) == ordos.total_target


def test_skill_ratio_targets_are_25_and_30_percent(ordos):
    ratios = {r.code: r.min_percent for r in ordos.ratio_targets.all()}
    assert ratios == {"skilled-share": Decimal("25.00"), "high-skilled-share": Decimal("30.00")}
    assert {r.clause for r in ordos.ratio_targets.all()} == {"§2.b"}


def test_annex_total_is_22600_over_seven_departments(ordos):
    top = AnnexTask.objects.filter(programme=ordos, parent=None)
    assert top.aggregate(total=Sum("annual_target"))["total"] == 22600
    assert top.count() == 7
    by_unit = {t.unit.short_name: t.annual_target for t in top}
    assert by_unit == {
        "市人社局": 8900,
        "市应急管理局": 8000,
        "市教体局": 3000,
        "市农牧局": 1200,
        "市残联": 800,
        "市总工会": 500,
        "市退役军人事务局": 200,
    }


def test_hr_bureau_task_has_its_four_sub_items(ordos):
    hr = AnnexTask.objects.get(programme=ordos, parent=None, unit__unit_code="hrss")
    subs = {s.training: s.annual_target for s in hr.sub_tasks.all()}
    assert subs == {
        "城镇就业技能培训": 3500,
        "农村牧区转移劳动力培训": 3400,
        "创业培训": 1500,
        "企业新型学徒制培训": 500,
    }


def test_four_training_plans_with_lead_units(ordos):
    plans = {p.clause: p for p in ordos.plans.all()}
    assert sorted(plans) == ["§3.1.1", "§3.1.2", "§3.1.3", "§3.1.4"]
    leads = {c: p.plan_units.get(position=1).unit.unit_code for c, p in plans.items()}
    assert set(leads.values()) == {"hrss"}
    assert plans["§3.1.3"].plan_units.count() == 13


def test_loading_twice_changes_nothing(ordos):
    counts = (AnnexTask.objects.count(), ordos.plans.count(), ordos.stages.count())
    programme_load(path=ORDOS)
    assert (AnnexTask.objects.count(), ordos.plans.count(), ordos.stages.count()) == counts


def test_inconsistent_file_is_refused_and_nothing_written(db, tmp_path):
    data = yaml.safe_load(ORDOS.read_text(encoding="utf-8"))
    data["annex"]["tasks"][1]["target"] = 7999  # the annex no longer adds up to 22,600
    data["plans"][0]["units"].append("nowhere")
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(DomainError) as exc:
        programme_load(path=path)
    assert "22600" in exc.value.en and "nowhere" in exc.value.en
    assert not Programme.objects.exists()


def test_every_cited_clause_is_in_the_register():
    """A clause ID cited anywhere in code or data must exist in policy_data/clauses.yaml."""
    known = set(policy_data.clauses())
    cited = set()
    for path in [*ROOT.glob("skillfund/**/*.py"), *ROOT.glob("policy_data/**/*.yaml")]:
        cited |= set(re.findall(r"§\d(?:\.\d)*(?:\.[a-i])?", path.read_text(encoding="utf-8")))
    missing = cited - known
    assert not missing, f"cited but not in the register: {sorted(missing)}"
    assert cited & known  # the scan found citations at all
