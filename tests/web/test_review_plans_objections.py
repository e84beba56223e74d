"""Class plans filed with a department (approve, or return with a reason, §4.3.d) and objections to
public notices (receipt numbers, groups, the HR bureau's decision with the department's opinion)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from skillfund.claims.review import application_step
from skillfund.claims.workflow import Status
from skillfund.core.errors import DomainError
from skillfund.notices.actions import notice_publish, objection_decide, objection_file
from skillfund.notices.models import ObjectionDecision
from skillfund.training.actions.plans import class_plan_file, class_plan_reject
from skillfund.training.models import ClassPlan
from tests.factories import make_class_plan
from tests.web.review_helpers import make_world, submitted

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    return make_world()


PLANS = reverse("web:review:plans")
OBJECTIONS = reverse("web:review:objections")


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.SKILLFUND_REQUIRE_2FA = False
    settings.LANGUAGE_CODE = "zh-hans"


@pytest.fixture
def filed(world):
    department, _i, _p = world
    plan = make_class_plan(department=department, start=timezone.localdate() + timedelta(days=20), approve=False)
    class_plan_file(class_plan=plan, actor=None, now=timezone.now() - timedelta(days=3))
    plan.refresh_from_db()
    return plan


def test_the_department_queue_lists_filed_plans_with_their_age(client, world, filed):
    _d, _i, people = world
    client.force_login(people["department"])
    response = client.get(PLANS)
    assert response.status_code == 200
    page = response.context["page"]
    assert [p.pk for p in page] == [filed.pk] and page[0].age_days == 3 and page[0].starts_in == 20
    assert dict((k, n) for k, _l, n in response.context["queues"])["filed"] == 1
    client.force_login(people["other_department"])
    assert client.get(PLANS).context["page"].paginator.count == 0
    assert client.get(reverse("web:review:plan", args=[filed.pk])).status_code == 404


def test_the_department_approves_a_filed_plan(client, world, filed):
    _d, _i, people = world
    client.force_login(people["department"])
    url = reverse("web:review:plan", args=[filed.pk])
    assert client.get(url).context["may_decide"] is True
    response = client.post(url, {"decision": "approve", "reason": ""})
    assert response.status_code == 302
    filed.refresh_from_db()
    assert filed.status == ClassPlan.Status.APPROVED and filed.approved_by == people["department"]


def test_returning_a_plan_needs_a_reason_at_the_field_and_in_the_action(client, world, filed):
    _d, _i, people = world
    client.force_login(people["department"])
    url = reverse("web:review:plan", args=[filed.pk])
    response = client.post(url, {"decision": "return", "reason": " "})
    assert response.status_code == 400 and response.context["form"].errors["reason"]
    filed.refresh_from_db()
    assert filed.status == ClassPlan.Status.FILED
    with pytest.raises(DomainError) as refused:
        class_plan_reject(class_plan=filed, actor=people["department"], reason="")
    assert refused.value.code == "reason_required"
    response = client.post(url, {"decision": "return", "reason": "课时安排与大纲不符"})
    assert response.status_code == 302
    filed.refresh_from_db()
    assert filed.status == ClassPlan.Status.REJECTED and filed.rejection_reason == "课时安排与大纲不符"


def test_a_plan_decision_is_refused_to_those_the_action_refuses(client, world, filed):
    _d, _i, people = world
    client.force_login(people["auditor"])
    url = reverse("web:review:plan", args=[filed.pk])
    assert client.get(url).context["may_decide"] is False
    response = client.post(url, {"decision": "approve"})
    assert response.status_code == 400
    filed.refresh_from_db()
    assert filed.status == ClassPlan.Status.FILED
    client.force_login(people["department"])
    assert client.post(url, {"decision": "bogus"}).status_code == 400


# ---- objections ---------------------------------------------------------------------------------


@pytest.fixture
def objected(world):
    """An application in an open notice with two objections from one source (one group)."""
    cache.clear()  # the objection rate limits count per source across tests
    _d, _i, people = world
    (application,) = submitted(world)
    application_step(application=application, step="verify", actor=people["department"], reason="ok")
    application_step(application=application, step="check", actor=people["hr"], reason="ok")
    today = timezone.localdate()
    notice = notice_publish(applications=[application], actor=people["hr"], title="公示", contact="0477", on=today)
    when = timezone.make_aware(timezone.datetime.combine(notice.opens_on, timezone.datetime.min.time())) + timedelta(
        hours=10
    )
    first = objection_file(notice=notice, application=application, text="此人未参加培训", source="src-1", now=when)
    second = objection_file(notice=notice, application=application, text="再次反映", source="src-1", now=when)
    return application, notice, first, second


def test_objections_are_listed_by_group_with_their_receipts(client, world, objected):
    _d, _i, people = world
    _application, _notice, first, second = objected
    client.force_login(people["hr"])
    response = client.get(OBJECTIONS)
    assert response.status_code == 200
    text = response.content.decode()
    assert first.receipt in text and second.receipt in text
    assert {o.group_size for o in response.context["page"]} == {2}
    assert dict((k, n) for k, _l, n in response.context["queues"])["undecided"] == 2
    client.force_login(people["other_department"])
    assert client.get(OBJECTIONS).context["page"].paginator.count == 0
    assert client.get(reverse("web:review:objection", args=[first.pk])).status_code == 404


def test_hr_decides_the_group_with_the_departments_opinion(client, world, objected):
    _d, _i, people = world
    application, _notice, first, _second = objected
    client.force_login(people["hr"])
    url = reverse("web:review:objection", args=[first.pk])
    missing = client.post(url, {"upheld": "1", "department_opinion": "", "reason": ""})
    assert missing.status_code == 400
    assert {"department_opinion", "reason"} <= set(missing.context["form"].errors)
    done = client.post(url, {"upheld": "1", "department_opinion": "经核查属实", "reason": "该学员未参加培训"})
    assert done.status_code == 302
    decision = ObjectionDecision.objects.get()
    assert decision.upheld and decision.reopened
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED  # back to the department
    shown = client.get(url)
    assert "该学员未参加培训" in shown.content.decode() and shown.context["may_decide"] is False


def test_a_department_reads_the_objection_but_the_action_refuses_its_decision(client, world, objected):
    _d, _i, people = world
    _application, _notice, first, _second = objected
    client.force_login(people["department"])
    url = reverse("web:review:objection", args=[first.pk])
    response = client.get(url)
    assert response.status_code == 200 and response.context["may_decide"] is False
    posted = client.post(url, {"upheld": "0", "department_opinion": "x", "reason": "y"})
    assert posted.status_code == 400
    assert not ObjectionDecision.objects.exists()
    with pytest.raises(DomainError) as refused:
        objection_decide(objection=first, actor=people["department"], upheld=False, reason="y", department_opinion="x")
    assert refused.value.code == "role_not_allowed"


@pytest.mark.parametrize("rows", [1, 5])
def test_plan_and_objection_lists_read_a_constant_number_of_queries(client, world, django_assert_max_num_queries, rows):
    department, _i, people = world
    cache.clear()
    for _n in range(rows):
        plan = make_class_plan(department=department, start=timezone.localdate() + timedelta(days=20), approve=False)
        class_plan_file(class_plan=plan, actor=None)
    client.force_login(people["hr"])
    for url in (PLANS, OBJECTIONS):
        client.get(url)
        with django_assert_max_num_queries(8):
            assert client.get(url).status_code == 200
    assert client.get(PLANS).context["page"].paginator.count == rows


def test_the_plan_queue_filters_by_district_and_start_date(client, world, filed):
    _d, _i, people = world
    client.force_login(people["department"])
    assert client.get(PLANS, {"district": filed.region}).context["page"].paginator.count == 1
    start = filed.start_date
    assert client.get(PLANS, {"since": start + timedelta(days=1)}).context["page"].paginator.count == 0
    response = client.get(PLANS, {"since": "yesterday", "district": "<b>"})
    assert response.status_code == 200 and {"since", "district"} <= set(response.context["form"].errors)
    assert response.context["page"].paginator.count == 1
