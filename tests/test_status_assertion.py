"""A status is asserted only by a unit allowed to assert its kind (policy_data/registry/status_assertion.yaml),
and always in the acting unit's own name, never one a file names. An institution's or enterprise's
roster declares categories; they count for the rules only once the asserting unit confirms them."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from django.urls import reverse
from openpyxl import Workbook

from skillfund import policy_data
from skillfund.accounts.models import Role
from skillfund.catalog.loading import catalog_load, occupations_load
from skillfund.claims.batch import claims_evaluate
from skillfund.core.errors import DomainError, InvalidInput
from skillfund.core.models import AuditRecord
from skillfund.registry import assertion
from skillfund.registry.actions import declarations_confirm, person_status_add
from skillfund.registry.importing import COLUMNS, roster_import
from skillfund.registry.models import DeclaredCategory, PersonStatus, StatusKind
from tests.factories import DepartmentFactory, OrganizationFactory, UserFactory, make_person
from tests.idgen import make_id

pytestmark = pytest.mark.django_db

NUMBER = make_id("150602", date(1986, 4, 9), 71)


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.SKILLFUND_REQUIRE_2FA = False


@pytest.fixture
def poverty_office():
    return DepartmentFactory(unit_code="poverty-office", name="扶贫办")


@pytest.fixture
def veterans():
    return DepartmentFactory(unit_code="veterans", name="退役军人事务局")


@pytest.fixture
def institution_user():
    return UserFactory(role=Role.INSTITUTION_OPERATOR, organization=OrganizationFactory())


def roster(rows: list[dict], extra: tuple[str, ...] = ()) -> bytes:
    header = [c.zh for c in COLUMNS if c.key not in ("source_credit_code", "source_unit_code")] + list(extra)
    wb = Workbook()
    wb.active.append(header)
    for r in rows:
        wb.active.append([r.get(h) for h in header])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def row(**values) -> dict:
    base = {"姓名": "郑十", "公民身份号码": NUMBER, "户籍地区划代码": "150602", "常住地区划代码": "150602"}
    return base | values


POOR = row(人员类别="建档立卡贫困劳动力", 类别起始日期="2019-01-01")


# ---- the table -----------------------------------------------------------------------------------


def test_every_status_kind_has_units_allowed_to_assert_it_each_citing_a_clause():
    table = assertion.table()
    assert set(table) == set(StatusKind.values)
    for kind, rule in table.items():
        assert rule.units and rule.clause.startswith("§"), kind
    assert assertion.may_assert("poverty-office", StatusKind.POOR_LABOURER)
    assert assertion.may_assert("veterans", StatusKind.VETERAN)
    assert assertion.may_assert("disabled-federation", StatusKind.DISABLED)
    assert assertion.may_assert("hrss", StatusKind.UNEMPLOYED)
    assert not assertion.may_assert("veterans", StatusKind.POOR_LABOURER)
    assert not assertion.may_assert(None, StatusKind.POOR_LABOURER)


# ---- the action ----------------------------------------------------------------------------------


def test_a_department_may_not_assert_a_kind_outside_its_remit(veterans):
    person = make_person()
    user = UserFactory(role=Role.DEPARTMENT_STAFF, organization=veterans)
    with pytest.raises(DomainError) as exc:
        person_status_add(actor=user, person=person, kind=StatusKind.POOR_LABOURER, valid_from=date(2019, 1, 1))
    assert exc.value.code == "status_not_assertable" and exc.value.zh
    assert not PersonStatus.objects.exists()
    person_status_add(actor=user, person=person, kind=StatusKind.VETERAN, valid_from=date(2019, 1, 1))
    assert PersonStatus.objects.get().source_org == veterans


def test_no_one_asserts_in_another_units_name(institution_user, poverty_office):
    person = make_person()
    with pytest.raises(DomainError):
        person_status_add(
            actor=institution_user,
            person=person,
            kind=StatusKind.POOR_LABOURER,
            valid_from=date(2019, 1, 1),
            source_org=poverty_office,
        )
    assert not PersonStatus.objects.exists()


def test_the_admin_refuses_a_kind_the_department_may_not_assert(client, veterans):
    user = UserFactory(role=Role.DEPARTMENT_STAFF, organization=veterans)
    person = make_person(organization=veterans)
    client.force_login(user)
    data = {"person": person.pk, "kind": "poor_labourer", "valid_from": "2020-01-01"}
    response = client.post(reverse("admin:registry_personstatus_add"), data)
    assert response.status_code == 200 and "status_not_assertable" not in response.content.decode()
    assert "无权认定" in response.content.decode()
    assert not PersonStatus.objects.exists()


# ---- the roster file -----------------------------------------------------------------------------


def test_a_roster_naming_the_asserting_unit_is_refused(institution_user, poverty_office):
    file = roster([POOR | {"认定单位代码": "poverty-office"}], extra=("认定单位代码",))
    with pytest.raises(InvalidInput) as exc:
        roster_import(actor=institution_user, file=file, organization=institution_user.organization)
    assert any("认定单位" in p.zh and "signed-in" in p.en for p in exc.value.problems)
    assert not PersonStatus.objects.exists() and not DeclaredCategory.objects.exists()


def test_a_departments_roster_asserts_in_its_own_name(poverty_office):
    user = UserFactory(role=Role.DEPARTMENT_STAFF, organization=poverty_office)
    result = roster_import(actor=user, file=roster([POOR]), organization=poverty_office)
    assert result.statuses_created == 1
    assert PersonStatus.objects.get().source_org == poverty_office


def test_a_departments_roster_with_a_kind_outside_its_remit_only_declares_it(veterans, poverty_office):
    """An office roster lists every trainee's category; a department asserts none outside its remit
    (§4.4.d): a poor labourer on the veterans bureau's roster is declared, named in the report with
    the unit that asserts it, and counts only once that unit confirms it."""
    user = UserFactory(role=Role.DEPARTMENT_STAFF, organization=veterans)
    result = roster_import(actor=user, file=roster([POOR]), organization=veterans)
    assert (result.statuses_created, result.declarations_created) == (0, 1) and not PersonStatus.objects.exists()
    declared = DeclaredCategory.objects.get()
    assert (declared.kind, declared.declared_by, declared.status) == (
        StatusKind.POOR_LABOURER,
        veterans,
        DeclaredCategory.Status.DECLARED,
    )
    [warning] = [w for w in result.warnings if w.column == "人员类别"]
    assert warning.row == 2 and poverty_office.name in warning.zh and "待其确认" in warning.zh


def test_an_institutions_roster_declares_categories_and_asserts_nothing(institution_user):
    result = roster_import(actor=institution_user, file=roster([POOR]), organization=institution_user.organization)
    assert result.statuses_created == 0 and not PersonStatus.objects.exists()
    declared = DeclaredCategory.objects.get()
    assert (declared.kind, declared.declared_by, declared.roster_import) == (
        StatusKind.POOR_LABOURER,
        institution_user.organization,
        result,
    )
    assert declared.status == DeclaredCategory.Status.DECLARED and declared.valid_from == date(2019, 1, 1)
    roster_import(actor=institution_user, file=roster([POOR]), organization=institution_user.organization)
    assert DeclaredCategory.objects.count() == 1  # importing again declares nothing twice


def test_the_persons_page_shows_declared_categories_as_declared(client, institution_user):
    roster_import(actor=institution_user, file=roster([POOR]), organization=institution_user.organization)
    person = DeclaredCategory.objects.get().person
    client.force_login(UserFactory(role=Role.HR_STAFF))
    page = client.get(reverse("admin:registry_person_change", args=[person.pk])).content.decode()
    assert "申报" in page and "建档立卡贫困劳动力" in page


# ---- confirming declarations -------------------------------------------------------------------


def test_only_a_unit_allowed_for_the_kind_confirms_and_says_what_it_checked(institution_user, poverty_office, veterans):
    roster_import(actor=institution_user, file=roster([POOR]), organization=institution_user.organization)
    declared = DeclaredCategory.objects.get()
    wrong = UserFactory(role=Role.DEPARTMENT_STAFF, organization=veterans)
    with pytest.raises(DomainError):
        declarations_confirm(actor=wrong, declarations=[declared], checked="核对名单")
    right = UserFactory(role=Role.DEPARTMENT_STAFF, organization=poverty_office)
    with pytest.raises(DomainError):
        declarations_confirm(actor=right, declarations=[declared], checked=" ")
    assert not PersonStatus.objects.exists()
    declarations_confirm(actor=right, declarations=[declared], checked="核对2019年建档立卡名单")
    status = PersonStatus.objects.get()
    assert (status.kind, status.source_org, status.valid_from) == (
        StatusKind.POOR_LABOURER,
        poverty_office,
        date(2019, 1, 1),
    )
    declared.refresh_from_db()
    assert declared.status == DeclaredCategory.Status.CONFIRMED and declared.confirmed_status == status
    assert declared.checked == "核对2019年建档立卡名单" and declared.confirmed_by == right
    assert AuditRecord.objects.filter(action="declaration.confirm").count() == 1


def test_a_department_confirms_a_batch_in_one_step_from_the_admin(client, poverty_office, institution_user):
    other = make_id("150602", date(1991, 2, 3), 72)
    file = roster([POOR, row(姓名="王二", 公民身份号码=other, 人员类别="贫困劳动力", 类别起始日期="2019-06-01")])
    roster_import(actor=institution_user, file=file, organization=institution_user.organization)
    user = UserFactory(role=Role.DEPARTMENT_STAFF, organization=poverty_office)
    client.force_login(user)
    url = reverse("admin:registry_declaredcategory_changelist")
    assert client.get(url).status_code == 200
    pks = list(DeclaredCategory.objects.values_list("pk", flat=True))
    response = client.post(url, {"action": "confirm_selected", "_selected_action": pks, "checked": "核对名单"})
    assert response.status_code in (200, 302)
    response = client.post(
        url, {"action": "confirm_selected", "_selected_action": pks, "checked": "核对扶贫办名单", "apply": "1"}
    )
    assert response.status_code == 302
    assert PersonStatus.objects.filter(source_org=poverty_office).count() == 2
    assert AuditRecord.objects.filter(action="declaration.confirm").count() == 1


# ---- the rules read confirmed statuses only ------------------------------------------------------


@pytest.fixture
def catalog(db):
    occupations_load(path=policy_data.data_path("catalog", "occupations.yaml"))
    catalog_load(path=policy_data.data_path("catalog", "ordos-2020.yaml"))


def _amounts(tmp_path: Path, reference: str) -> tuple[str, str]:
    path = tmp_path / f"{reference}.csv"
    path.write_text(
        "申请编号,公民身份号码,目录项目,目录年度,培训地区划代码,培训开始日期,培训结束日期,证书类型,证书编号,培训费\n"
        f"{reference},{NUMBER},housekeeping-5,2020,150602,2020-08-03,2020-08-12,职业技能等级证书,ZS-{reference},\n",
        encoding="utf-8",
    )
    out = tmp_path / f"{reference}-out.csv"
    claims_evaluate(actor=None, file=path, out=out, today=date(2021, 6, 30))
    import csv

    decided = next(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    return decided["subsidy"], decided["living_allowance"]


def test_a_declared_poor_labourer_changes_no_amount_until_the_poverty_office_confirms(
    tmp_path, catalog, institution_user, poverty_office
):
    roster_import(actor=institution_user, file=roster([POOR]), organization=institution_user.organization)
    plain = _amounts(tmp_path, "SQ-201")
    assert plain[1] == "0.00"
    assert _amounts(tmp_path, "SQ-202") == plain  # declared, not confirmed: the rules see nothing
    confirmer = UserFactory(role=Role.DEPARTMENT_STAFF, organization=poverty_office)
    declarations_confirm(actor=confirmer, declarations=list(DeclaredCategory.objects.all()), checked="建档立卡名单")
    confirmed = _amounts(tmp_path, "SQ-203")
    assert confirmed != plain and confirmed[1] == "500.00"


def test_an_institution_cannot_import_in_another_units_name(institution_user, poverty_office):
    """The action itself refuses a caller that names another unit as the acting one, whatever door
    (page, API, script) passes it: the assertion would be forged in the poverty office's name."""
    with pytest.raises(DomainError) as refused:
        roster_import(actor=institution_user, file=roster([POOR]), organization=poverty_office)
    assert refused.value.code == "not_your_unit"
    assert not PersonStatus.objects.exists() and not DeclaredCategory.objects.exists()
