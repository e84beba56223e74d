"""Public notices (公示, §4.3.d): publishing checked applications, the masked public page and PDF,
objections during the notice, and approval only after it closes."""

from __future__ import annotations

import base64
import re
import zlib
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from captcha.models import CaptchaStore
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from skillfund.accounts import scoping
from skillfund.accounts.models import Role
from skillfund.claims.models import Application, ApplicationEvent, Decision
from skillfund.claims.review import StepRefused, application_create, application_step
from skillfund.claims.workflow import Status
from skillfund.core.errors import DomainError
from skillfund.core.models import AuditRecord
from skillfund.notices import pdf, selectors
from skillfund.notices.actions import notice_publish, objection_decide, objection_file
from skillfund.notices.models import Notice, NoticeEntry, Objection
from tests.factories import DepartmentFactory, OrganizationFactory, UserFactory, make_person
from tests.idgen import make_id
from tests.programme_helpers import bare_programme
from tests.test_review_chain import _claim

SHANGHAI = ZoneInfo("Asia/Shanghai")
PUBLISHED = date(2020, 9, 30)  # closes 2020-10-14 (National Day week, see test_notices_calendar)
FULL_ID = make_id(region="150602", birth=date(1988, 7, 16), seq=417)


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


@pytest.fixture
def world(db):
    department = DepartmentFactory(name="鄂尔多斯市应急管理局", short_name="市应急管理局")
    hr_bureau = DepartmentFactory(name="鄂尔多斯市人力资源和社会保障局", short_name="市人社局", unit_code="hrss")
    bare_programme(hr_bureau=hr_bureau)  # the programme file names the HR bureau that co-publishes
    institution = OrganizationFactory()
    people = {
        "institution": UserFactory(role=Role.INSTITUTION_OPERATOR, organization=institution),
        "department": UserFactory(role=Role.DEPARTMENT_STAFF, organization=department),
        "other_department": UserFactory(role=Role.DEPARTMENT_STAFF, organization=DepartmentFactory()),
        "hr": UserFactory(role=Role.HR_STAFF),
        "hr2": UserFactory(role=Role.HR_STAFF),
        "auditor": UserFactory(role=Role.AUDITOR),
        "finance": UserFactory(role=Role.FINANCE_OFFICER),
    }
    zhang = make_person(name="张三丰", id_number=FULL_ID)

    def checked_application(*persons):
        application = application_create(
            kind=Application.Kind.PROJECT,
            department=department,
            applicant=institution,
            claims=[_claim(p) for p in persons] or [_claim()],
            actor=people["institution"],
        )
        for step, who in (("submit", "institution"), ("verify", "department"), ("check", "hr")):
            application = application_step(application=application, step=step, actor=people[who], reason="ok")
        return application

    return {
        "department": department,
        "hr_bureau": hr_bureau,
        "people": people,
        "zhang": zhang,
        "checked": checked_application,
    }


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()  # the objection rate limits count in the cache
    yield
    cache.clear()


def challenge(answer: str | None = None) -> dict[str, str]:
    """A real challenge of the public form (django-simple-captcha), answered right unless `answer`
    is given."""
    key = CaptchaStore.generate_key()
    return {"captcha_0": key, "captcha_1": answer or CaptchaStore.objects.get(hashkey=key).response}


def publish(world, *applications, on=PUBLISHED):
    return notice_publish(
        applications=list(applications),
        actor=world["people"]["hr"],
        title="2020年第三批职业技能培训补贴公示",
        contact="市人社局职业能力建设科 0477-0000000",
        on=on,
    )


# ---- publishing --------------------------------------------------------------------------------


def test_publish_moves_checked_applications_into_the_notice(world):
    first, second = world["checked"](world["zhang"]), world["checked"]()
    notice = publish(world, first, second)
    for application in (first, second):
        application.refresh_from_db()
        assert application.status == Status.IN_NOTICE
        assert application.events.filter(step="publish", reason=notice.reference).exists()
    assert (notice.published_on, notice.opens_on, notice.closes_on) == (
        PUBLISHED,
        date(2020, 10, 9),
        date(2020, 10, 14),
    )
    assert notice.working_days == 5
    assert set(notice.departments.all()) == {world["department"], world["hr_bureau"]}  # jointly (§4.3.d)
    assert selectors.publishing_units(notice) == ["市应急管理局", "市人社局"]
    assert AuditRecord.objects.filter(action="notice.publish", target_id=str(notice.pk)).count() == 1


