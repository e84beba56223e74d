"""What-if: past claims re-decided under changed parameters, the difference by department and group."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from skillfund import policy_data
from skillfund.catalog.loading import catalog_load, occupations_load
from skillfund.catalog.models import CatalogItem
from skillfund.claims.actions import claim_submit
from skillfund.claims.models import Claim, Decision, Grant
from skillfund.claims.whatif import NO_DEPARTMENT, NO_STATUS, Figures, changed_parameters, what_if
from skillfund.core.errors import DomainError
from skillfund.core.models import AuditRecord
from skillfund.policy.parameters import default_parameters
from skillfund.registry.actions import person_status_add
from tests.factories import DepartmentFactory, make_person

TODAY = date(2021, 6, 30)
ALL = "TRUE"


@pytest.fixture
def catalog(db):
    occupations_load(path=policy_data.data_path("catalog", "occupations.yaml"))
    catalog_load(path=policy_data.data_path("catalog", "ordos-2020.yaml"))


def claim(person, code: str, month: int, department=None) -> Claim:
    item = CatalogItem.objects.get(year=2020, code=code)
    return claim_submit(
        actor=None,
        person=person,
        catalog_item=item,
        training_region="150602",
        start_date=date(2020, month, 1),
        end_date=date(2020, month, 10),
        certificate_kind=item.certificate_kind,
        department=department,
        today=TODAY,
    )


@pytest.fixture
def year_2020(catalog):
    """A poor labourer with three eligible claims in 2020 (two with HR, the last with veterans), and
    a person without status with one claim and no department."""
    hr, veterans = DepartmentFactory(short_name="市人社局"), DepartmentFactory(short_name="市退役军人事务局")
    poor = make_person()
    poverty_office = DepartmentFactory(unit_code="poverty-office")  # the unit that may assert it
    person_status_add(
        actor=None, person=poor, kind="poor_labourer", valid_from=date(2019, 1, 1), source_org=poverty_office
    )
    claim(poor, "electrician-5", 3, hr)
    claim(poor, "welder-5", 5, hr)
    third = claim(poor, "chinese-cook-5", 9, veterans)
    claim(make_person(), "pastry-cook-5", 4)
    return {"third": third, "hr": hr, "veterans": veterans}


def test_a_lower_cap_takes_the_third_claim_of_the_year_away(year_2020):
    before = (Claim.objects.count(), Decision.objects.count(), Grant.objects.count(), AuditRecord.objects.count())
    report = what_if(where=ALL, changes={"annual_cap": 2})

    # The third claim: 1000.00 subsidy + 10 days × 50.00 living allowance (§3.3.f, poor labourer).
    lost = Figures(claims=-1, persons=0, money=Decimal("-1500.00"))
    assert report.claims == 4 and report.decisions_changed == 1
    assert report.total.baseline == Figures(4, 2, Decimal("5900.00"))
    assert report.total.difference == lost
    departments = {c.key: c for c in report.by_department}
    assert list(departments) == ["市人社局", "市退役军人事务局", NO_DEPARTMENT]
    assert departments["市退役军人事务局"].difference == Figures(-1, -1, Decimal("-1500.00"))
    assert departments["市人社局"].difference == departments[NO_DEPARTMENT].difference == Figures()
    groups = {c.key: c for c in report.by_group}
    assert list(groups) == ["poor_labourer", NO_STATUS]
    assert groups["poor_labourer"].difference == lost
    assert groups["poor_labourer"].changed == Figures(2, 1, Decimal("3400.00"))  # 2 × (1200.00 + 500.00)
    assert groups[NO_STATUS].difference == Figures()
    after = (Claim.objects.count(), Decision.objects.count(), Grant.objects.count(), AuditRecord.objects.count())
    assert after == before


def test_a_change_is_a_new_dated_value_that_applies_from_its_date(year_2020):
    params = changed_parameters(default_parameters(), {"annual_cap": "2"}, on=date(2020, 7, 1))
    assert [(v.since, v.value) for v in params["annual_cap"].values] == [(date(2019, 11, 28), 3), (date(2020, 7, 1), 2)]
    assert default_parameters()["annual_cap"].values[-1].value == 3  # the shipped set is untouched
    # From July the cap is 2: the September claim is the third of the year, and goes.
    report = what_if(where=ALL, changes={"annual_cap": 2}, on=date(2020, 7, 1))
    assert report.total.difference.claims == -1
    report = what_if(where=ALL, changes={"annual_cap": 2}, on=date(2020, 10, 1))
    assert report.total.difference == Figures()


def test_a_lower_advance_ratio_changes_no_beneficiary(year_2020):
    report = what_if(where=ALL, changes={"advance_ratio": "0.5"})
    assert report.total.difference == Figures() and report.decisions_changed == 0  # no project claims here


@pytest.mark.parametrize(
    ("changes", "code", "text"),
    [
        ({"anual_cap": 2}, "whatif_unknown_parameter", "no parameter named anual_cap"),
        ({"annual_cap": "two"}, "whatif_value", "annual_cap"),
        ({"advance_ratio": "1.5"}, "whatif_value", "advance_ratio"),
        ({"free_training_groups": "veteran,astronaut"}, "whatif_value", "astronaut"),
    ],
)
def test_a_bad_change_is_a_clear_error(year_2020, changes, code, text):
    with pytest.raises(DomainError) as exc:
        what_if(where=ALL, changes=changes)
    assert exc.value.code == code and text in exc.value.en


def test_the_command_prints_the_tables_and_writes_a_workbook(year_2020, tmp_path):
    out = io.StringIO()
    call_command("whatif", "--set", "annual_cap=2", "--year", "2020", "--out", str(tmp_path / "r.xlsx"), stdout=out)
    text = out.getvalue()
    assert "decisions changed 1" in text and "市退役军人事务局" in text and "-1500.00" in text
    assert (tmp_path / "r.xlsx").exists()
    with pytest.raises(CommandError, match="no parameter named cap"):
        call_command("whatif", "--set", "cap=2", stdout=io.StringIO())


def test_the_same_change_from_another_date_is_another_parameter_set():
    """A parameter set's version names its values, so two what-ifs never pass for one another."""
    base = default_parameters()
    always = changed_parameters(base, {"annual_cap": 2})
    from_july = changed_parameters(base, {"annual_cap": 2}, date(2020, 7, 1))
    assert always.value("annual_cap", date(2020, 3, 1)) == 2 != from_july.value("annual_cap", date(2020, 3, 1))
    assert len({base.version, always.version, from_july.version}) == 3
