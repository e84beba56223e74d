"""谁主管、谁负责 (§4.3.c): a department reads only the claims it is responsible for."""

from __future__ import annotations

from datetime import date

import pytest

from skillfund.accounts.models import Role
from skillfund.accounts.scoping import claims_visible_to, decisions_visible_to, quota_tallies_visible_to
from skillfund.claims.actions import claim_grant, claim_submit
from skillfund.claims.models import Claim
from tests.factories import DepartmentFactory, UserFactory, make_catalog_item, make_person

pytestmark = pytest.mark.django_db


def _claim(department) -> Claim:
    item = make_catalog_item()
    claim = claim_submit(
        actor=None,
        person=make_person(),
        catalog_item=item,
        training_region="150602",
        start_date=date(2020, 3, 1),
        end_date=date(2020, 3, 5),
        certificate_kind=item.certificate_kind,
        department=department,
        today=date(2021, 1, 1),
    )
    claim_grant(claim=claim, actor=None)
    return claim


def test_department_sees_its_own_claims_and_decisions_only(client):
    mine, theirs = DepartmentFactory(), DepartmentFactory()
    own, other = _claim(mine), _claim(theirs)
    user = UserFactory(role=Role.DEPARTMENT_STAFF, organization=mine, is_staff=True)
    assert list(claims_visible_to(user)) == [own]
    assert set(decisions_visible_to(user).values_list("claim", flat=True)) == {own.pk}
    assert not quota_tallies_visible_to(user).exists()
    client.force_login(user)
    assert client.get(f"/admin/claims/claim/{own.pk}/change/").status_code == 200
    assert client.get(f"/admin/claims/claim/{other.pk}/change/").status_code == 404


def test_decision_page_explains_each_check_with_its_clause(client):
    claim = _claim(DepartmentFactory())
    client.force_login(UserFactory(role=Role.HR_STAFF, is_staff=True))
    decision = claim.decisions.get()
    html = client.get(f"/admin/claims/decision/{decision.pk}/change/").content.decode()
    assert "§3.3.a" in html and "§3.3.b" in html and "已取得证书" in html


def test_auditor_reads_claims_but_cannot_change_them(client):
    claim = _claim(DepartmentFactory())
    client.force_login(UserFactory(role=Role.AUDITOR, is_staff=True))
    assert client.get(f"/admin/claims/claim/{claim.pk}/change/").status_code == 200
    assert client.post(f"/admin/claims/claim/{claim.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Claim.objects.filter(pk=claim.pk).exists()
