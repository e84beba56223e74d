"""The institution plans a class from the screen (§4.3.d, §4.4.c): a draft from the catalog items it
is approved for, edited until filed, a 120-hour timetable generated in one form, then filed. Only
the steps the user may take are offered; the actions refuse the rest; another institution's plan
is a 404."""

from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from skillfund.accounts.models import Role
from skillfund.core.errors import DomainError
from skillfund.programme.models import AnnexTask
from skillfund.training import schedule
from skillfund.training.actions.enrolment import enrolment_create
from skillfund.training.actions.plans import (
    PlannedSession,
    class_plan_file,
    class_plan_schedule,
    class_plan_update,
    class_session_update,
)
from skillfund.training.models import ClassPlan, ClassSession
from skillfund.web.institution.forms import PlanForm
from tests.factories import (
    DepartmentFactory,
    OrganizationFactory,
    UserFactory,
    at,
    make_catalog_item,
    make_class_plan,
    make_person,
)
from tests.programme_helpers import bare_programme

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
FULL = {"days": 10, "hours": (8, 20)}  # 120 class hours, as the catalog item asks


def url(name: str, *args) -> str:
    return reverse(f"web:institution:{name}", args=args)


@pytest.fixture(autouse=True)
def _relaxed(settings):
    settings.SKILLFUND_REQUIRE_2FA = False


@pytest.fixture
def start() -> date:
    """A class starting in six weeks, so it can be filed today."""
    return timezone.localdate() + timedelta(days=42)


@pytest.fixture
def institution(db):
    return OrganizationFactory(name="华夏培训学校")


@pytest.fixture
def operator(institution):
    return UserFactory(role=Role.INSTITUTION_OPERATOR, organization=institution, username="inst")


@pytest.fixture
def item(start, institution):
    item = make_catalog_item(year=start.year, code="electrician-5", min_hours=120)
    item.approved_institutions.add(institution)
    return item


@pytest.fixture
def department(db):
    return DepartmentFactory(name="市人社局")


def plan_data(item, dept, start: date, **over) -> dict:
    return {
        "code": "HX-001",
        "catalog_item": item.pk,
        "department": dept.pk,
        "annex_task": "",
        "funding_mode": "individual",
        "region": "150602",
        "venue": "东胜区培训楼 201",
        "start_date": start.isoformat(),
        "end_date": (start + timedelta(days=4)).isoformat(),
        "capacity": "30",
        "fee": "",
        **over,
    }


def schedule_data(start: date, **over) -> dict:
    return {
        "first_day": start.isoformat(),
        "weekdays": ["0", "1", "2", "3", "4"],
        "start": "09:00",
        "end": "12:00",
        "hours_per_session": "3",
        "total_hours": "120",
        "skip_holidays": "on",
        "replace": "on",
        "adjust_end": "on",
        **over,
    }


