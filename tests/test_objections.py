"""Objections to a public notice (公示, §4.3.d) are decided by people: accepted only during the
notice period, each with a receipt number the objector can follow; an objection holds the
application's approval until the HR bureau, with the department, decides it with reasons; abuse is
limited (rate limits, an offline challenge, repeats grouped)."""

from __future__ import annotations

import re
import threading
from datetime import date, timedelta

import pytest
from django.db import connection, connections
from django.urls import reverse

from skillfund.claims.models import ApplicationEvent
from skillfund.claims.review import StepRefused, application_step
from skillfund.claims.workflow import Status
from skillfund.core.errors import DomainError
from skillfund.core.models import AuditRecord
from skillfund.notices.actions import objection_decide, objection_file
from skillfund.notices.limits import source_of
from skillfund.notices.models import Objection
from tests import test_notices
from tests.test_notices import at, challenge, publish

world = test_notices.world  # the same people, department and checked applications
_fresh_limits = test_notices._fresh_limits  # autouse: the rate limits start from nothing

ADDRESS = "203.0.113.7"


def written() -> tuple[int, int, int]:
    return Objection.objects.count(), ApplicationEvent.objects.count(), AuditRecord.objects.count()


def file(notice, application, text="此人未实际参训", *, on=date(2020, 10, 12), source="s1"):
    return objection_file(notice=notice, application=application, text=text, source=source, now=at(on))


# ---- the notice period -----------------------------------------------------------------------------


def test_an_objection_before_the_notice_opens_is_refused_and_nothing_is_written(world):
    application = world["checked"]()
    notice = publish(world, application)  # published 2020-09-30, opens 2020-10-09
    before = written()
    with pytest.raises(DomainError) as exc:
        file(notice, application, on=notice.opens_on - timedelta(days=1))
    assert exc.value.code == "notice_not_open"
    assert written() == before
    assert file(notice, application, on=notice.opens_on).receipt  # the first day is open


def test_an_objection_after_the_notice_closes_is_refused_and_nothing_is_written(world):
    application = world["checked"]()
    notice = publish(world, application)
    file(notice, application, on=notice.closes_on)  # the last day is still open
    before = written()
    with pytest.raises(DomainError) as exc:
        file(notice, application, on=notice.closes_on + timedelta(days=1), source="s2")
    assert exc.value.code == "notice_closed" and written() == before


# ---- an objection holds approval until people decide it --------------------------------------------------


def test_an_objection_holds_approval_until_dismissed_and_does_not_reopen_by_itself(world, monkeypatch):
    people = world["people"]
    application = world["checked"]()
    notice = publish(world, application)
    objection = file(notice, application)
    application.refresh_from_db()
    assert application.status == Status.IN_NOTICE  # not sent back by the objection itself
    monkeypatch.setattr("django.utils.timezone.now", lambda: at(notice.closes_on + timedelta(days=1)))
    with pytest.raises(StepRefused) as exc:
        application_step(application=application, step="approve", actor=people["hr2"])
    assert exc.value.code == "objection_undecided"
    objection_decide(
        objection=objection,
        actor=people["hr"],
        upheld=False,
        reason="经核查签到记录和证书，该学员实际参训",
        department_opinion="市应急管理局：核实属实参训",
    )
    assert application_step(application=application, step="approve", actor=people["hr2"]).status == Status.APPROVED


def test_an_upheld_objection_sends_the_application_back_to_the_department(world):
    people = world["people"]
    application = world["checked"]()
    notice = publish(world, application)
    objection = file(notice, application)
    objection_decide(
        objection=objection,
        actor=people["hr"],
        upheld=True,
        reason="该学员培训期间在外地务工",
        department_opinion="市应急管理局：同意重新审核",
    )
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    event = application.events.get(step="reopen")
    assert event.actor == people["hr"] and "该学员培训期间在外地务工" in event.reason
    assert AuditRecord.objects.filter(action="objection.decide").count() == 1
    with pytest.raises(DomainError) as exc:  # decided once
        objection_decide(objection=objection, actor=people["hr"], upheld=False, reason="x", department_opinion="y")
    assert exc.value.code == "objection_decided"


@pytest.mark.parametrize("who", ["department", "auditor", "finance", "institution"])
def test_only_the_hr_bureau_records_a_decision(world, who):
    application = world["checked"]()
    objection = file(publish(world, application), application)
    with pytest.raises(DomainError) as exc:
        objection_decide(
            objection=objection, actor=world["people"][who], upheld=True, reason="理由", department_opinion="意见"
        )
    assert exc.value.code == "role_not_allowed"


