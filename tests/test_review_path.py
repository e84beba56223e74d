"""Which review path an application takes is decided by the rules (§4.3.e), never by the
submitter. Each row reads: kind of application, the claimants' groups at the training date, the
kind of training → the path.

    full:  department verifies → HR checks → public notice → approval → payment (§4.3.d)
    short: HR checks → approval → payment ("keep their existing procedure", §4.3.e)
"""

from __future__ import annotations

import pytest

from skillfund.claims.paths import review_path

# kind, the claimants' statuses (one set per claimant), training type, expected path, why
TABLE = [
    ("individual", [{"poor_labourer"}], "employment_skills", "short", "an individual claim by a special group"),
    ("individual", [{"veteran"}], "employment_skills", "short", "veterans are a special group (§3.3.d)"),
    ("individual", [{"disabled"}], "employment_skills", "short", "disabled persons (§3.3.d)"),
    ("individual", [{"school_leaver"}], "employment_skills", "short", "两后生 (§3.3.d)"),
    ("individual", [{"hard_to_employ"}], "employment_skills", "short", "hard-to-employ persons (§3.3.f)"),
    ("individual", [set()], "employment_skills", "full", "no special group: the full chain"),
    ("individual", [{"college_graduate"}], "employment_skills", "full", "graduates are paid per the rules (§3.3.e)"),
    ("individual", [{"employee_insured"}], "employment_skills", "full", "an employee is not a special group"),
    ("individual", [set()], "entrepreneurship", "short", "entrepreneurship training (§4.3.e)"),
    ("skill_upgrading", [{"employee_insured"}], "skill_upgrading", "full", "an insured employee's own claim"),
    ("living_allowance", [{"poor_labourer"}], "employment_skills", "short", "a poor labourer's allowance"),
    ("living_allowance", [{"poor_labourer"}, set()], "employment_skills", "full", "not every claimant qualifies"),
    ("project", [{"poor_labourer"}], "employment_skills", "full", "project-based classes: always the full chain"),
    ("project", [set()], "entrepreneurship", "full", "a project class, even of entrepreneurship"),
    ("enterprise", [{"veteran"}], "safety_skills", "full", "enterprise-run training: always the full chain"),
    ("work_based", [{"poor_labourer"}], "employment_skills", "full", "以工代训 is an employer's claim"),
]


@pytest.mark.parametrize(("kind", "groups", "training", "expected", "why"), TABLE, ids=[row[-1] for row in TABLE])
def test_the_review_path_follows_the_rules(kind, groups, training, expected, why):
    assert review_path(kind=kind, claimant_statuses=groups, training_types={training}) == expected, why
