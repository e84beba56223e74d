"""The demo's current programme year, beside the 2019–2021 history: on any date `setup_demo` loads a
programme year open now, so a newcomer can file a class, train, claim and be paid today.

Each demo year is its own programme, `ordos-demo-<year>` ("演示：鄂尔多斯市职业技能提升行动（<year>年度，
演示数据）"), derived at setup time from the Ordos programme file: the same units, plans and annex
tasks (labelled 演示), one stage with the targets of the 2021 consolidation stage (§2.e), and a
catalog of that year derived from the programme's last catalog (same occupations, levels,
certificates and sample standards, titles labelled 演示), every demo training provider approved for
every item (§3.2.3). A programme of its own, not a stage of the 2019–2021 action, because the
Programme model ties stages and annex tasks to the programme's years (reports count a year's annex
tasks by them) and the action itself ended in 2021: no programme field is needed.

The years loaded are those a newcomer's work touches from the setup date: the class that finished
weeks ago (`PAST_DAYS`) to the class filed for next week (`AHEAD_DAYS`), usually just the current
year. Loading is idempotent (the loaders are), so running setup again next year adds that year.
"""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml

from skillfund import policy_data
from skillfund.catalog.loading import catalog_load
from skillfund.organizations.models import Organization
from skillfund.programme.loading import programme_load
from skillfund.programme.models import Programme

HISTORY_FILE = ("programmes", "ordos-2019-2021.yaml")
PAST_DAYS = 70  # the demo's finished class started this long before setup (training/demo.py)
AHEAD_DAYS = 45  # and its classes filed for the weeks ahead start within this
TARGET_STAGE = 3  # the 2021 consolidation stage (§2.e): its target is the demo year's
DEMO_LABEL = "（演示）"
DEMO_SOURCE = "演示数据：由{last}年示例目录派生，非正式文件 / demonstration data derived from the {last} sample catalog"


def programme_code(year: int) -> str:
    return f"ordos-demo-{year}"


def demo_years(today: date) -> list[int]:
    """The years the demo's current work falls in, seen from `today`."""
    return list(range((today - timedelta(days=PAST_DAYS)).year, (today + timedelta(days=AHEAD_DAYS)).year + 1))


def _label(task: dict[str, Any]) -> dict[str, Any]:
    labelled = {**task, "training": task["training"] + DEMO_LABEL}
    if "sub_tasks" in task:
        labelled["sub_tasks"] = [_label(s) for s in task["sub_tasks"]]
    return labelled


def programme_data(history: dict[str, Any], year: int) -> dict[str, Any]:
    """The demo year's programme file, from the history's: renamed, one year, one stage."""
    stage = next(s for s in history["stages"] if s["number"] == TARGET_STAGE)
    return {
        **history,
        "programme": {
            **history["programme"],
            "code": programme_code(year),
            "name": f"演示：鄂尔多斯市职业技能提升行动（{year}年度，演示数据）",
            "name_en": f"Demo: Ordos Vocational Skills Enhancement Action ({year}, demonstration data)",
            "document_number": "演示数据，非正式文件",
            "issued_on": date(year, 1, 1),
            "start_year": year,
            "end_year": year,
            "total_target": {"value": stage["target"], "clause": stage["clause"]},
            "disclosure": {
                **history["programme"]["disclosure"],
                "title": "（演示数据）" + history["programme"]["disclosure"]["title"],
                "title_en": "(Demo data) " + history["programme"]["disclosure"]["title_en"],
            },
        },
        "stages": [
            {
                **stage,
                "number": 1,
                "name": "演示年度",
                "name_en": "Demo year",
                "year": year,
                "focus": f"演示数据：沿用2021年巩固期的目标与附件年度任务 / demo data: the 2021 targets ({stage['clause']})",
            }
        ],
        "ratio_targets": [{**r, "by": date(year, 12, 31)} for r in history["ratio_targets"]],
        "annex": {**history["annex"], "tasks": [_label(t) for t in history["annex"]["tasks"]]},
    }


def catalog_data(last: dict[str, Any], year: int, providers: list[str]) -> dict[str, Any]:
    """The demo year's catalog, from the history's last one: same items, labelled, all providers approved."""
    return {
        "year": year,
        "sample": True,
        "source_document": DEMO_SOURCE.format(last=last["year"]),
        "items": [{**item, "title": item["title"] + DEMO_LABEL, "institutions": providers} for item in last["items"]],
    }


def _load(loader: Any, name: str, data: dict[str, Any]) -> Any:
    """Run a file loader (which checks the whole file first) on generated data, named as a file would be."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, name)
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        return loader(path=path)


def load_demo_years(*, today: date) -> list[Programme]:
    """Load the demo programme and catalog of each year in `demo_years(today)`; returns the programmes."""
    history = policy_data.read_yaml(policy_data.data_path(*HISTORY_FILE))
    last_year = history["programme"]["end_year"]
    last = policy_data.read_yaml(policy_data.data_path("catalog", f"ordos-{last_year}.yaml"))
    providers = sorted(
        Organization.objects.filter(kind__in=Organization.TRAINING_PROVIDERS).values_list("credit_code", flat=True)
    )
    programmes = []
    for year in demo_years(today):
        programmes.append(_load(programme_load, f"{programme_code(year)}.yaml", programme_data(history, year)))
        _load(catalog_load, f"ordos-demo-{year}.yaml", catalog_data(last, year, providers))
    return programmes