def test_a_decision_needs_a_reason_and_the_departments_opinion(world):
    application = world["checked"]()
    objection = file(publish(world, application), application)
    before = AuditRecord.objects.count()
    for reason, opinion in ((" ", "意见"), ("理由", "  ")):
        with pytest.raises(DomainError) as exc:
            objection_decide(
                objection=objection, actor=world["people"]["hr"], upheld=True, reason=reason, department_opinion=opinion
            )
        assert exc.value.code in ("reason_required", "department_opinion_required")
    application.refresh_from_db()
    assert application.status == Status.IN_NOTICE and AuditRecord.objects.count() == before


# ---- receipts and the public look-up ---------------------------------------------------------------


def test_the_objector_gets_a_receipt_and_follows_the_outcome_by_it(client, world, monkeypatch):
    application = world["checked"](world["zhang"])
    notice = publish(world, application)
    monkeypatch.setattr("django.utils.timezone.now", lambda: at(date(2020, 10, 12)))
    url = reverse("notices:detail", args=[notice.reference])
    data = {"entry": notice.entries.get().pk, "text": "未参加培训", **challenge()}
    response = client.post(url, data, REMOTE_ADDR=ADDRESS, follow=True)
    objection = Objection.objects.get()
    assert len(objection.receipt) >= 12 and objection.receipt.startswith("20-")
    assert objection.receipt in response.content.decode()
    lookup = reverse("notices:objection_lookup")
    page = client.get(lookup, {"receipt": objection.receipt}).content.decode()
    assert "张*丰" in page and "张三丰" not in page and "未参加培训" not in page
    objection_decide(
        objection=objection,
        actor=world["people"]["hr"],
        upheld=False,
        reason="经核查该学员实际参训",
        department_opinion="部门内部意见",
    )
    page = client.get(lookup, {"receipt": objection.receipt}).content.decode()
    assert "经核查该学员实际参训" in page
    assert client.get(lookup, {"receipt": "20-NOPE-NOPE"}).status_code == 404


# ---- abuse -------------------------------------------------------------------------------------------


def test_thirty_rapid_posts_from_one_address_are_limited(client, world, monkeypatch):
    application = world["checked"]()
    notice = publish(world, application)
    monkeypatch.setattr("django.utils.timezone.now", lambda: at(date(2020, 10, 12)))
    url = reverse("notices:detail", args=[notice.reference])
    entry = notice.entries.get().pk
    statuses = [
        client.post(url, {"entry": entry, "text": f"异议{n}", **challenge()}, REMOTE_ADDR=ADDRESS).status_code
        for n in range(30)
    ]
    assert statuses.count(429) >= 25 and Objection.objects.count() <= 5
    # one group (one source), and only a keyed hash of the address is kept
    assert {(o.group_id, o.source_hash) for o in Objection.objects.all()} == {
        (Objection.objects.first().group_id, source_of(ADDRESS))
    }
    assert ADDRESS not in source_of(ADDRESS)
    application.refresh_from_db()
    assert application.status == Status.IN_NOTICE
    # another address is not limited by the first one's posts
    other = client.post(url, {"entry": entry, "text": "另一人", **challenge()}, REMOTE_ADDR="198.51.100.1")
    assert other.status_code == 302


def test_a_wrong_challenge_answer_is_refused_and_nothing_is_written(client, world, monkeypatch):
    notice = publish(world, world["checked"]())
    monkeypatch.setattr("django.utils.timezone.now", lambda: at(date(2020, 10, 12)))
    before = written()
    response = client.post(
        reverse("notices:detail", args=[notice.reference]),
        {"entry": notice.entries.get().pk, "text": "异议", **challenge("wrong")},
        REMOTE_ADDR=ADDRESS,
    )
    assert response.status_code == 400 and written() == before


def test_repeats_from_one_address_or_of_one_text_are_one_group_decided_once(world):
    application = world["checked"]()
    notice = publish(world, application)
    first = file(notice, application, "此人未实际参训", source="a")
    again = file(notice, application, "此人 未实际参训！", source="b")  # similar text, other address
    same_address = file(notice, application, "另外一条理由", source="a")
    other = file(notice, application, "完全不同的异议", source="c")
    assert first.group_id == again.group_id == same_address.group_id != other.group_id
    assert len({first.receipt, again.receipt, same_address.receipt}) == 3
    objection_decide(
        objection=again, actor=world["people"]["hr"], upheld=False, reason="核实无误", department_opinion="同意"
    )
    first.refresh_from_db()
    assert first.group.decision.upheld is False


# ---- the back office -----------------------------------------------------------------------------


