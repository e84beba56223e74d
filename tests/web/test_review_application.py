"""One application under review (§4.3.d): every check with its clause linked to the policy page,
the person's history and §3.3.b quota beside it, the materials beside it (images inline), only the
steps the table allows; returning needs a reason at the field and in the action; scope is 404."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from skillfund.claims.models import ApplicationEvent, Grant, QuotaTally
from skillfund.claims.review import StepRefused, application_step
from skillfund.claims.workflow import Status
from skillfund.materials.actions import material_upload
from skillfund.notices.actions import notice_publish
from skillfund.web.clauses import clause_url
from tests.test_materials import png_bytes, upload
from tests.web.review_helpers import make_world, submitted

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    return make_world()


@pytest.fixture(autouse=True)
def _settings(settings, tmp_path):
    settings.SKILLFUND_REQUIRE_2FA = False
    settings.LANGUAGE_CODE = "zh-hans"
    settings.MEDIA_ROOT = tmp_path / "media"


def page(client, user, application):
    client.force_login(user)
    return client.get(reverse("web:review:application", args=[application.pk]))


def step_url(application, step):
    return reverse("web:review:step", args=[application.pk, step])


def test_the_item_page_shows_each_check_with_its_clause_linked(client, world):
    _d, _i, people = world
    (application,) = submitted(world)
    response = page(client, people["department"], application)
    assert response.status_code == 200
    text = response.content.decode()
    line = response.context["lines"][0]
    assert line["decision"] is not None and line["checks"]
    assert any(c["clause"] == "§3.3.b" for c in line["checks"])
    assert f'href="{clause_url("§3.3.b")}"' in text  # every clause links to the policy text
    assert line["claim"].person.id_masked in text
    assert "电工 (6-31-01-03)" in text  # the occupation by name and code, not the bare code


def test_the_persons_history_and_remaining_quota_stand_beside_the_claim(client, world):
    _d, _i, people = world
    (application,) = submitted(world)
    person = application.claims.get().person
    Grant.objects.create(
        person=person,
        origin=Grant.Origin.HISTORY,
        kind="individual",
        subject="4-01-02-01",
        level_key=5,
        year=2020,
        end_date=date(2020, 1, 20),
        amount=Decimal("800.00"),
        source_system="自治区系统",
        granted_at=timezone.now(),
    )
    QuotaTally.objects.create(person=person, year=2020, used=1, cap=3)
    response = page(client, people["hr"], application)
    history = response.context["lines"][0]["history"]
    assert (history.quota.year, history.quota.used, history.quota.cap, history.quota.left) == (2020, 1, 3, 2)
    assert history.grant_count == 1 and history.grants[0].source_system == "自治区系统"
    assert "800.00" in response.content.decode()


def test_a_department_sees_the_quota_count_but_not_another_units_records(client, world):
    """The yearly tally is a count across departments (the annual_cap check states it too); the
    grants behind it follow the department's scope: a person not on its roster shows none."""
    _d, _i, people = world
    (application,) = submitted(world)
    person = application.claims.get().person
    QuotaTally.objects.create(person=person, year=2020, used=2, cap=3)
    history = page(client, people["department"], application).context["lines"][0]["history"]
    assert (history.quota.used, history.quota.left) == (2, 1)
    assert history.grants == []


def test_the_department_is_offered_verify_and_the_side_steps_only(client, world):
    _d, _i, people = world
    (application,) = submitted(world)
    names = {s["name"] for s in page(client, people["department"], application).context["steps"]}
    assert names == {"verify", "return", "reject"}
    assert page(client, people["hr"], application).context["steps"] == [
        s for s in page(client, people["hr"], application).context["steps"] if s["side"]
    ]
    assert page(client, people["auditor"], application).context["steps"] == []


def test_another_departments_application_is_not_found(client, world):
    _d, _i, people = world
    (application,) = submitted(world)
    assert page(client, people["other_department"], application).status_code == 404
    client.force_login(people["other_department"])
    assert client.post(step_url(application, "verify"), {"reason": "x"}).status_code == 404
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    assert client.get(reverse("web:review:application", args=[987654])).status_code == 404


