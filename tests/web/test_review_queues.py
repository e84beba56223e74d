"""The review work queues (§4.3.d): each role sees the applications waiting for its steps, with
counts, the days each has waited and filters; bulk steps go through a confirmation page and the
existing bulk actions; query counts do not grow with the rows."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from skillfund.claims.models import Application, ApplicationEvent, Grant
from skillfund.claims.review import StepRefused, application_step
from skillfund.claims.workflow import Status
from skillfund.notices.actions import notice_publish
from tests.web.review_helpers import make_world, submitted

pytestmark = pytest.mark.django_db
QUEUE = reverse("web:review:queue")


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.SKILLFUND_REQUIRE_2FA = False
    settings.LANGUAGE_CODE = "zh-hans"


@pytest.fixture
def world(db):
    return make_world()


def test_department_queue_lists_what_waits_for_verification_with_count_and_age(client, world):
    _d, _i, people = world
    (application,) = submitted(world)
    four_days_ago = timezone.now() - timedelta(days=4)  # the step's time, and the application's stored copy
    ApplicationEvent.objects.filter(application=application).update(at=four_days_ago)
    Application.objects.filter(pk=application.pk).update(status_since=four_days_ago)
    client.force_login(people["department"])
    response = client.get(QUEUE)
    assert response.status_code == 200
    page = response.context["page"]
    assert [a.pk for a in page] == [application.pk]
    assert page[0].age_days == 4
    counts = {key: count for key, _label, count in response.context["queues"]}
    assert counts["verify"] == 1
    text = response.content.decode()
    assert application.reference in text and "市退役军人事务局" in text


def test_another_department_sees_nothing_of_it(client, world):
    _d, _i, people = world
    (application,) = submitted(world)
    client.force_login(people["other_department"])
    response = client.get(QUEUE + "?queue=all")
    assert application.reference not in response.content.decode()
    assert response.context["page"].paginator.count == 0


def test_hr_queues_follow_the_chain(client, world):
    _d, _i, people = world
    first, second = submitted(world, 2)
    application_step(application=first, step="verify", actor=people["department"], reason="ok")
    client.force_login(people["hr"])
    response = client.get(QUEUE + "?queue=check")
    counts = {key: count for key, _label, count in response.context["queues"]}
    assert counts["check"] == 1 and counts["publish"] == 0 and counts["approve"] == 0
    assert [a.pk for a in response.context["page"]] == [first.pk]
    assert second.reference not in response.content.decode()


def test_the_auditor_reads_every_application_and_has_no_bulk_step(client, world):
    _d, _i, people = world
    submitted(world, 2)
    client.force_login(people["auditor"])
    response = client.get(QUEUE)
    assert response.status_code == 200
    assert response.context["current"] == "all" and response.context["bulk_step"] == ""
    assert response.context["page"].paginator.count == 2
    assert 'name="ids"' not in response.content.decode()


def test_roles_outside_the_review_are_refused(client, world):
    _d, _i, people = world
    for who in ("institution", "finance"):
        client.force_login(people[who])
        assert client.get(QUEUE).status_code == 403


def test_filters_narrow_the_list_and_bad_values_are_said_at_the_field(client, world):
    _d, _i, people = world
    submitted(world, 2)
    client.force_login(people["hr"])
    response = client.get(QUEUE, {"queue": "all", "kind": "individual"})
    assert response.context["page"].paginator.count == 0
    response = client.get(QUEUE, {"queue": "all", "kind": "project", "status": "submitted"})
    assert response.context["page"].paginator.count == 2
    response = client.get(QUEUE, {"queue": "all", "since": "2020-13-45", "kind": "nonsense", "page": "x"})
    assert response.status_code == 200
    form = response.context["form"]
    assert "since" in form.errors and "kind" in form.errors
    assert response.context["page"].paginator.count == 2  # a wrong value filters nothing
    today = timezone.localdate()
    assert client.get(QUEUE, {"queue": "all", "since": today, "until": today}).context["page"].paginator.count == 2
    assert client.get(QUEUE, {"queue": "all", "until": today - timedelta(days=1)}).context["page"].paginator.count == 0
    response = client.get(QUEUE, {"queue": "all", "since": "2030-01-02", "until": "2030-01-01"})
    assert "until" in response.context["form"].errors
    response = client.get(QUEUE, {"queue": "all", "department": "99999999999999999999", "district": "x" * 500})
    assert response.status_code == 200


def test_bulk_verify_confirms_then_moves_all_chosen(client, world):
    _d, _i, people = world
    applications = submitted(world, 3)
    ids = [a.pk for a in applications]
    client.force_login(people["department"])
    url = reverse("web:review:bulk", args=["verify"])
    confirm = client.post(url, {"ids": ids})
    assert confirm.status_code == 200
    assert Application.objects.filter(pk__in=ids, status=Status.SUBMITTED).count() == 3  # nothing yet
    done = client.post(url, {"ids": ids, "confirm": "1", "reason": "材料核对无误"})
    assert done.status_code == 302
    assert Application.objects.filter(pk__in=ids, status=Status.VERIFIED).count() == 3
    assert set(ApplicationEvent.objects.filter(step="verify").values_list("reason", flat=True)) == {"材料核对无误"}


def test_bulk_names_what_the_action_would_refuse_and_takes_nothing(client, world):
    _d, _i, people = world
    first, second = submitted(world, 2)
    application_step(application=first, step="verify", actor=people["department"], reason="ok")
    client.force_login(people["hr"])
    url = reverse("web:review:bulk", args=["check"])
    response = client.post(url, {"ids": [first.pk, second.pk], "confirm": "1"})
    assert response.status_code == 200
    assert "不能人社部门复核" in response.content.decode()  # second is not verified yet
    first.refresh_from_db()
    assert first.status == Status.VERIFIED  # all or nothing


def test_bulk_ignores_ids_outside_the_scope_and_junk(client, world):
    _d, _i, people = world
    (application,) = submitted(world)
    client.force_login(people["other_department"])
    url = reverse("web:review:bulk", args=["verify"])
    response = client.post(url, {"ids": [application.pk, "abc", "-1", "9" * 40], "confirm": "1"})
    assert response.status_code == 302  # nothing chosen in scope: back to the queue
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    assert client.post(reverse("web:review:bulk", args=["pay"]), {"ids": [application.pk]}).status_code == 404


def test_bulk_publish_asks_title_and_contact_then_publishes(client, world):
    _d, _i, people = world
    applications = submitted(world, 2)
    for application in applications:
        application_step(application=application, step="verify", actor=people["department"], reason="ok")
        application_step(application=application, step="check", actor=people["hr"], reason="ok")
    client.force_login(people["hr"])
    url = reverse("web:review:bulk", args=["publish"])
    ids = [a.pk for a in applications]
    empty = client.post(url, {"ids": ids, "confirm": "1", "title": "", "contact": ""})
    assert empty.status_code == 400 and "title" in empty.context["form"].errors
    done = client.post(url, {"ids": ids, "confirm": "1", "title": "2020年第一批公示", "contact": "0477-1234567"})
    assert done.status_code == 302
    assert Application.objects.filter(pk__in=ids, status=Status.IN_NOTICE).count() == 2


@pytest.mark.parametrize("rows", [1, 6])
def test_queue_query_count_does_not_grow_with_the_rows(client, world, django_assert_max_num_queries, rows):
    _d, _i, people = world
    submitted(world, rows)
    client.force_login(people["department"])
    client.get(QUEUE)  # warm the session and content types
    with django_assert_max_num_queries(12):
        response = client.get(QUEUE)
    assert response.context["page"].paginator.count == rows
    client.force_login(people["hr"])
    client.get(QUEUE + "?queue=all")
    with django_assert_max_num_queries(14):
        client.get(QUEUE + "?queue=all")


def test_what_segregation_of_duties_bars_is_not_in_the_users_queue(client, world):
    _d, _i, people = world
    (application,) = submitted(world)
    application_step(application=application, step="verify", actor=people["department"], reason="ok")
    application_step(application=application, step="check", actor=people["hr"], reason="ok")
    notice_publish(applications=[application], actor=people["hr"], title="公示", contact="0477", on=date(2020, 9, 30))
    client.force_login(people["hr"])  # checked and published it: may not approve
    assert client.get(QUEUE + "?queue=approve").context["page"].paginator.count == 0
    client.force_login(people["hr_approver"])
    assert [a.pk for a in client.get(QUEUE + "?queue=approve").context["page"]] == [application.pk]


def test_bulk_approve_grants_every_chosen_application_past_its_notice(client, world):
    _d, _i, people = world
    applications = submitted(world, 2)
    for application in applications:
        application_step(application=application, step="verify", actor=people["department"], reason="ok")
        application_step(application=application, step="check", actor=people["hr"], reason="ok")
    notice_publish(applications=applications, actor=people["hr"], title="公示", contact="0477", on=date(2020, 9, 30))
    client.force_login(people["hr_approver"])
    ids = [a.pk for a in applications]
    done = client.post(reverse("web:review:bulk", args=["approve"]), {"ids": ids, "confirm": "1"})
    assert done.status_code == 302
    assert Application.objects.filter(pk__in=ids, status=Status.APPROVED).count() == 2
    assert Grant.objects.filter(claim__application_id__in=ids).count() == 2  # §3.3.b quota consumed


def test_the_auditor_changes_nothing(client, world):
    _d, _i, people = world
    (application,) = submitted(world)
    client.force_login(people["auditor"])
    assert client.post(reverse("web:review:step", args=[application.pk, "verify"]), {"reason": "x"}).status_code == 400
    response = client.post(reverse("web:review:bulk", args=["verify"]), {"ids": [application.pk], "confirm": "1"})
    assert response.status_code == 200 and response.context["refused"] == 1
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    with pytest.raises(StepRefused):
        application_step(application=application, step="verify", actor=people["auditor"], reason="x")