def test_entries_are_a_masked_snapshot_with_the_decided_amount(world):
    notice = publish(world, world["checked"](world["zhang"]))
    entry = notice.entries.get()
    assert (entry.number, entry.masked_name, entry.masked_id) == (1, "张*丰", FULL_ID[:6] + "********" + FULL_ID[-4:])
    assert entry.training == "电工（五级/初级工）" and entry.department == "市应急管理局"
    decision = Decision.objects.filter(claim=entry.claim, purpose=Decision.Purpose.DECISION).latest("id")
    assert entry.amount == decision.subsidy + decision.living_allowance > 0
    # Frozen: a later change in the registry does not change what was published.
    world["zhang"].name = "张三峰"
    world["zhang"].save()
    entry.refresh_from_db()
    assert entry.masked_name == "张*丰"


def test_only_hr_publishes_and_only_checked_applications(world):
    checked = world["checked"]()
    with pytest.raises(DomainError) as exc:
        notice_publish(
            applications=[checked], actor=world["people"]["department"], title="t", contact="c", on=PUBLISHED
        )
    assert exc.value.code == "role_not_allowed"
    submitted = application_create(
        kind=Application.Kind.PROJECT,
        department=world["department"],
        applicant=world["people"]["institution"].organization,
        claims=[_claim()],
        actor=world["people"]["institution"],
    )
    before = AuditRecord.objects.count()
    with pytest.raises(DomainError) as exc:
        publish(world, checked, submitted)
    assert exc.value.code == "not_checked" and submitted.reference in exc.value.en
    checked.refresh_from_db()
    assert checked.status == Status.CHECKED
    assert not Notice.objects.exists() and AuditRecord.objects.count() == before


def test_publishing_into_a_year_missing_from_the_calendar_counts_monday_to_friday_and_says_so(world, client):
    # 2027 is not in policy_data/calendar/cn-workdays.yaml: the notice is published, not refused.
    notice = publish(world, world["checked"](world["zhang"]), on=date(2027, 3, 1))
    assert (notice.opens_on, notice.closes_on) == (date(2027, 3, 2), date(2027, 3, 8))  # 2, 3, 4, 5, 8
    warning = "2027年节假日安排尚未录入，按周一至周五计算工作日"
    assert notice.calendar_fallback_years == [2027] and notice.calendar_warnings[0][0] == warning
    record = AuditRecord.objects.get(action="notice.publish")
    assert record.after["calendar_fallback_years"] == [2027]
    assert warning in client.get(reverse("notices:detail", args=[notice.reference])).content.decode()
    client.cookies["django_language"] = "en"
    english = client.get(reverse("notices:detail", args=[notice.reference])).content.decode()
    assert "the 2027 holiday arrangement is not in the calendar yet" in english and warning not in english


def test_a_notice_within_listed_years_carries_no_calendar_warning(world, client):
    notice = publish(world, world["checked"](world["zhang"]))
    assert notice.calendar_fallback_years == []
    assert "尚未录入" not in client.get(reverse("notices:detail", args=[notice.reference])).content.decode()


def test_the_publish_page_and_the_back_office_show_the_calendar_warning(world, client, settings):
    settings.SKILLFUND_REQUIRE_2FA = False
    settings.LANGUAGE_CODE = "zh-hans"
    application = world["checked"](world["zhang"])
    hr = world["people"]["hr"]
    hr.is_staff = True
    hr.save(update_fields=["is_staff"])
    warning = "2027年节假日安排尚未录入，按周一至周五计算工作日"
    url = reverse("admin:claims_application_publish", args=[application.pk])
    with time_machine.travel(datetime(2026, 12, 29, 10, tzinfo=SHANGHAI), tick=False):
        client.force_login(hr)  # signed in on that day (an idle session ends)
        assert warning in client.get(url).content.decode()  # before publishing: the period runs into 2027
        response = client.post(url, {"title": "2026年末补贴公示", "contact": "0477-8580000"}, follow=True)
        assert response.status_code == 200 and warning in response.content.decode()  # the message after
        notice = Notice.objects.get()
        assert notice.calendar_fallback_years == [2027]
        page = client.get(reverse("admin:notices_notice_change", args=[notice.pk]))
        assert warning in page.content.decode()