def test_plan_is_drafted_edited_scheduled_in_one_form_and_filed(client, operator, item, department, start):
    client.force_login(operator)
    response = client.post(url("plan_create"), plan_data(item, department, start))
    plan = ClassPlan.objects.get(code="HX-001")
    assert response.status_code == 302 and plan.status == ClassPlan.Status.DRAFT
    assert plan.institution == operator.organization and plan.created_by == operator

    # A saved draft can be edited (today's admin cannot).
    response = client.post(url("plan_edit", plan.pk), plan_data(item, department, start, venue="新校区 305"))
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.venue == "新校区 305"

    # 120 class hours in 3-hour sessions: one form, previewed, then saved as 40 sessions.
    preview = client.post(url("plan_schedule", plan.pk), {**schedule_data(start), "preview": "1"})
    assert preview.status_code == 200 and len(preview.context["generated"].sessions) == 40
    assert ClassSession.objects.filter(class_plan=plan).count() == 0  # a preview writes nothing
    response = client.post(url("plan_schedule", plan.pk), {**schedule_data(start), "save": "1"})
    assert response.status_code == 302
    sessions = list(plan.sessions.order_by("starts_at"))
    assert len(sessions) == 40 and {s.hours for s in sessions} == {Decimal(3)}
    assert sum(s.hours for s in sessions) == 120
    assert {timezone.localtime(s.starts_at).time() for s in sessions} == {time(9)}
    assert all(timezone.localtime(s.starts_at).weekday() < 5 for s in sessions)
    plan.refresh_from_db()
    assert plan.end_date == timezone.localdate(sessions[-1].ends_at)  # moved to the last session's day

    # One session edited on its own.
    first = sessions[0]
    response = client.post(
        url("session_edit", plan.pk, first.pk),
        {"day": start.isoformat(), "start": "13:00", "end": "16:00", "hours": "3", "topic": "安全用电", "teacher": ""},
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert timezone.localtime(first.starts_at).time() == time(13) and first.topic == "安全用电"

    page = client.get(url("plan_detail", plan.pk)).content.decode()
    assert url("plan_file", plan.pk) in page and url("plan_edit", plan.pk) in page

    response = client.post(url("plan_file", plan.pk))
    plan.refresh_from_db()
    assert response.status_code == 302 and plan.status == ClassPlan.Status.FILED

    # Filed: no edit, no schedule, no file button; the pages refuse.
    page = client.get(url("plan_detail", plan.pk)).content.decode()
    assert url("plan_edit", plan.pk) not in page and url("plan_file", plan.pk) not in page
    assert url("plan_schedule", plan.pk) not in page
    # Opened by URL: back to the plan, saying why; nothing changes.
    response = client.get(url("plan_edit", plan.pk))
    assert response.status_code == 302 and response["Location"] == url("plan_detail", plan.pk)
    response = client.post(url("plan_schedule", plan.pk), {**schedule_data(start), "save": "1"}, follow=True)
    assert "不能办理此事项" in response.content.decode()
    assert plan.sessions.count() == 40


def test_a_filed_plan_is_refused_by_the_actions_themselves(operator, item, department, start):
    plan = make_class_plan(
        institution=operator.organization, department=department, catalog_item=item, start=start, approve=False, days=10
    )
    make_sessions = [
        PlannedSession(at(start + timedelta(days=d), 9), at(start + timedelta(days=d), 21), Decimal(12))
        for d in range(10)
    ]
    class_plan_schedule(class_plan=plan, sessions=make_sessions, actor=operator, replace=True)
    class_plan_file(class_plan=plan, actor=operator)
    session = plan.sessions.first()
    with pytest.raises(DomainError) as exc:
        class_plan_update(class_plan=plan, actor=operator, venue="别处")
    assert exc.value.code == "plan_not_editable"
    with pytest.raises(DomainError) as exc:
        class_plan_schedule(class_plan=plan, sessions=make_sessions, actor=operator, replace=True)
    assert exc.value.code == "plan_not_editable"
    with pytest.raises(DomainError) as exc:
        class_session_update(
            session=session, actor=operator, starts_at=session.starts_at, ends_at=session.ends_at, hours=Decimal(1)
        )
    assert exc.value.code == "plan_not_editable"
    plan.refresh_from_db()
    assert plan.venue != "别处" and plan.sessions.count() == 10


def test_another_institution_cannot_edit_a_plan_in_the_action(operator, item, department, start):
    other = UserFactory(role=Role.INSTITUTION_OPERATOR, organization=OrganizationFactory())
    plan = make_class_plan(
        institution=operator.organization, department=department, catalog_item=item, start=start, approve=False
    )
    with pytest.raises(DomainError) as exc:
        class_plan_update(class_plan=plan, actor=other, venue="别处")
    assert exc.value.code == "not_permitted"


def test_another_institutions_plan_is_404_on_every_page(client, operator, department, start):
    plan = make_class_plan(department=department, start=start)  # another institution's, approved
    session = plan.sessions.first()
    client.force_login(operator)
    for path in (
        url("plan_detail", plan.pk),
        url("plan_edit", plan.pk),
        url("plan_schedule", plan.pk),
        url("session_edit", plan.pk, session.pk),
        url("class_roster", plan.pk),
        url("class_roster_template", plan.pk),
        url("class_attendance", plan.pk),
        url("class_session_sheet", plan.pk, session.pk),
        url("class_results", plan.pk),
    ):
        assert client.get(path).status_code == 404, path
    assert client.post(url("plan_file", plan.pk)).status_code == 404
    assert client.post(url("session_delete", plan.pk, session.pk)).status_code == 404
    assert client.get("/work/institution/plans/99999999999999999999999/").status_code == 404
    assert client.get("/work/institution/plans/abc/").status_code == 404


def test_department_user_sees_the_plan_but_no_file_or_edit(client, operator, item, department, start):
    plan = make_class_plan(
        institution=operator.organization, department=department, catalog_item=item, start=start, approve=False
    )
    client.force_login(UserFactory(role=Role.DEPARTMENT_STAFF, organization=department))
    page = client.get(url("plan_detail", plan.pk))
    assert page.status_code == 200
    html = page.content.decode()
    assert url("plan_file", plan.pk) not in html and url("plan_edit", plan.pk) not in html
    assert client.get(url("plan_edit", plan.pk)).status_code == 302
    assert client.post(url("plan_edit", plan.pk), {"venue": "别处"}).status_code == 302
    assert client.get(url("plan_list")).context["may_create"] is False
    assert client.get(url("plan_create")).status_code == 403


def test_a_returned_plan_shows_the_reason_and_can_be_corrected(client, operator, item, department, start):
    from skillfund.training.actions.plans import class_plan_reject

    plan = make_class_plan(
        institution=operator.organization,
        department=department,
        catalog_item=item,
        start=start,
        approve=False,
        days=10,
        hours=(8, 20),
    )
    class_plan_file(class_plan=plan, actor=operator)
    class_plan_reject(
        class_plan=plan, actor=UserFactory(role=Role.DEPARTMENT_STAFF, organization=department), reason="场地证明缺失"
    )
    client.force_login(operator)
    html = client.get(url("plan_detail", plan.pk)).content.decode()
    assert "场地证明缺失" in html and url("plan_edit", plan.pk) in html and url("plan_file", plan.pk) in html


def test_plan_form_errors_are_at_the_field_in_the_users_language(client, operator, item, department, start):
    client.force_login(operator)
    bad = plan_data(item, department, start, end_date=(start - timedelta(days=1)).isoformat(), capacity="abc")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the English switch
    response = client.post(url("plan_create"), bad)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "The class ends before it starts." in errors["end_date"]
    assert "capacity" in errors
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    for over in (
        {"capacity": "99999999999999999999"},
        {"fee": "1e400"},
        {"catalog_item": "999999999999999999999"},
        {"start_date": "2026-02-30"},
        {"region": "abcdef"},
        {"department": "x"},
    ):
        response = client.post(url("plan_create"), plan_data(item, department, start, **over))
        assert response.status_code == 200 and response.context["form"].errors, over
    # An item the institution is not approved for is not offered (§4.4.c).
    other_item = make_catalog_item(year=start.year, code="welder-5")
    response = client.post(url("plan_create"), plan_data(other_item, department, start))
    assert "catalog_item" in response.context["form"].errors
    # Chinese by default: the action's refusal at its field (a code already used).
    make_class_plan(institution=operator.organization, catalog_item=item, start=start, approve=False, code="HX-001")
    response = client.post(url("plan_create"), plan_data(item, department, start))
    assert "班级编号已被使用" in response.context["form"].errors["code"]
    assert not ClassPlan.objects.filter(venue="东胜区培训楼 201", code="HX-002").exists()


def test_schedule_form_refuses_bad_input_without_writing(client, operator, item, department, start):
    plan = make_class_plan(
        institution=operator.organization, department=department, catalog_item=item, start=start, approve=False, days=1
    )
    client.force_login(operator)
    before = plan.sessions.count()
    for over in (
        {"weekdays": []},
        {"end": "08:00"},
        {"hours_per_session": "5"},  # more than the 3-hour slot
        {"total_hours": "-3"},
        {"total_hours": "abc"},
        {"first_day": (start - timedelta(days=1)).isoformat(), "adjust_end": ""},  # before the class starts
    ):
        response = client.post(url("plan_schedule", plan.pk), {**schedule_data(start, **over), "save": "1"})
        assert response.status_code == 200, over
        form = response.context["form"]
        assert form.errors, over
    assert plan.sessions.count() == before


def test_the_annex_task_list_offers_the_programmes_tasks(operator, item, department):
    programme = bare_programme()
    task = AnnexTask.objects.create(
        programme=programme,
        unit=department,
        number="1.1",
        code="urban",
        training="城镇就业技能培训",
        annual_target=100,
        clause="Annex.1",
    )
    form = PlanForm(user=operator, institution=operator.organization)
    assert task in form.fields["annex_task"].queryset
    assert list(form.fields["catalog_item"].queryset) == [item]


def test_the_generator_skips_public_holidays():
    # 2026 National Day: 1–7 October.
    generated = schedule.generate(
        first_day=date(2026, 9, 28),
        weekdays={0, 1, 2, 3, 4},
        start=time(9),
        end=time(12),
        hours_per_session=Decimal(3),
        total_hours=Decimal(30),
        tz=SHANGHAI,
    )
    days = [s.starts_at.date() for s in generated.sessions]
    assert len(days) == 10 and not any(date(2026, 10, 1) <= d <= date(2026, 10, 7) for d in days)
    assert date(2026, 10, 1) in generated.skipped_holidays
    # The last session takes what is left: 31 hours = 10 × 3 + 1.
    odd = schedule.generate(
        first_day=date(2026, 9, 7),
        weekdays={5},
        start=time(9),
        end=time(12),
        hours_per_session=Decimal(3),
        total_hours=Decimal(31),
        tz=SHANGHAI,
    )
    assert [s.hours for s in odd.sessions][-2:] == [Decimal(3), Decimal(1)] and odd.hours == 31


def test_plan_list_is_own_institution_with_filters_counts_and_pinned_queries(
    client, operator, item, department, start, django_assert_max_num_queries
):
    plans = [
        make_class_plan(
            institution=operator.organization, department=department, catalog_item=item, start=start, **FULL
        )
        for _ in range(3)
    ]
    for _ in range(2):
        enrolment_create(class_plan=plans[0], person=make_person(organization=operator.organization), actor=None)
    make_class_plan(institution=operator.organization, catalog_item=item, start=start, approve=False)
    make_class_plan(start=start, code="OTHER-1", **FULL)  # another institution's
    client.force_login(operator)
    with django_assert_max_num_queries(12) as few:
        response = client.get(url("plan_list"))
    assert response.context["total"] == 4 and "OTHER-1" not in response.content.decode()
    shown = {p.pk: p for p in response.context["page"].object_list}
    assert (shown[plans[0].pk].session_count, shown[plans[0].pk].hours, shown[plans[0].pk].enrolled) == (10, 120, 2)
    for _ in range(12):
        make_class_plan(
            institution=operator.organization, department=department, catalog_item=item, start=start, **FULL
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url("plan_list"))
    assert response.context["total"] == 16
    counts = {value: n for value, _label, n in response.context["statuses"]}
    assert counts["approved"] == 15 and counts["draft"] == 1
    drafts = client.get(url("plan_list"), {"status": "draft", "year": str(start.year)})
    assert [p.status for p in drafts.context["page"].object_list] == ["draft"]
    assert client.get(url("plan_list"), {"status": "nope", "year": "x", "page": "zz"}).status_code == 200


def test_a_session_is_added_by_hand_and_an_overlap_is_refused_at_the_field(client, operator, item, department, start):
    plan = make_class_plan(
        institution=operator.organization, department=department, catalog_item=item, start=start, approve=False, days=1
    )
    client.force_login(operator)
    day = (start + timedelta(days=1)).isoformat()
    plan.end_date = start + timedelta(days=3)
    plan.save(update_fields=["end_date"])
    data = {"day": day, "start": "14:00", "end": "17:00", "hours": "3", "topic": "实操", "teacher": ""}
    assert client.post(url("session_add", plan.pk), data).status_code == 302
    assert plan.sessions.count() == 2
    response = client.post(url("session_add", plan.pk), {**data, "start": "15:00", "end": "16:00", "hours": "1"})
    assert response.status_code == 200 and "start" in response.context["form"].errors
    assert "时间重叠" in response.context["form"].errors["start"][0]
    assert plan.sessions.count() == 2


def test_the_generator_refuses_dates_that_run_out_of_range():
    with pytest.raises(DomainError) as exc:
        schedule.generate(
            first_day=date(9999, 12, 1),
            weekdays={6},
            start=time(9),
            end=time(12),
            hours_per_session=Decimal(3),
            total_hours=Decimal(300),
            tz=SHANGHAI,
        )
    assert exc.value.field == "first_day"
