"""The review chain's back office (§4.3.d): each role sees the steps the table allows it now, a step
page calls the action (refusals shown, nothing changed), scope answers 404, HR publishes a notice."""

from __future__ import annotations

import pytest
from django.urls import reverse

from skillfund.accounts.models import Role
from skillfund.claims.models import Application, ApplicationEvent
from skillfund.claims.review import application_create, application_step
from skillfund.claims.selectors import steps_available
from skillfund.claims.workflow import Status
from skillfund.notices.models import Notice
from tests.factories import DepartmentFactory, OrganizationFactory, UserFactory
from tests.test_review_chain import _claim

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_settings(settings):
    settings.SKILLFUND_REQUIRE_2FA = False
    settings.LANGUAGE_CODE = "zh-hans"


@pytest.fixture
def world():
    department, institution = DepartmentFactory(short_name="市退役军人事务局"), OrganizationFactory()
    DepartmentFactory(name="鄂尔多斯市人力资源和社会保障局", short_name="市人社局", unit_code="hrss")
    people = {
        "institution": UserFactory(role=Role.INSTITUTION_OPERATOR, organization=institution),
        "department": UserFactory(role=Role.DEPARTMENT_STAFF, organization=department),
        "other_department": UserFactory(role=Role.DEPARTMENT_STAFF, organization=DepartmentFactory()),
        "hr": UserFactory(role=Role.HR_STAFF),
        "finance": UserFactory(role=Role.FINANCE_OFFICER),
        "auditor": UserFactory(role=Role.AUDITOR),
    }
    application = application_create(
        kind=Application.Kind.PROJECT,
        department=department,
        applicant=institution,
        claims=[_claim(), _claim()],
        actor=people["institution"],
    )
    application = application_step(application=application, step="submit", actor=people["institution"])
    return application, people


def page(client, user, application):
    client.force_login(user)
    return client.get(reverse("admin:claims_application_change", args=[application.pk]))


def step_url(application, step):
    return reverse("admin:claims_application_step", args=[application.pk, step])


def buttons(response) -> set[str]:
    import re

    return set(re.findall(r'href="/admin/claims/application/\d+/(?:step/)?([a-z]+)/"', response.content.decode()))


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("department", {"verify", "return", "reject"}),
        ("hr", {"return", "reject"}),  # HR checks after the department, never before
        ("finance", set()),
        ("institution", set()),
        ("auditor", set()),
    ],
)
def test_each_role_sees_only_the_steps_the_table_allows_it_now(client, world, who, expected):
    application, people = world
    response = page(client, people[who], application)
    assert response.status_code == 200
    assert buttons(response) == expected
    assert {s.name for s in steps_available(application, people[who])} == expected


def test_after_verification_hr_sees_check_and_the_verifier_nothing(client, world):
    application, people = world
    application_step(application=application, step="verify", actor=people["department"], reason="ok")
    assert buttons(page(client, people["hr"], application)) == {"check", "return", "reject"}
    assert buttons(page(client, people["department"], application)) == {"return", "reject"}


def test_a_step_through_the_page_moves_the_application_and_writes_an_event(client, world):
    application, people = world
    client.force_login(people["department"])
    response = client.post(step_url(application, "verify"), {"reason": "签到表与证书核对无误"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Status.VERIFIED
    event = application.events.order_by("id").last()
    assert (event.step, event.actor, event.reason) == ("verify", people["department"], "签到表与证书核对无误")


def test_a_refused_step_shows_the_error_and_changes_nothing(client, world):
    application, people = world
    client.force_login(people["finance"])
    response = client.post(step_url(application, "pay"), {"reason": ""})
    assert response.status_code == 400
    text = response.content.decode()
    assert "不能财政核拨" in text and "cannot take the step" in text  # Chinese and English
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED and application.events.count() == 1


def test_a_reason_is_required_where_the_table_says_so(client, world):
    application, people = world
    client.force_login(people["department"])
    response = client.post(step_url(application, "return"), {"reason": ""})
    assert response.status_code == 400
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    response = client.post(step_url(application, "return"), {"reason": "缺少签到表"})
    application.refresh_from_db()
    assert response.status_code == 302 and application.status == Status.RETURNED


def test_an_application_outside_the_scope_is_not_found(client, world):
    application, people = world
    client.force_login(people["other_department"])
    assert client.get(reverse("admin:claims_application_change", args=[application.pk])).status_code == 404
    assert client.post(step_url(application, "verify"), {"reason": "x"}).status_code == 404
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED


def test_the_default_list_is_my_work(client, world):
    application, people = world
    url = reverse("admin:claims_application_changelist")
    client.force_login(people["department"])
    assert application.reference in client.get(url).content.decode()
    client.force_login(people["hr"])
    assert application.reference not in client.get(url).content.decode()  # nothing for HR yet
    assert application.reference in client.get(url + "?work=all").content.decode()


def test_an_applicant_sees_its_own_applications_under_review_by_default(client, world):
    """Issue 10: the default filter hid an operator's own submitted application ("0 of 1")."""
    application, people = world
    client.force_login(people["institution"])
    html = client.get(reverse("admin:claims_application_changelist")).content.decode()
    assert application.reference in html


def test_hr_publishes_a_notice_with_the_list_action_and_approval_waits_for_it(client, world):
    application, people = world
    application_step(application=application, step="verify", actor=people["department"], reason="ok")
    application_step(application=application, step="check", actor=people["hr"], reason="ok")
    client.force_login(people["hr"])
    url = reverse("admin:claims_application_changelist")
    chosen = {"action": "publish_notice", "_selected_action": [application.pk]}
    form = client.post(url + "?work=all", {**chosen, "index": 0})
    assert form.status_code == 200 and "公示" in form.content.decode()
    done = client.post(
        url + "?work=all", {**chosen, "title": "2020年第一批项目制培训补贴公示", "contact": "0477-1234567"}
    )
    assert done.status_code == 302
    notice = Notice.objects.get()
    application.refresh_from_db()
    assert application.status == Status.IN_NOTICE and notice.entries.filter(application=application).count() == 2
    # The table allows another HR officer (not the publisher) to approve from the notice; the action
    # refuses it while the notice is open.
    client.force_login(UserFactory(role=Role.HR_STAFF))
    response = client.post(step_url(application, "approve"), {"reason": ""})
    assert response.status_code == 400 and "公示期满后才能批准" in response.content.decode()
    application.refresh_from_db()
    assert application.status == Status.IN_NOTICE
    assert not ApplicationEvent.objects.filter(application=application, step="approve").exists()


def test_only_hr_has_the_publish_action(client, world):
    _application, people = world
    client.force_login(people["department"])
    response = client.get(reverse("admin:claims_application_changelist") + "?work=all")
    assert "publish_notice" not in response.content.decode()