def test_returning_without_a_reason_is_an_error_at_the_field(client, world):
    _d, _i, people = world
    (application,) = submitted(world)
    client.force_login(people["department"])
    response = client.post(step_url(application, "return"), {"reason": "   "})
    assert response.status_code == 400
    assert response.context["form"].errors["reason"]
    assert response.context["failed_step"] == "return"
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    response = client.post(step_url(application, "return"), {"reason": "缺少签到表"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Status.RETURNED
    assert ApplicationEvent.objects.filter(application=application, step="return").get().reason == "缺少签到表"


def test_the_action_itself_refuses_a_return_without_a_reason(world):
    _d, _i, people = world
    (application,) = submitted(world)
    with pytest.raises(StepRefused) as refused:
        application_step(application=application, step="return", actor=people["department"], reason="  ")
    assert refused.value.code == "reason_required"


def test_a_department_posting_hrs_step_is_refused_by_the_action(client, world):
    _d, _i, people = world
    (application,) = submitted(world)
    application_step(application=application, step="verify", actor=people["department"], reason="ok")
    client.force_login(people["department"])
    response = client.post(step_url(application, "check"), {"reason": "ok"})
    assert response.status_code == 400
    assert "当前角色不能人社部门复核" in response.content.decode()
    application.refresh_from_db()
    assert application.status == Status.VERIFIED
    with pytest.raises(StepRefused) as refused:
        application_step(application=application, step="check", actor=people["department"], reason="ok")
    assert refused.value.code == "role_not_allowed"


def test_unknown_and_internal_steps_are_not_pages(client, world):
    _d, _i, people = world
    (application,) = submitted(world)
    client.force_login(people["hr"])
    for step in ("pay", "reopen", "nonsense"):
        assert client.post(step_url(application, step), {"reason": "x"}).status_code == 404
    assert client.get(step_url(application, "verify")).status_code == 405


def test_a_verified_step_through_the_page_moves_the_application(client, world):
    _d, _i, people = world
    (application,) = submitted(world)
    client.force_login(people["department"])
    response = client.post(step_url(application, "verify"), {"reason": ""})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Status.VERIFIED


def test_materials_stand_beside_the_application_and_images_show_inline(client, world):
    _d, _i, people = world
    (application,) = submitted(world)
    image = material_upload(
        file=upload("签到表.png", png_bytes()), linked_to=application, kind="attendance_record", actor=None
    )
    response = page(client, people["department"], application)
    assert [m.pk for m in response.context["materials"]] == [image.pk]
    text = response.content.decode()
    inline = reverse("web:review:material_image", args=[image.pk])
    assert inline in text and reverse("materials:download", args=[image.pk]) in text
    shown = client.get(inline)
    assert shown.status_code == 200 and shown["Content-Type"] == "image/png"
    assert "sandbox" in shown["Content-Security-Policy"] and shown["X-Content-Type-Options"] == "nosniff"
    client.force_login(people["other_department"])
    assert client.get(inline).status_code == 404


def test_the_item_page_reads_a_constant_number_of_queries(client, world, django_assert_max_num_queries):
    _d, _i, people = world
    small, big = submitted(world)[0], submitted(world, claims=6)[0]
    page(client, people["department"], small)
    page(client, people["department"], big)  # warm the session, content types and parameters
    counted = []
    for application in (small, big):
        with django_assert_max_num_queries(17) as queries:
            assert client.get(reverse("web:review:application", args=[application.pk])).status_code == 200
        counted.append(len(queries))
    assert counted[1] <= counted[0], counted


def test_in_english_the_page_speaks_english_and_refusals_too(client, world, settings):
    _d, _i, people = world
    (application,) = submitted(world)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = page(client, people["department"], application)
    text = response.content.decode()
    assert "Claim lines and the rules' decision" in text and "What you can do now" in text
    assert "verify authenticity (department)" in text  # the step by its English name
    assert "补贴明细及规则审核结果" not in text
    application_step(application=application, step="verify", actor=people["department"], reason="ok")
    refused = client.post(step_url(application, "check"), {"reason": "ok"})
    assert refused.status_code == 400 and "may not check completeness and procedure" in refused.content.decode()


def test_approval_is_offered_only_once_the_notice_has_closed(client, world):
    _d, _i, people = world
    (application,) = submitted(world)
    application_step(application=application, step="verify", actor=people["department"], reason="ok")
    application_step(application=application, step="check", actor=people["hr"], reason="ok")
    notice_publish(applications=[application], actor=people["hr"], title="公示", contact="0477")
    steps = {s["name"] for s in page(client, people["hr_approver"], application).context["steps"]}
    assert "approve" not in steps  # the notice is open: the action would refuse
    closed = submitted(world)[0]
    application_step(application=closed, step="verify", actor=people["department"], reason="ok")
    application_step(application=closed, step="check", actor=people["hr"], reason="ok")
    notice_publish(applications=[closed], actor=people["hr"], title="公示", contact="0477", on=date(2020, 9, 30))
    steps = {s["name"] for s in page(client, people["hr_approver"], closed).context["steps"]}
    assert "approve" in steps
    response = client.post(step_url(closed, "approve"), {"reason": ""})
    assert response.status_code == 302
    closed.refresh_from_db()
    assert closed.status == Status.APPROVED