# ---- objections --------------------------------------------------------------------------------


def test_an_objection_during_the_notice_is_recorded_with_a_receipt_and_moves_nothing(world):
    application = world["checked"](world["zhang"])
    notice = publish(world, application)
    objection = objection_file(
        notice=notice,
        application=application,
        text="此人未实际参训",
        contact="13800000000",
        source="s",
        now=at(date(2020, 10, 12)),
    )
    application.refresh_from_db()
    assert application.status == Status.IN_NOTICE  # held for a decision, not sent back by itself
    assert objection.receipt and objection.entry.masked_name == "张*丰"
    assert not application.events.filter(step="reopen").exists()


def test_an_objection_on_the_last_day_is_still_accepted(world):
    application = world["checked"]()
    notice = publish(world, application)
    objection_file(notice=notice, application=application, text="异议", source="s", now=at(notice.closes_on, 23))
    assert Objection.objects.filter(application=application).count() == 1


def test_an_objection_after_the_notice_closed_is_refused_and_nothing_changes(world):
    application = world["checked"]()
    notice = publish(world, application)
    counts = (Objection.objects.count(), ApplicationEvent.objects.count(), AuditRecord.objects.count())
    with pytest.raises(DomainError) as exc:
        objection_file(
            notice=notice,
            application=application,
            text="异议",
            source="s",
            now=at(notice.closes_on + timedelta(days=1), 0),
        )
    assert exc.value.code == "notice_closed"
    application.refresh_from_db()
    assert application.status == Status.IN_NOTICE
    assert (Objection.objects.count(), ApplicationEvent.objects.count(), AuditRecord.objects.count()) == counts


def test_an_objection_to_an_application_not_in_the_notice_is_refused(world):
    notice = publish(world, world["checked"]())
    elsewhere = world["checked"]()
    with pytest.raises(DomainError) as exc:
        objection_file(notice=notice, application=elsewhere, text="异议", source="s", now=at(date(2020, 10, 9)))
    assert exc.value.code == "not_in_notice"
    with pytest.raises(DomainError) as exc:
        objection_file(
            notice=notice,
            application=notice.entries.get().application,
            text="  ",
            source="s",
            now=at(date(2020, 10, 9)),
        )
    assert exc.value.code == "objection_text_required"
    assert not Objection.objects.exists()


def test_a_second_objection_from_the_same_source_joins_the_first_ones_group(world):
    application = world["checked"]()
    notice = publish(world, application)
    first = objection_file(notice=notice, application=application, text="第一条", source="s", now=at(date(2020, 10, 9)))
    second = objection_file(
        notice=notice, application=application, text="第二条", source="s", now=at(date(2020, 10, 10))
    )
    assert second.group_id == first.group_id and first.receipt != second.receipt
    assert Objection.objects.count() == 2 and not application.events.filter(step="reopen").exists()


# ---- approval waits for the notice -------------------------------------------------------------


def test_approval_is_refused_while_the_notice_is_open_and_allowed_after(world, monkeypatch):
    application = world["checked"]()
    notice = publish(world, application)
    hr2 = world["people"]["hr2"]
    monkeypatch.setattr("django.utils.timezone.now", lambda: at(notice.closes_on, 17))
    with pytest.raises(StepRefused) as exc:
        application_step(application=application, step="approve", actor=hr2)
    assert exc.value.code == "notice_open"
    application.refresh_from_db()
    assert application.status == Status.IN_NOTICE
    monkeypatch.setattr("django.utils.timezone.now", lambda: at(notice.closes_on + timedelta(days=1), 9))
    assert application_step(application=application, step="approve", actor=hr2).status == Status.APPROVED


