"""Every YAML rule case in policy_data/cases holds, and every clause of §3.3 has cases."""

from __future__ import annotations

import pytest

from skillfund import policy_data
from skillfund.policy.cases import load_cases, run_case
from skillfund.policy.parameters import ParameterSet

CASES = load_cases(policy_data.data_path("cases"))
PARAMS = ParameterSet.load(policy_data.data_path("parameters"))


@pytest.mark.parametrize("case", CASES, ids=[f"{c.clause} {c.name}" for c in CASES])
def test_case_holds(case):
    assert run_case(case, PARAMS) == []


def test_every_clause_of_3_3_has_a_case():
    assert {c.clause for c in CASES} >= {f"§3.3.{x}" for x in "abcdefghi"}


def test_a_wrong_expectation_is_reported():
    case = CASES[0]
    wrong = type(case)(case.file, case.clause, case.name, {**case.data, "expect": {"eligible": False}})
    assert run_case(wrong, PARAMS) == ["claim 1: eligible expected False, decided True"]
