"""谁主管、谁负责 (§4.3.c) for training: a department sees the plans filed with it, an institution
its own classes and trainees, an enterprise the classes it ordered and its own 以工代训 records;
the back office reads the same scopes and writes only through the training actions."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse

from skillfund.accounts import scoping
from skillfund.accounts.models import Role
from skillfund.core.models import AuditRecord
from skillfund.organizations.models import Organization
from skillfund.training.actions.enrolment import attendance_record, enrolment_create
from skillfund.training.actions.work import employment_create
from skillfund.training.models import (
    Attendance,
    ClassPlan,
    ClassSession,
    Employment,
    Enrolment,
    Teacher,
)
from tests.factories import (
    BEFORE_CLASS,
    CLASS_START,
    DepartmentFactory,
    OrganizationFactory,
    TeacherFactory,
    UserFactory,
    at,
    make_class_plan,
    make_person,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_settings(settings):
    settings.SKILLFUND_REQUIRE_2FA = False


@pytest.fixture
def world():
    dept_a, dept_b = DepartmentFactory(name="应急管理局"), DepartmentFactory(name="农牧局")
    inst_x, inst_y = OrganizationFactory(name="甲培训学校"), OrganizationFactory(name="乙培训学校")
    enterprise = OrganizationFactory(name="丙煤业", kind=Organization.Kind.ENTERPRISE)
    hr = UserFactory(role=Role.HR_STAFF)
    w = {
        "hr": hr,
        "user_a": UserFactory(role=Role.DEPARTMENT_STAFF, organization=dept_a),
        "user_b": UserFactory(role=Role.DEPARTMENT_STAFF, organization=dept_b),
        "user_x": UserFactory(role=Role.INSTITUTION_OPERATOR, organization=inst_x),
        "user_y": UserFactory(role=Role.INSTITUTION_OPERATOR, organization=inst_y),
        "user_e": UserFactory(role=Role.ENTERPRISE_OPERATOR, organization=enterprise),
        "auditor": UserFactory(role=Role.AUDITOR),
        "norole": UserFactory(role=""),
        "plan_a": make_class_plan(
            code="A-1", institution=inst_x, department=dept_a, enterprise_order=enterprise, approver=hr
        ),
        "plan_b": make_class_plan(code="B-1", institution=inst_y, department=dept_b, approver=hr),
        "teacher_x": TeacherFactory(organization=inst_x),
        "teacher_y": TeacherFactory(organization=inst_y),
    }
    enrol_at = at(CLASS_START - timedelta(days=2), 9)
    w["enr_a"] = enrolment_create(class_plan=w["plan_a"], person=make_person(), actor=None, now=enrol_at)
    w["enr_b"] = enrolment_create(class_plan=w["plan_b"], person=make_person(), actor=None, now=enrol_at)
    for enrolment in (w["enr_a"], w["enr_b"]):
        session = enrolment.class_plan.sessions.first()
        attendance_record(
            enrolment=enrolment,
            session=session,
            check_in=session.starts_at,
            check_out=session.ends_at,
            method="face",
            actor=None,
        )
    w["job_e"] = employment_create(employer=enterprise, person=make_person(), start_date=date(2020, 3, 1), actor=None)
    w["job_other"] = employment_create(
        employer=OrganizationFactory(kind=Organization.Kind.COOPERATIVE),
        person=make_person(),
        start_date=date(2020, 3, 1),
        actor=None,
    )
    return w


def codes(user) -> set[str]:
    return set(scoping.visible(ClassPlan, user).values_list("code", flat=True))


def test_department_cannot_see_another_departments_plans(world):
    assert codes(world["user_a"]) == {"A-1"}
    assert codes(world["user_b"]) == {"B-1"}
    assert set(scoping.visible(Enrolment, world["user_a"])) == {world["enr_a"]}


def test_institution_sees_only_its_own_classes_trainees_and_attendance(world):
    user = world["user_x"]
    assert codes(user) == {"A-1"}
    assert set(scoping.visible(Enrolment, user)) == {world["enr_a"]}
    assert set(scoping.visible(Attendance, user).values_list("enrolment", flat=True)) == {world["enr_a"].pk}
    assert set(scoping.visible(ClassSession, user)) == set(world["plan_a"].sessions.all())
    assert set(scoping.visible(Teacher, user)) == {world["teacher_x"]}


def test_enterprise_sees_the_classes_it_ordered_and_its_own_employees_only(world):
    user = world["user_e"]
    assert codes(user) == {"A-1"}
    assert not scoping.visible(Enrolment, user).exists()  # the class, not the trainees' records
    assert set(scoping.visible(Employment, user)) == {world["job_e"]}


def test_departments_and_institutions_see_no_employments(world):
    for key in ("user_a", "user_x"):
        assert not scoping.visible(Employment, world[key]).exists()


def test_city_wide_roles_see_every_plan(world):
    for key in ("hr", "auditor"):
        assert codes(world[key]) == {"A-1", "B-1"}


def test_no_role_sees_no_training_records(world):
    for label, selector in scoping.SELECTORS.items():
        if label.startswith("training."):
            assert not selector(world["norole"]).exists(), label


# ---- the back office -------------------------------------------------------------------------------


def test_department_changelist_lists_only_its_own_plans(client, world):
    client.force_login(world["user_a"])
    html = client.get(reverse("admin:training_classplan_changelist")).content.decode()
    assert "A-1" in html and "B-1" not in html
    url = reverse("admin:training_classplan_change", args=[world["plan_b"].pk])
    assert client.get(url).status_code == 404


def test_enrolment_through_the_back_office_goes_through_the_action(client, world, monkeypatch):
    person = make_person(organization=world["plan_a"].institution)
    client.force_login(world["user_x"])
    before = AuditRecord.objects.count()
    monkeypatch.setattr("django.utils.timezone.now", lambda: BEFORE_CLASS)
    response = client.post(
        reverse("admin:training_enrolment_add"), {"class_plan": world["plan_a"].pk, "person": person.pk}
    )
    assert response.status_code == 302
    assert Enrolment.objects.filter(class_plan=world["plan_a"], person=person).exists()
    assert AuditRecord.objects.count() == before + 1
    assert AuditRecord.objects.latest("id").action == "enrolment.create"


def test_refusal_in_the_back_office_is_shown_and_nothing_written(client, world, monkeypatch):
    person = make_person(organization=world["plan_a"].institution)
    enrolment_create(class_plan=world["plan_a"], person=person, actor=None, now=BEFORE_CLASS)
    monkeypatch.setattr("django.utils.timezone.now", lambda: BEFORE_CLASS)
    client.force_login(world["user_x"])
    before = (AuditRecord.objects.count(), Enrolment.objects.count())
    response = client.post(
        reverse("admin:training_enrolment_add"), {"class_plan": world["plan_a"].pk, "person": person.pk}
    )
    assert response.status_code == 200
    assert "already enrolled" in response.content.decode()
    assert (AuditRecord.objects.count(), Enrolment.objects.count()) == before


def test_department_decides_a_late_plan_with_a_reason_in_the_back_office(client, world):
    plan = make_class_plan(
        approve=False, department=world["user_a"].organization, institution=world["plan_a"].institution
    )
    client.force_login(world["user_a"])
    url = reverse("admin:training_classplan_decide", args=[plan.pk])
    response = client.post(url, {"decision": "approve", "reason": ""})
    assert response.status_code == 200 and "late_reason" in response.content.decode()
    response = client.post(url, {"decision": "approve", "reason": "补报：开班通知延误"})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert (plan.status, plan.late_reason) == (ClassPlan.Status.APPROVED, "补报：开班通知延误")


def test_other_department_cannot_open_the_decision_page(client, world):
    client.force_login(world["user_b"])
    url = reverse("admin:training_classplan_decide", args=[world["plan_a"].pk])
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    "model", ["classplan", "classsession", "enrolment", "attendance", "assessment", "certificate", "employment"]
)
def test_training_add_pages_load_and_record_pages_are_read_only(client, world, model):
    client.force_login(world["hr"])
    assert client.get(reverse(f"admin:training_{model}_add")).status_code == 200
    obj = {"classplan": world["plan_a"], "enrolment": world["enr_a"], "employment": world["job_e"]}.get(model)
    if obj is not None:
        html = client.get(reverse(f"admin:training_{model}_change", args=[obj.pk])).content.decode()
        assert 'name="_save"' not in html


def test_the_decision_link_shows_only_to_users_the_actions_accept(client, world):
    """Issue 10: "approve or return" showed to users who may not use it (the plan's institution)."""
    plan = make_class_plan(
        approve=False, department=world["user_a"].organization, institution=world["plan_a"].institution
    )
    decide = reverse("admin:training_classplan_decide", args=[plan.pk])
    change = reverse("admin:training_classplan_change", args=[plan.pk])
    client.force_login(world["user_x"])  # the institution that runs it
    assert decide not in client.get(change).content.decode()
    client.force_login(world["user_a"])  # its department
    assert decide in client.get(change).content.decode()
