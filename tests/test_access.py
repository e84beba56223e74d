"""谁主管、谁负责 (§4.3.c): every query path shows a user only their own scope, and the back office
shows ID numbers masked unless a role allowed to see them gives a reason (PIPL Art. 28)."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from skillfund.accounts import scoping
from skillfund.accounts.models import Role
from skillfund.core.models import AuditRecord
from skillfund.organizations.models import Organization
from skillfund.programme.models import AnnexTask, Programme
from skillfund.registry import idnumbers
from skillfund.registry.actions import person_status_add
from skillfund.registry.models import Person, PersonStatus, RosterImport
from tests.factories import DepartmentFactory, OrganizationFactory, UserFactory, make_person
from tests.idgen import make_id

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_settings(settings):
    # Scoping is what these tests are about; the second factor has its own tests.
    settings.SKILLFUND_REQUIRE_2FA = False
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world():
    """Two departments, two institutions, an enterprise, each with its own people and records."""
    # Each department may assert the status kind it holds below (registry/assertion.py).
    dept_a = DepartmentFactory(name="退役军人事务局", unit_code="veterans")
    dept_b = DepartmentFactory(name="残联", unit_code="disabled-federation")
    inst_x, inst_y = OrganizationFactory(name="甲培训学校"), OrganizationFactory(name="乙培训学校")
    enterprise = OrganizationFactory(name="丙公司", kind=Organization.Kind.ENTERPRISE)
    hr = UserFactory(role=Role.HR_STAFF)
    w = {
        "dept_a": dept_a,
        "dept_b": dept_b,
        "inst_x": inst_x,
        "inst_y": inst_y,
        "enterprise": enterprise,
        "hr": hr,
        "user_a": UserFactory(role=Role.DEPARTMENT_STAFF, organization=dept_a),
        "user_b": UserFactory(role=Role.DEPARTMENT_STAFF, organization=dept_b),
        "user_x": UserFactory(role=Role.INSTITUTION_OPERATOR, organization=inst_x),
        "user_y": UserFactory(role=Role.INSTITUTION_OPERATOR, organization=inst_y),
        "user_e": UserFactory(role=Role.ENTERPRISE_OPERATOR, organization=enterprise),
        "finance": UserFactory(role=Role.FINANCE_OFFICER),
        "auditor": UserFactory(role=Role.AUDITOR),
        "sysadmin": UserFactory(role=Role.SYSADMIN),
        "norole": UserFactory(role=""),
        "p_a": make_person(organization=dept_a, actor=hr, name="甲部门人"),
        "p_b": make_person(organization=dept_b, actor=hr, name="乙部门人"),
        "p_x": make_person(organization=inst_x, actor=hr, name="甲学校学员"),
        "p_y": make_person(organization=inst_y, actor=hr, name="乙学校学员"),
        "p_status_a": make_person(actor=hr, name="甲认定人"),
    }
    w["s_a"] = person_status_add(
        actor=None, person=w["p_status_a"], kind="veteran", valid_from=date(2019, 1, 1), source_org=dept_a
    )
    w["s_b"] = person_status_add(
        actor=None, person=w["p_b"], kind="disabled", valid_from=date(2019, 1, 1), source_org=dept_b
    )
    w["imp_a"] = _import(dept_a)
    w["imp_b"] = _import(dept_b)
    w["imp_x"] = _import(inst_x)
    w["imp_y"] = _import(inst_y)
    programme = Programme.objects.create(
        code="ordos",
        name="职业技能提升行动",
        region="150600",
        issuer="市就业工作领导小组",
        document_number="鄂就组发〔2019〕1号",
        issued_on=date(2019, 11, 28),
        start_year=2019,
        end_year=2021,
        total_target=65000,
        total_target_clause="§2.a",
    )
    w["task_a"] = _task(programme, dept_a, "2")
    w["task_b"] = _task(programme, dept_b, "4")
    return w


def _import(org):
    return RosterImport.objects.create(
        organization=org,
        file_name=f"{org.name}.xlsx",
        sha256="0" * 64,
        rows=1,
        persons_created=1,
        change_requests=0,
        statuses_created=0,
    )


def _task(programme, unit, number):
    return AnnexTask.objects.create(
        programme=programme,
        unit=unit,
        number=number,
        code=f"task-{number}",
        training="培训",
        annual_target=100,
        clause="Annex",
    )


def _ids(qs):
    return set(qs.values_list("pk", flat=True))


# ---- selectors ---------------------------------------------------------------------------------


def test_department_sees_its_roster_and_the_people_it_asserted_statuses_for(world):
    visible = _ids(scoping.persons_visible_to(world["user_a"]))
    assert visible == {world["p_a"].pk, world["p_status_a"].pk}


def test_department_cannot_see_another_departments_persons(world):
    visible = _ids(scoping.persons_visible_to(world["user_b"]))
    assert world["p_a"].pk not in visible
    assert world["p_status_a"].pk not in visible
    assert world["p_b"].pk in visible


def test_department_sees_only_its_own_statuses(world):
    assert _ids(scoping.person_statuses_visible_to(world["user_a"])) == {world["s_a"].pk}
    assert _ids(scoping.person_statuses_visible_to(world["user_b"])) == {world["s_b"].pk}


def test_department_sees_only_its_own_roster_imports(world):
    assert _ids(scoping.roster_imports_visible_to(world["user_a"])) == {world["imp_a"].pk}


def test_department_sees_only_its_own_annex_task(world):
    assert _ids(scoping.annex_tasks_visible_to(world["user_a"])) == {world["task_a"].pk}
    assert _ids(scoping.annex_tasks_visible_to(world["user_b"])) == {world["task_b"].pk}


def test_institution_cannot_see_another_institutions_roster(world):
    assert _ids(scoping.persons_visible_to(world["user_x"])) == {world["p_x"].pk}
    assert _ids(scoping.persons_visible_to(world["user_y"])) == {world["p_y"].pk}
    assert _ids(scoping.roster_entries_visible_to(world["user_x"])) == set(
        world["inst_x"].roster.values_list("pk", flat=True)
    )


def test_institution_sees_only_itself_and_its_own_imports(world):
    assert _ids(scoping.organizations_visible_to(world["user_x"])) == {world["inst_x"].pk}
    assert _ids(scoping.roster_imports_visible_to(world["user_x"])) == {world["imp_x"].pk}
    # The Annex is published; an institution names a department's task when it files a class plan.
    assert _ids(scoping.annex_tasks_visible_to(world["user_x"])) == {world["task_a"].pk, world["task_b"].pk}
    assert not scoping.audit_records_visible_to(world["user_x"]).exists()


def test_enterprise_operator_sees_only_its_own_organization(world):
    assert _ids(scoping.organizations_visible_to(world["user_e"])) == {world["enterprise"].pk}
    assert not scoping.persons_visible_to(world["user_e"]).exists()


def test_department_sees_providers_and_employers_but_not_other_departments(world):
    visible = _ids(scoping.organizations_visible_to(world["user_a"]))
    assert {world["dept_a"].pk, world["inst_x"].pk, world["inst_y"].pk, world["enterprise"].pk} <= visible
    assert world["dept_b"].pk not in visible


@pytest.mark.parametrize("role", ["hr", "finance", "auditor", "sysadmin"])
def test_city_wide_roles_see_every_person(world, role):
    assert scoping.persons_visible_to(world[role]).count() == Person.objects.count()
    assert scoping.person_statuses_visible_to(world[role]).count() == PersonStatus.objects.count()


@pytest.mark.parametrize("role", ["auditor", "sysadmin", "hr"])
def test_audit_readers_see_the_audit_log(world, role):
    assert scoping.audit_records_visible_to(world[role]).count() == AuditRecord.objects.count() > 0


@pytest.mark.parametrize("role", ["finance", "user_a", "user_x", "user_e"])
def test_other_roles_do_not_see_the_audit_log(world, role):
    assert not scoping.audit_records_visible_to(world[role]).exists()


@pytest.mark.parametrize("role", ["", "superhero"])
def test_no_role_or_unknown_role_sees_nothing(world, role):
    user = UserFactory(role=role, is_superuser=True)
    for model_label, selector in scoping.SELECTORS.items():
        assert not selector(user).exists(), model_label


def test_scoped_role_without_organization_sees_nothing(world):
    # The database refuses such a user; an unsaved one must still see nothing.
    user = UserFactory.build(role=Role.DEPARTMENT_STAFF, organization=None)
    user.is_active = True
    assert not scoping.persons_visible_to(user).exists()
    assert not scoping.organizations_visible_to(user).exists()


# ---- the back office -----------------------------------------------------------------------------


def _client(client, user):
    client.force_login(user)
    return client


def test_department_changelist_lists_only_its_own_persons(client, world):
    html = _client(client, world["user_a"]).get(reverse("admin:registry_person_changelist")).content.decode()
    assert "甲部门人" in html and "甲认定人" in html
    assert "乙部门人" not in html and "甲学校学员" not in html


@pytest.mark.parametrize("view", ["change", "history", "reveal"])
def test_out_of_scope_person_is_not_found(client, world, view):
    url = reverse(f"admin:registry_person_{view}", args=[world["p_b"].pk])
    assert _client(client, world["user_a"]).get(url).status_code == 404


@pytest.mark.parametrize(
    ("user", "url_name", "obj"),
    [
        ("user_a", "admin:registry_personstatus_change", "s_b"),
        ("user_a", "admin:registry_rosterimport_change", "imp_b"),
        ("user_a", "admin:programme_annextask_change", "task_b"),
        ("user_a", "admin:organizations_organization_change", "dept_b"),
        ("user_x", "admin:registry_person_change", "p_y"),
        ("user_x", "admin:registry_rosterimport_change", "imp_y"),
        ("user_x", "admin:organizations_organization_change", "inst_y"),
    ],
)
def test_out_of_scope_records_are_not_found_in_the_back_office(client, world, user, url_name, obj):
    response = _client(client, world[user]).get(reverse(url_name, args=[world[obj].pk]))
    assert response.status_code == 404


def test_institution_changelist_lists_only_its_own_roster(client, world):
    html = _client(client, world["user_x"]).get(reverse("admin:registry_person_changelist")).content.decode()
    assert "甲学校学员" in html
    assert "乙学校学员" not in html and "甲部门人" not in html


def test_person_autocomplete_offers_only_persons_in_scope(client, world):
    url = reverse("admin:autocomplete")
    params = {"app_label": "registry", "model_name": "personstatus", "field_name": "person", "term": ""}
    data = _client(client, world["user_a"]).get(url, params).json()
    names = {r["text"].split()[0] for r in data["results"]}
    assert names == {"甲部门人", "甲认定人"}


def test_status_filter_lists_only_source_departments_in_scope(client, world):
    html = _client(client, world["user_a"]).get(reverse("admin:registry_personstatus_changelist")).content.decode()
    assert "残联" not in html


def test_auditor_reads_the_audit_log_but_cannot_change_it(client, world):
    c = _client(client, world["auditor"])
    assert c.get(reverse("admin:core_auditrecord_changelist")).status_code == 200
    record = AuditRecord.objects.first()
    assert c.get(reverse("admin:core_auditrecord_change", args=[record.pk])).status_code == 200
    assert c.post(reverse("admin:core_auditrecord_change", args=[record.pk]), {"reason": "x"}).status_code == 403
    assert c.get(reverse("admin:core_auditrecord_add")).status_code == 403
    assert c.post(reverse("admin:core_auditrecord_delete", args=[record.pk]), {"post": "yes"}).status_code == 403


def test_auditor_cannot_change_registry_records(client, world):
    c = _client(client, world["auditor"])
    url = reverse("admin:registry_person_change", args=[world["p_a"].pk])
    assert c.get(url).status_code == 200
    assert c.post(url, {"name": "改名"}).status_code == 403
    assert c.get(reverse("admin:registry_person_add")).status_code == 403
    world["p_a"].refresh_from_db()
    assert world["p_a"].name == "甲部门人"


@pytest.mark.parametrize("role", ["sysadmin", "hr"])
def test_nobody_may_change_the_audit_log(client, world, role):
    c = _client(client, world[role])
    record = AuditRecord.objects.first()
    assert c.get(reverse("admin:core_auditrecord_add")).status_code == 403
    assert c.post(reverse("admin:core_auditrecord_change", args=[record.pk]), {"reason": "x"}).status_code == 403
    assert c.post(reverse("admin:core_auditrecord_delete", args=[record.pk]), {"post": "yes"}).status_code == 403


def test_finance_officer_reads_but_does_not_write(client, world):
    c = _client(client, world["finance"])
    assert c.get(reverse("admin:registry_person_changelist")).status_code == 200
    assert c.get(reverse("admin:registry_person_add")).status_code == 403
    org_url = reverse("admin:organizations_organization_change", args=[world["inst_x"].pk])
    assert c.get(org_url).status_code == 200
    assert c.post(org_url, {"name": "改名"}).status_code == 403
    status_url = reverse("admin:organizations_organization_status", args=[world["inst_x"].pk])
    assert c.post(status_url, {"status": "suspended", "reason": "x"}).status_code == 403
    assert c.get(reverse("admin:core_auditrecord_changelist")).status_code == 403


def test_user_without_role_is_kept_out_of_the_back_office(client, world):
    response = _client(client, world["norole"]).get(reverse("admin:index"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("web:login"))


# ---- masked ID numbers and the audited reveal --------------------------------------------------


@pytest.fixture
def known_person(world):
    number = make_id("150621", date(1985, 6, 15), 377)
    return number, make_person(id_number=number, organization=world["dept_a"], actor=world["hr"], name="李四")


@pytest.mark.parametrize("role", ["hr", "auditor", "sysadmin", "user_a"])
def test_full_id_number_never_appears_in_person_pages(client, world, known_person, role):
    number, person = known_person
    c = _client(client, world[role])
    pages = [
        reverse("admin:registry_person_changelist"),
        reverse("admin:registry_person_change", args=[person.pk]),
        reverse("admin:registry_personstatus_changelist"),
    ]
    for url in pages:
        html = c.get(url).content.decode()
        assert number not in html, url
    assert idnumbers.mask(number) in c.get(pages[0]).content.decode()


def test_find_by_full_id_number_uses_the_blind_index(client, world, known_person):
    number, person = known_person
    response = _client(client, world["hr"]).post(reverse("admin:registry_person_find"), {"id_number": number})
    assert response["Location"] == reverse("admin:registry_person_change", args=[person.pk])


def test_find_by_id_number_stays_within_scope(client, world, known_person):
    number, _person = known_person
    response = _client(client, world["user_b"]).post(reverse("admin:registry_person_find"), {"id_number": number})
    assert response.status_code == 200 and "李四" not in response.content.decode()


def test_reveal_requires_a_reason_and_is_audit_logged(client, world, known_person):
    number, person = known_person
    c = _client(client, world["hr"])
    url = reverse("admin:registry_person_reveal", args=[person.pk])
    change_page = c.get(reverse("admin:registry_person_change", args=[person.pk])).content.decode()
    assert url in change_page

    before = AuditRecord.objects.filter(action="person.reveal_id").count()
    response = c.post(url, {"reason": "  "})
    assert number not in response.content.decode()
    assert AuditRecord.objects.filter(action="person.reveal_id").count() == before

    response = c.post(url, {"reason": "核对补贴申请 2020-17"})
    assert number in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    record = AuditRecord.objects.filter(action="person.reveal_id").latest("id")
    assert (record.actor, record.target_id, record.reason) == (world["hr"], str(person.pk), "核对补贴申请 2020-17")
    assert record.at is not None


def test_department_staff_may_not_reveal_full_id_numbers(client, world, known_person):
    _number, person = known_person
    c = _client(client, world["user_a"])
    change_page = c.get(reverse("admin:registry_person_change", args=[person.pk])).content.decode()
    url = reverse("admin:registry_person_reveal", args=[person.pk])
    assert url not in change_page
    assert c.post(url, {"reason": "好奇"}).status_code == 403
    assert not AuditRecord.objects.filter(action="person.reveal_id").exists()