def test_a_republished_application_waits_for_its_new_notice(world, monkeypatch):
    people = world["people"]
    application = world["checked"]()
    first = publish(world, application)
    objection = objection_file(
        notice=first, application=application, text="异议", source="s", now=at(date(2020, 10, 9))
    )
    objection_decide(objection=objection, actor=people["hr"], upheld=True, reason="属实", department_opinion="同意")
    for step, who in (("verify", "department"), ("check", "hr")):
        application_step(application=application, step=step, actor=people[who], reason="复核无误")
    second = publish(world, application, on=date(2020, 10, 20))
    assert second.closes_on == date(2020, 10, 27)
    monkeypatch.setattr("django.utils.timezone.now", lambda: at(date(2020, 10, 21)))
    with pytest.raises(StepRefused) as exc:  # the first notice closed, the second has not
        application_step(application=application, step="approve", actor=people["hr2"])
    assert exc.value.code == "notice_open"


# ---- the public pages and the PDF --------------------------------------------------------------


def _pdf_text(data: bytes) -> str:
    """Every string drawn in the PDF (page streams inflated), read as Latin-1 and as UTF-16BE (the
    CJK font's encoding), so a full ID number could not hide in either."""
    streams = re.findall(rb"\bstream\r?\n(.*?)\s*endstream", data, re.DOTALL)
    content = b""
    for stream in streams:
        if stream.rstrip().endswith(b"~>"):  # reportlab wraps the deflated stream in ASCII85
            stream = base64.a85decode(stream.rstrip(), adobe=True)
        try:
            content += zlib.decompress(stream)
        except zlib.error:
            content += stream
    texts = []
    for raw in re.findall(rb"\(((?:\\.|[^\\)])*)\)\s*Tj", content, re.DOTALL):
        unescaped = re.sub(
            rb"\\([0-7]{1,3}|.)",
            lambda m: bytes([int(m.group(1), 8)]) if m.group(1)[:1].isdigit() else m.group(1),
            raw,
        )
        texts += [unescaped.decode("latin-1"), unescaped.decode("utf-16-be", errors="replace")]
    return "\n".join(texts)


def test_public_pages_show_masked_names_and_ids_only(client, world, monkeypatch):
    notice = publish(world, world["checked"](world["zhang"]))
    monkeypatch.setattr("django.utils.timezone.now", lambda: at(date(2020, 10, 12)))
    with CaptureQueriesContext(connection) as queries:
        detail = client.get(reverse("notices:detail", args=[notice.reference]))
    listing = client.get(reverse("notices:list"))
    assert detail.status_code == 200 and listing.status_code == 200
    html = detail.content.decode()
    assert "张*丰" in html and FULL_ID[:6] + "********" + FULL_ID[-4:] in html
    assert "张三丰" not in html and FULL_ID not in html and FULL_ID[6:14] not in html
    assert "市应急管理局" in html and "市人社局" in html and "0477-0000000" in html
    assert not any("registry_person" in q["sql"] for q in queries.captured_queries)  # the snapshot only
    assert notice.title in listing.content.decode() and "张" not in listing.content.decode()


def test_the_list_page_reads_a_fixed_number_of_queries(client, world, monkeypatch, django_assert_num_queries):
    for _ in range(3):
        publish(world, world["checked"]())
    monkeypatch.setattr("django.utils.timezone.now", lambda: at(date(2020, 10, 12)))
    with django_assert_num_queries(2):  # the notices with their totals, and their publishing units
        assert client.get(reverse("notices:list")).status_code == 200


def test_the_list_shows_open_and_recently_closed_notices(client, world, monkeypatch):
    notice = publish(world, world["checked"]())
    monkeypatch.setattr("django.utils.timezone.now", lambda: at(notice.closes_on + timedelta(days=3)))
    assert selectors.public_notices() == ([], [notice])
    assert notice.reference in client.get(reverse("notices:list")).content.decode()
    monkeypatch.setattr("django.utils.timezone.now", lambda: at(notice.closes_on + timedelta(days=31)))
    assert selectors.public_notices() == ([], [])


def test_the_public_page_is_in_english_when_chosen(client, world):
    notice = publish(world, world["checked"]())
    client.cookies["django_language"] = "en"
    html = client.get(reverse("notices:detail", args=[notice.reference])).content.decode()
    assert "File an objection" in html
    client.cookies["django_language"] = "zh-hans"
    assert "提出异议" in client.get(reverse("notices:detail", args=[notice.reference])).content.decode()


