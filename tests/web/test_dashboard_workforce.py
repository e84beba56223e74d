"""The yearly employed-person figures behind §2.b: recorded and corrected by the HR bureau only, in
the action itself, with an audit record; the form names a wrong value at its field, in Chinese."""

from __future__ import annotations

import pytest
from django.urls import reverse

from skillfund import policy_data
from skillfund.accounts.models import Role
from skillfund.core.errors import DomainError, InvalidInput
from skillfund.core.models import AuditRecord
from skillfund.programme.actions import workforce_figures_record
from skillfund.programme.models import WorkforceFigures
from skillfund.regions.loading import regions_load
from tests.factories import DepartmentFactory, UserFactory
from tests.programme_helpers import bare_programme

GOOD = {
    "year": 2020,
    "region": "150600",
    "employed": 1_200_000,
    "skilled_base": 300_000,
    "high_skilled_base": 90_000,
    "source_document": "鄂尔多斯统计年鉴2020",
}


@pytest.fixture
def hr(db):
    return UserFactory(role=Role.HR_STAFF)


def test_hr_records_and_corrects_a_years_figures_with_an_audit_trail(hr):
    entry = workforce_figures_record(actor=hr, **GOOD)
    assert (entry.employed, entry.skilled_base, entry.recorded_by) == (1_200_000, 300_000, hr)
    corrected = workforce_figures_record(actor=hr, **{**GOOD, "skilled_base": 310_000})
    assert corrected.pk == entry.pk and WorkforceFigures.objects.count() == 1
    records = list(AuditRecord.objects.filter(action__startswith="workforce.").order_by("seq"))
    assert [r.action for r in records] == ["workforce.record", "workforce.correct"]
    assert records[1].before["skilled_base"] == 300_000 and records[1].after["skilled_base"] == 310_000
    workforce_figures_record(actor=hr, **{**GOOD, "skilled_base": 310_000})  # the same again: nothing to record
    assert AuditRecord.objects.filter(action__startswith="workforce.").count() == 2


@pytest.mark.parametrize("role", [Role.DEPARTMENT_STAFF, Role.FINANCE_OFFICER, Role.AUDITOR, Role.SYSADMIN])
def test_other_roles_are_refused_by_the_action(db, role):
    user = UserFactory(role=role, organization=DepartmentFactory() if role == Role.DEPARTMENT_STAFF else None)
    with pytest.raises(DomainError) as refused:
        workforce_figures_record(actor=user, **GOOD)
    assert refused.value.code == "not_permitted" and refused.value.clause == "§2.b"
    with pytest.raises(DomainError):
        workforce_figures_record(actor=None, **GOOD)
    assert not WorkforceFigures.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"skilled_base": 1_300_000}, "skilled_base"),  # more skilled workers than employed
        ({"high_skilled_base": 300_001}, "high_skilled_base"),  # more high-skilled than skilled
        ({"employed": 0, "skilled_base": 0, "high_skilled_base": 0}, "employed"),
        ({"employed": "1000"}, "employed"),
        ({"employed": True}, "employed"),
        ({"year": 1899}, "year"),
        ({"region": "999999"}, "region"),
        ({"source_document": "  "}, "source_document"),
    ],
)
def test_the_action_names_the_wrong_value(hr, change, field):
    with pytest.raises(InvalidInput) as refused:
        workforce_figures_record(actor=hr, **{**GOOD, **change})
    assert field in [p.column for p in refused.value.problems]
    assert not WorkforceFigures.objects.exists()


# ---- the page -------------------------------------------------------------------------------------------


@pytest.fixture
def site(db, settings):
    settings.SKILLFUND_REQUIRE_2FA = False
    regions_load(path=policy_data.data_path("regions", "gb2260.yaml"))
    bare_programme(start_year=2019, end_year=2030)


def post(client, user, **data):
    client.force_login(user)
    return client.post(reverse("web:dashboard:workforce"), {**GOOD, **data}, HTTP_ACCEPT_LANGUAGE="zh-hans")


def test_the_form_records_the_figures(client, site, hr):
    response = post(client, hr)
    assert response.status_code == 302
    assert WorkforceFigures.objects.get().employed == 1_200_000
    html = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "鄂尔多斯统计年鉴2020" in html and "鄂尔多斯市" in html and "已保存" in html


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"skilled_base": "1300000"}, "skilled_base", "技能劳动者不能多于就业人员"),
        ({"employed": "many"}, "employed", "整数"),
        ({"employed": "9" * 30}, "employed", ""),
        ({"year": "2020.5"}, "year", "整数"),
        ({"region": "110101"}, "region", ""),  # not one of the programme's region and districts
        ({"source_document": ""}, "source_document", "必填"),
    ],
)
def test_wrong_values_are_named_at_their_field_in_chinese(client, site, hr, data, field, message):
    response = post(client, hr, **data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field])
    assert not WorkforceFigures.objects.exists()


def test_finance_and_the_auditor_read_the_figures_and_a_department_does_not(client, site, hr):
    workforce_figures_record(actor=hr, **GOOD)
    for role in (Role.FINANCE_OFFICER, Role.AUDITOR):
        reader = UserFactory(role=role)
        client.force_login(reader)
        response = client.get(reverse("web:dashboard:workforce"))
        assert response.status_code == 200 and response.context["form"] is None
        assert "鄂尔多斯统计年鉴2020" in response.content.decode()
        assert post(client, reader).status_code == 403
    department = UserFactory(role=Role.DEPARTMENT_STAFF, organization=DepartmentFactory())
    client.force_login(department)
    assert client.get(reverse("web:dashboard:workforce")).status_code == 403
    assert client.get(reverse("web:dashboard:workforce"), {"page": "x"}).status_code == 403


def test_the_list_pages_with_a_fixed_number_of_queries(client, site, hr, django_assert_max_num_queries):
    for year in range(2000, 2040):
        workforce_figures_record(actor=hr, **{**GOOD, "year": year})
    client.force_login(hr)
    for page in ("1", "2", "99", "x"):
        with django_assert_max_num_queries(12):
            assert client.get(reverse("web:dashboard:workforce"), {"page": page}).status_code == 200
