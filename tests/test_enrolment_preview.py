"""At enrolment the platform shows what the rules would decide (§3.3.b: "the 4th in 2020")."""

from __future__ import annotations

from datetime import date

import pytest

from skillfund.claims.actions import claim_grant, claim_submit
from skillfund.claims.preview import enrolment_preview
from skillfund.training.actions.enrolment import enrolment_create
from tests.factories import at, make_catalog_item, make_class_plan, make_occupation, make_person

pytestmark = pytest.mark.django_db
BEFORE = at(date(2020, 5, 25), 9)


def _grant(person, code: str, month: int) -> None:
    item = make_catalog_item(code=code, occupation=make_occupation(code=f"6-18-02-0{month}", name=f"工种{month}"))
    claim = claim_submit(
        actor=None,
        person=person,
        catalog_item=item,
        training_region="150602",
        start_date=date(2020, month, 1),
        end_date=date(2020, month, 5),
        certificate_kind=item.certificate_kind,
        today=date(2021, 1, 1),
    )
    assert claim_grant(claim=claim, actor=None).eligible


def test_a_fourth_training_in_a_year_is_flagged_before_anyone_trains():
    person = make_person()
    for month in (1, 2, 3):
        _grant(person, f"item-{month}", month)
    plan = make_class_plan(start=date(2020, 6, 1))
    enrolment = enrolment_create(class_plan=plan, person=person, actor=None, preview=enrolment_preview, now=BEFORE)
    preview = enrolment.rules_preview
    assert preview["eligible"] is False and preview["subsidy"] == "0.00"
    failed = [c for c in preview["checks"] if c["status"] == "fail"]
    assert failed == [
        {
            "clause": "§3.3.b",
            "status": "fail",
            "zh": "这将是2020年第4次补贴，每人每年最多3次",
            "en": "This would be subsidy no. 4 in 2020; at most 3 a year",
        }
    ]


def test_a_first_training_previews_the_standard():
    person = make_person()
    enrolment = enrolment_create(
        class_plan=make_class_plan(start=date(2020, 6, 1)),
        person=person,
        actor=None,
        preview=enrolment_preview,
        now=BEFORE,
    )
    assert enrolment.rules_preview["eligible"] is True
    assert enrolment.rules_preview["subsidy"] == "1200.00"