def test_the_pdf_shows_masked_data_and_never_the_full_id(client, world):
    notice = publish(world, world["checked"](world["zhang"]))
    response = client.get(reverse("notices:pdf", args=[notice.reference]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    data = response.content
    assert data.startswith(b"%PDF")
    text = _pdf_text(data)
    assert "张*丰" in text and FULL_ID[:6] + "********" + FULL_ID[-4:] in text
    assert "张三丰" not in text and FULL_ID not in text
    assert "市应急管理局" in text and "第 1 页 / 共 1 页" in text
    plain = pdf.render(selectors.notice_document(notice), compress=False)  # readable without inflating
    assert FULL_ID.encode() not in plain and FULL_ID.encode("utf-16-be") not in plain


def test_an_objection_through_the_public_form(client, world, monkeypatch):
    application = world["checked"]()
    notice = publish(world, application)
    entry = notice.entries.get()
    url = reverse("notices:detail", args=[notice.reference])
    monkeypatch.setattr("django.utils.timezone.now", lambda: at(date(2020, 10, 13)))
    csrf_client = client.__class__(enforce_csrf_checks=True)
    assert csrf_client.post(url, {"entry": entry.pk, "text": "异议", **challenge()}).status_code == 403
    assert client.post(url, {"entry": entry.pk, "text": " ", **challenge()}).status_code == 400  # text required
    assert not Objection.objects.exists()
    response = client.post(url, {"entry": entry.pk, "text": "未参加培训", "contact": "", **challenge()})
    objection = Objection.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"?receipt={objection.receipt}&filed=1")
    assert objection.application == application and objection.filed_at == at(date(2020, 10, 13))
    application.refresh_from_db()
    assert application.status == Status.IN_NOTICE


def test_an_objection_to_a_closed_notice_through_the_form_is_refused(client, world):
    application = world["checked"]()
    notice = publish(world, application)  # closed 2020-10-14
    entry = notice.entries.get()
    response = client.post(
        reverse("notices:detail", args=[notice.reference]), {"entry": entry.pk, "text": "异议", **challenge()}
    )
    assert response.status_code == 400 and "公示期已结束" in response.content.decode()
    assert not Objection.objects.exists()
    application.refresh_from_db()
    assert application.status == Status.IN_NOTICE


def test_an_unknown_notice_is_not_found(client, db):
    assert client.get(reverse("notices:detail", args=["GS-NOPE"])).status_code == 404
    assert client.get(reverse("notices:pdf", args=["GS-NOPE"])).status_code == 404


# ---- back office -------------------------------------------------------------------------------


def test_departments_see_their_own_notices_and_objections_only(world):
    people = world["people"]
    application = world["checked"]()
    notice = publish(world, application)
    objection_file(notice=notice, application=application, text="异议", source="s", now=at(date(2020, 10, 9)))
    for who in ("hr", "auditor", "department"):
        assert list(scoping.notices_visible_to(people[who])) == [notice], who
        assert scoping.objections_visible_to(people[who]).count() == 1, who
        assert scoping.notice_entries_visible_to(people[who]).count() == 1, who
    for who in ("other_department", "institution", "finance"):
        assert not scoping.notices_visible_to(people[who]).exists(), who
        assert not scoping.objections_visible_to(people[who]).exists(), who


def test_the_back_office_lists_notices_read_only(client, world, settings):
    settings.SKILLFUND_REQUIRE_2FA = False
    notice = publish(world, world["checked"]())
    client.force_login(world["people"]["hr"])
    assert notice.reference in client.get(reverse("admin:notices_notice_changelist")).content.decode()
    assert client.get(reverse("admin:notices_noticeentry_changelist")).status_code == 200
    assert client.get(reverse("admin:notices_objection_changelist")).status_code == 200
    assert client.get(reverse("admin:notices_notice_add")).status_code == 403
    client.force_login(world["people"]["other_department"])
    assert client.get(reverse("admin:notices_notice_change", args=[notice.pk])).status_code == 404


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the append-only trigger is PostgreSQL's")
def test_published_entries_cannot_be_edited_in_the_database(world):
    from django.db import DatabaseError, transaction

    notice = publish(world, world["checked"]())
    with pytest.raises(DatabaseError), transaction.atomic():
        NoticeEntry.objects.filter(notice=notice).update(masked_name="张三丰")
