"""Parameters are dated values (§3.3): a change is a new dated value, and a decision made before it
re-runs exactly."""

from __future__ import annotations

import shutil
from datetime import date

import pytest

from skillfund import policy_data
from skillfund.policy.cases import Case, run_case
from skillfund.policy.parameters import ParameterNotInForce, ParameterSet

FOUR_IN_A_YEAR = {
    "history": [
        {"occupation": "4-03-02-01", "level": 5, "end_date": date(2021, 1, 10)},
        {"occupation": "4-10-01-05", "level": 5, "end_date": date(2021, 2, 10)},
    ],
}


@pytest.fixture
def params_with_cap_2_from_2021(tmp_path):
    folder = tmp_path / "parameters"
    shutil.copytree(policy_data.data_path("parameters"), folder)
    cap = folder / "annual_cap.yaml"
    cap.write_text(cap.read_text(encoding="utf-8") + '  2021-01-01: {value: 2, clause: "§3.3.b"}\n', encoding="utf-8")
    return ParameterSet.load(folder)


def test_value_in_force_is_the_last_dated_on_or_before_the_day(params_with_cap_2_from_2021):
    cap = params_with_cap_2_from_2021["annual_cap"]
    assert cap.at(date(2020, 12, 31)).value == 3
    assert cap.at(date(2021, 1, 1)).value == 2
    with pytest.raises(ParameterNotInForce):
        cap.at(date(2019, 1, 1))


def test_a_new_dated_value_changes_later_decisions_only(params_with_cap_2_from_2021):
    shipped = ParameterSet.load(policy_data.data_path("parameters"))
    assert shipped.version != params_with_cap_2_from_2021.version  # the rules version a decision stores
    third_in_2021 = Case(
        "t",
        "§3.3.b",
        "third in 2021",
        {
            **FOUR_IN_A_YEAR,
            "claim": {"start_date": date(2021, 5, 1), "end_date": date(2021, 5, 10)},
            "expect": {"eligible": False, "failed": ["§3.3.b"]},
        },
    )
    assert run_case(third_in_2021, params_with_cap_2_from_2021) == []
    # The same facts in 2020 (before the new value) decide exactly as before the change.
    third_in_2020 = Case(
        "t",
        "§3.3.b",
        "third in 2020",
        {
            "history": [{**h, "end_date": h["end_date"].replace(year=2020)} for h in FOUR_IN_A_YEAR["history"]],
            "claim": {"start_date": date(2020, 5, 1), "end_date": date(2020, 5, 10)},
            "expect": {"eligible": True},
        },
    )
    assert run_case(third_in_2020, params_with_cap_2_from_2021) == []
    assert run_case(third_in_2020, shipped) == []


def test_every_parameter_value_cites_a_clause_in_the_register():
    register = policy_data.clauses()
    for parameter in ParameterSet.load(policy_data.data_path("parameters")).parameters.values():
        assert all(v.clause in register for v in parameter.values), parameter.name


def test_the_place_of_training_is_compared_at_the_level_in_force_on_the_claims_date(tmp_path):
    """§3.3.a at the programme's level: Ordos compares at the prefecture; a programme (or a later
    dated value) at county level compares the exact code, and the message names the level used."""
    folder = tmp_path / "parameters"
    shutil.copytree(policy_data.data_path("parameters"), folder)
    level = folder / "training_place_level.yaml"
    level.write_text(
        level.read_text(encoding="utf-8") + '  2021-01-01: {value: county, clause: "§3.3.a"}\n', encoding="utf-8"
    )
    params = ParameterSet.load(folder)
    dalad_in_dongsheng = {"training_region": "150602", "hukou_region": "150621", "residence_region": "150621"}
    in_2020 = Case(
        "t",
        "§3.3.a",
        "2020: prefecture",
        {"claim": dalad_in_dongsheng, "expect": {"eligible": True, "says": ["compared at prefecture level"]}},
    )
    in_2021 = Case(
        "t",
        "§3.3.a",
        "2021: county",
        {
            "claim": {**dalad_in_dongsheng, "start_date": date(2021, 3, 1), "end_date": date(2021, 3, 10)},
            "expect": {"eligible": False, "failed": ["§3.3.a"], "says": ["均不属同一个县级行政区（培训地属150602）"]},
        },
    )
    assert run_case(in_2020, params) == [] and run_case(in_2021, params) == []