def test_hr_decides_an_objection_on_its_back_office_page_and_a_department_cannot(client, world, settings):
    settings.SKILLFUND_REQUIRE_2FA = False
    people = world["people"]
    application = world["checked"]()
    objection = file(publish(world, application), application)
    url = reverse("admin:notices_objection_decide", args=[objection.pk])
    data = {"upheld": "1", "department_opinion": "市应急管理局：同意重新核查", "reason": "培训期间在外地务工"}
    client.force_login(people["department"])
    assert client.get(reverse("admin:notices_objection_changelist") + "?outcome=undecided").status_code == 200
    assert client.post(url, data).status_code == 400  # the action refuses: only the HR bureau records it
    client.force_login(people["hr"])
    listing = client.get(reverse("admin:notices_objection_changelist") + "?outcome=undecided").content.decode()
    assert objection.receipt in listing and url in listing
    assert client.post(url, {**data, "reason": " "}).status_code == 400
    assert client.post(url, data).status_code == 302
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED and objection.group.decision.upheld


def test_an_application_held_by_an_objection_is_not_in_the_approvers_work(world, monkeypatch):
    from skillfund.claims.models import Application
    from skillfund.claims.selectors import my_work

    application = world["checked"]()
    notice = publish(world, application)
    objection = file(notice, application)
    monkeypatch.setattr("django.utils.timezone.now", lambda: at(notice.closes_on + timedelta(days=1)))
    waiting = Application.objects.filter(my_work(world["people"]["hr2"]))
    assert application not in waiting
    objection_decide(
        objection=objection, actor=world["people"]["hr"], upheld=False, reason="核实", department_opinion="同意"
    )
    assert application in Application.objects.filter(my_work(world["people"]["hr2"]))


def test_the_application_page_shows_its_objections_with_receipt_and_outcome(client, world, settings):
    settings.SKILLFUND_REQUIRE_2FA = False
    application = world["checked"]()
    objection = file(publish(world, application), application)
    client.force_login(world["people"]["hr"])
    page = client.get(reverse("admin:claims_application_change", args=[application.pk])).content.decode()
    assert objection.receipt in page and "待处理" in page
    assert reverse("admin:notices_objection_decide", args=[objection.pk]) in page


def test_the_form_shows_a_challenge_picture_served_by_the_site_itself(client, world, monkeypatch):
    notice = publish(world, world["checked"]())
    monkeypatch.setattr("django.utils.timezone.now", lambda: at(date(2020, 10, 12)))
    page = client.get(reverse("notices:detail", args=[notice.reference])).content.decode()
    image = re.search(r'<img[^>]+src="(/public/captcha/image/[^"]+)"', page)
    assert image is not None and "http" not in image.group(1)  # no outside service, no CDN
    assert client.get(image.group(1)).status_code == 200


@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrency needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_officers_deciding_one_objection_at_once_record_one_decision():
    from skillfund.accounts.models import Role
    from skillfund.claims.review import application_create
    from skillfund.notices.actions import notice_publish
    from skillfund.notices.models import ObjectionDecision
    from tests.factories import DepartmentFactory, OrganizationFactory, UserFactory
    from tests.test_review_chain import _claim

    department, institution = DepartmentFactory(), OrganizationFactory()
    operator = UserFactory(role=Role.INSTITUTION_OPERATOR, organization=institution)
    dept, hr = UserFactory(role=Role.DEPARTMENT_STAFF, organization=department), UserFactory(role=Role.HR_STAFF)
    application = application_create(
        kind="project", department=department, applicant=institution, claims=[_claim()], actor=operator
    )
    for step, who in (("submit", operator), ("verify", dept), ("check", hr)):
        application_step(application=application, step=step, actor=who, reason="ok")
    notice = notice_publish(applications=[application], actor=hr, title="公示", contact="0477", on=date(2020, 9, 30))
    objection = file(notice, application)
    officers = [UserFactory(role=Role.HR_STAFF) for _ in range(6)]
    barrier, results = threading.Barrier(len(officers)), []

    def decide(officer, upheld):
        try:
            barrier.wait()
            objection_decide(
                objection=objection, actor=officer, upheld=upheld, reason="理由", department_opinion="意见"
            )
            results.append("ok")
        except DomainError as exc:
            results.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=decide, args=(o, n % 2 == 0)) for n, o in enumerate(officers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("ok") == 1 and set(results) == {"ok", "objection_decided"}
    assert ObjectionDecision.objects.count() == 1
    application.refresh_from_db()
    assert application.events.filter(step="reopen").count() == (1 if ObjectionDecision.objects.get().upheld else 0)
