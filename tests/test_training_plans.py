"""Class plans (开班计划, §4.3.d): drafted by an institution, filed with the responsible department
before the class starts, approved by that department (or HR) and never by whoever filed it."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from skillfund.accounts.models import Role
from skillfund.core.errors import DomainError
from skillfund.core.models import AuditRecord
from skillfund.organizations.actions import organization_set_status
from skillfund.organizations.models import Organization
from skillfund.programme.models import AnnexTask, Programme
from skillfund.training.actions.plans import (
    class_plan_add_session,
    class_plan_approve,
    class_plan_file,
    class_plan_reject,
)
from skillfund.training.models import ClassPlan, ClassSession
from tests.factories import (
    BEFORE_CLASS,
    CLASS_START,
    DepartmentFactory,
    OrganizationFactory,
    TeacherFactory,
    UserFactory,
    at,
    make_catalog_item,
    make_class_plan,
)

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, ...]:
    return AuditRecord.objects.count(), ClassPlan.objects.count(), ClassSession.objects.count()


def draft(**fields) -> ClassPlan:
    return make_class_plan(approve=False, **fields)


@pytest.fixture
def dept_user(department):
    return UserFactory(role=Role.DEPARTMENT_STAFF, organization=department)


def test_plan_is_filed_and_approved_by_its_department_before_it_starts(department, dept_user):
    plan = draft(department=department)
    class_plan_file(class_plan=plan, actor=None, now=BEFORE_CLASS)
    class_plan_approve(class_plan=plan, actor=dept_user, now=BEFORE_CLASS + timedelta(days=1))
    plan.refresh_from_db()
    assert (plan.status, plan.approved_by, plan.late_reason) == (ClassPlan.Status.APPROVED, dept_user, "")
    assert plan.filed_at == BEFORE_CLASS
    actions = list(AuditRecord.objects.filter(target_id=str(plan.pk)).order_by("id").values_list("action", flat=True))
    assert actions[-2:] == ["class_plan.file", "class_plan.approve"]


@pytest.mark.parametrize("status", [Organization.Status.SUSPENDED, Organization.Status.EXITED])
def test_suspended_institution_cannot_file(status):
    plan = draft()
    organization_set_status(organization=plan.institution, actor=None, status=status, reason="质量评估不合格")
    before = counts()
    with pytest.raises(DomainError) as exc:
        class_plan_file(class_plan=plan, actor=None, now=BEFORE_CLASS)
    assert (exc.value.code, exc.value.clause, exc.value.field) == ("institution_not_active", "§3.2.3", "institution")
    assert plan.code in exc.value.en and plan.code in exc.value.zh
    plan.refresh_from_db()
    assert plan.status == ClassPlan.Status.DRAFT
    assert counts() == before


def test_plan_filed_on_its_start_date_is_refused_and_stays_draft():
    plan = draft()
    before = counts()
    with pytest.raises(DomainError) as exc:
        class_plan_file(class_plan=plan, actor=None, now=at(CLASS_START, 8))
    assert (exc.value.code, exc.value.field, exc.value.clause) == ("late_filing", "start_date", "§4.3.d")
    plan.refresh_from_db()
    assert (plan.status, plan.filed_at) == (ClassPlan.Status.DRAFT, None)
    assert counts() == before


def test_plan_filed_after_start_needs_override_reason(hr_user):
    plan = draft()
    late = at(CLASS_START + timedelta(days=1), 10)
    before = counts()
    with pytest.raises(DomainError) as exc:
        class_plan_approve(class_plan=plan, actor=hr_user, now=late)
    assert exc.value.code == "late_reason_required"
    assert counts() == before

    class_plan_approve(class_plan=plan, actor=hr_user, late_reason="暴雪停课，补报", now=late)
    plan.refresh_from_db()
    assert (plan.status, plan.late_reason, plan.filed_at) == (ClassPlan.Status.APPROVED, "暴雪停课，补报", late)
    assert AuditRecord.objects.latest("id").reason == "暴雪停课，补报"


def test_filed_plan_approved_after_start_also_needs_a_reason(hr_user):
    plan = draft()
    class_plan_file(class_plan=plan, actor=None, now=BEFORE_CLASS)
    with pytest.raises(DomainError) as exc:
        class_plan_approve(class_plan=plan, actor=hr_user, now=at(CLASS_START, 9))
    assert exc.value.code == "late_reason_required"


def test_draft_in_time_cannot_be_approved_without_filing(hr_user):
    plan = draft()
    with pytest.raises(DomainError) as exc:
        class_plan_approve(class_plan=plan, actor=hr_user, now=BEFORE_CLASS)
    assert exc.value.code == "invalid_transition"


def test_filer_cannot_approve_own_plan(hr_user):
    plan = draft()
    class_plan_file(class_plan=plan, actor=hr_user, now=BEFORE_CLASS)
    before = counts()
    with pytest.raises(DomainError) as exc:
        class_plan_approve(class_plan=plan, actor=hr_user, now=BEFORE_CLASS)
    assert (exc.value.code, exc.value.clause) == ("same_person", "§4.3.d")
    assert counts() == before


def test_another_department_cannot_approve(department):
    plan = draft(department=department)
    class_plan_file(class_plan=plan, actor=None, now=BEFORE_CLASS)
    other = UserFactory(role=Role.DEPARTMENT_STAFF, organization=DepartmentFactory())
    operator = UserFactory(role=Role.INSTITUTION_OPERATOR, organization=plan.institution)
    for actor in (other, operator):
        with pytest.raises(DomainError) as exc:
            class_plan_approve(class_plan=plan, actor=actor, now=BEFORE_CLASS)
        assert exc.value.code == "not_permitted"
    plan.refresh_from_db()
    assert plan.status == ClassPlan.Status.FILED


def test_rejected_plan_is_corrected_and_filed_again(department, dept_user):
    plan = draft(department=department)
    class_plan_file(class_plan=plan, actor=None, now=BEFORE_CLASS)
    with pytest.raises(DomainError) as exc:
        class_plan_reject(class_plan=plan, actor=dept_user, reason="  ", now=BEFORE_CLASS)
    assert exc.value.code == "reason_required"
    class_plan_reject(class_plan=plan, actor=dept_user, reason="场地证明缺失", now=BEFORE_CLASS)
    plan.refresh_from_db()
    assert (plan.status, plan.rejection_reason) == (ClassPlan.Status.REJECTED, "场地证明缺失")
    class_plan_file(class_plan=plan, actor=None, now=BEFORE_CLASS + timedelta(days=1))
    plan.refresh_from_db()
    assert (plan.status, plan.rejection_reason, plan.approved_by) == (ClassPlan.Status.FILED, "", None)


def test_annex_task_must_belong_to_the_department(department):
    programme = Programme.objects.create(
        code="p",
        name="行动",
        region="150600",
        issuer="x",
        document_number="1",
        issued_on=date(2019, 11, 28),
        start_year=2019,
        end_year=2021,
        total_target=1,
        total_target_clause="§2.a",
    )
    task = AnnexTask.objects.create(
        programme=programme,
        unit=DepartmentFactory(),
        number="2",
        code="t",
        training="安全",
        annual_target=1,
        clause="Annex",
    )
    before = counts()
    with pytest.raises(DomainError) as exc:
        make_class_plan(approve=False, department=department, annex_task=task)
    assert (exc.value.code, exc.value.field) == ("annex_task_of_another_department", "annex_task")
    assert counts() == before


def test_plan_needs_a_training_provider_and_a_catalog_item_of_its_year():
    with pytest.raises(DomainError) as exc:
        draft(institution=OrganizationFactory(kind=Organization.Kind.ENTERPRISE))
    assert exc.value.code == "not_a_training_provider"
    with pytest.raises(DomainError) as exc:
        draft(catalog_item=make_catalog_item(year=2019))
    assert (exc.value.code, exc.value.field) == ("catalog_year", "catalog_item")
    assert not ClassPlan.objects.exists()


def test_bad_region_code_names_the_field():
    with pytest.raises(DomainError) as exc:
        draft(region="990000")
    assert (exc.value.code, exc.value.field) == ("invalid_input", "region")
    assert "990000" in exc.value.en


def test_session_outside_class_dates_refused_and_nothing_written():
    plan = draft(days=2)
    before = counts()
    with pytest.raises(DomainError) as exc:
        class_plan_add_session(
            class_plan=plan,
            starts_at=at(CLASS_START + timedelta(days=2), 9),
            ends_at=at(CLASS_START + timedelta(days=2), 12),
            hours=Decimal(3),
            actor=None,
        )
    assert (exc.value.code, exc.value.field) == ("session_outside_class_dates", "starts_at")
    assert counts() == before


def test_sessions_of_one_plan_do_not_overlap_and_hours_fit_the_session():
    plan = draft(days=1)
    with pytest.raises(DomainError) as exc:
        class_plan_add_session(
            class_plan=plan, starts_at=at(CLASS_START, 11), ends_at=at(CLASS_START, 13), hours=Decimal(2), actor=None
        )
    assert exc.value.code == "session_overlap"
    with pytest.raises(DomainError) as exc:
        class_plan_add_session(
            class_plan=plan, starts_at=at(CLASS_START, 14), ends_at=at(CLASS_START, 16), hours=Decimal(3), actor=None
        )
    assert (exc.value.code, exc.value.field) == ("session_hours", "hours")


def test_session_teacher_joins_the_class_teachers():
    plan = draft(days=1)
    teacher = TeacherFactory(organization=plan.institution)
    class_plan_add_session(
        class_plan=plan,
        starts_at=at(CLASS_START, 14),
        ends_at=at(CLASS_START, 17),
        hours=Decimal("2.5"),
        actor=None,
        teacher=teacher,
    )
    assert list(plan.teachers.all()) == [teacher]


def test_plan_with_fewer_hours_than_the_catalog_item_cannot_be_filed():
    plan = draft(days=3)  # 9 hours; the item asks for 12
    with pytest.raises(DomainError) as exc:
        class_plan_file(class_plan=plan, actor=None, now=BEFORE_CLASS)
    assert (exc.value.code, exc.value.clause) == ("too_few_hours", "§4.4.c")


def test_approved_plan_takes_no_more_sessions():
    plan = make_class_plan()
    with pytest.raises(DomainError) as exc:
        class_plan_add_session(
            class_plan=plan, starts_at=at(CLASS_START, 14), ends_at=at(CLASS_START, 16), hours=Decimal(2), actor=None
        )
    assert exc.value.code == "plan_not_editable"


@pytest.mark.parametrize(
    "change",
    [
        {"capacity": 0},
        {"fee": Decimal("-1")},
        {"end_date": CLASS_START - timedelta(days=1)},
        {"status": ClassPlan.Status.APPROVED, "approved_by": None},
    ],
)
def test_database_refuses_an_inconsistent_plan(change):
    plan = make_class_plan()
    with pytest.raises(IntegrityError), transaction.atomic():
        ClassPlan.objects.filter(pk=plan.pk).update(**change)


def test_institution_operator_files_only_its_own_plans():
    plan = draft()
    other = UserFactory(role=Role.INSTITUTION_OPERATOR, organization=OrganizationFactory())
    with pytest.raises(DomainError) as exc:
        class_plan_file(class_plan=plan, actor=other, now=BEFORE_CLASS)
    assert exc.value.code == "not_permitted"
    own = UserFactory(role=Role.INSTITUTION_OPERATOR, organization=plan.institution)
    assert class_plan_file(class_plan=plan, actor=own, now=BEFORE_CLASS).filed_by == own


# ---- §4.4.c: only an institution approved for the catalog item ----------------------------------


def test_back_office_refuses_a_plan_for_an_item_approved_only_for_another_institution(client, monkeypatch):
    """An institution operator files, through the back office, a class of an item the catalog lists
    for another institution only: refused, naming item and institution, and nothing is written."""
    own, other, department = OrganizationFactory(), OrganizationFactory(), DepartmentFactory()
    item = make_catalog_item(year=CLASS_START.year)
    item.approved_institutions.set([other])
    operator = UserFactory(role=Role.INSTITUTION_OPERATOR, organization=own)
    client.force_login(operator)
    monkeypatch.setattr("django.utils.timezone.now", lambda: BEFORE_CLASS)
    before = counts()
    form = {
        "code": "BJ-ATTACK",
        "institution": own.pk,
        "catalog_item": item.pk,
        "department": department.pk,
        "funding_mode": ClassPlan.FundingMode.INDIVIDUAL,
        "region": "150602",
        "venue": "东胜区培训楼 201",
        "start_date": CLASS_START.isoformat(),
        "end_date": (CLASS_START + timedelta(days=4)).isoformat(),
        "capacity": 30,
    }
    response = client.post(reverse("admin:training_classplan_add"), form)
    assert response.status_code == 200
    html = response.content.decode()
    assert (
        f"培训机构 {own} 未获准承担目录项目 {item.code}" in html
        or f"{own} is not approved for catalog item {item.code}" in html
    )
    assert counts() == before
    item.approved_institutions.add(own)  # the same form from an approved institution is accepted
    assert client.post(reverse("admin:training_classplan_add"), form).status_code == 302
    assert ClassPlan.objects.filter(code="BJ-ATTACK", institution=own).exists()


def test_plan_of_an_unapproved_institution_is_refused_on_create_file_and_approve(department, dept_user):
    other = OrganizationFactory()
    item = make_catalog_item(year=CLASS_START.year)
    item.approved_institutions.set([other])
    with pytest.raises(DomainError) as exc:
        make_class_plan(approve=False, approved_for_item=False, catalog_item=item, department=department)
    assert (exc.value.code, exc.value.clause, exc.value.field) == (
        "institution_not_approved_for_item",
        "§4.4.c",
        "catalog_item",
    )
    assert item.code in exc.value.zh and item.code in exc.value.en

    # Approved when drafted, the approval withdrawn before filing: filing is refused.
    plan = draft(department=department, catalog_item=item)
    item.approved_institutions.remove(plan.institution)
    with pytest.raises(DomainError) as exc:
        class_plan_file(class_plan=plan, actor=None, now=BEFORE_CLASS)
    assert exc.value.code == "institution_not_approved_for_item" and str(plan.institution) in exc.value.zh

    # Filed while approved, withdrawn before the department decides: approval is refused too.
    item.approved_institutions.add(plan.institution)
    class_plan_file(class_plan=plan, actor=None, now=BEFORE_CLASS)
    item.approved_institutions.remove(plan.institution)
    with pytest.raises(DomainError) as exc:
        class_plan_approve(class_plan=plan, actor=dept_user, now=BEFORE_CLASS + timedelta(days=1))
    assert exc.value.code == "institution_not_approved_for_item"
    plan.refresh_from_db()
    assert plan.status == ClassPlan.Status.FILED
