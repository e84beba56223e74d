"""An approved class from the institution's screen: the roster imported from .xlsx (all rows checked
before any is written, each refusal named by row, column, value and reason; the rules' preview per
trainee), attendance by session (present with times, absent with the reason), results and
certificates checked against the catalog item (§3.3.a)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from skillfund.accounts.models import Role
from skillfund.core.errors import DomainError
from skillfund.core.models import AuditRecord
from skillfund.training.actions.enrolment import absence_record, attendance_record, enrolment_create
from skillfund.training.models import Absence, Assessment, Attendance, Certificate, Enrolment
from tests.factories import OrganizationFactory, UserFactory, at, make_class_plan, make_person
from tests.idgen import make_id

pytestmark = pytest.mark.django_db


def url(name: str, *args) -> str:
    return reverse(f"web:institution:{name}", args=args)


@pytest.fixture(autouse=True)
def _relaxed(settings):
    settings.SKILLFUND_REQUIRE_2FA = False


@pytest.fixture
def institution(db):
    return OrganizationFactory(name="华夏培训学校")


@pytest.fixture
def operator(institution):
    return UserFactory(role=Role.INSTITUTION_OPERATOR, organization=institution, username="inst")


def xlsx(rows: list[list]) -> SimpleUploadedFile:
    wb = Workbook()
    sheet = wb.active
    for row in rows:
        sheet.append(row)
    out = BytesIO()
    wb.save(out)
    return SimpleUploadedFile("roster.xlsx", out.getvalue())


@pytest.fixture
def upcoming(institution):
    """An approved class starting in ten days, taking enrolments."""
    return make_class_plan(institution=institution, start=timezone.localdate() + timedelta(days=10))


def test_roster_import_with_a_bad_row_writes_nothing_and_names_row_column_value_reason(
    client, operator, institution, upcoming
):
    good, named, unknown = make_id(seq=771), make_id(seq=772), make_id(seq=777)
    make_person(organization=institution, id_number=good, name="王五")
    make_person(organization=institution, id_number=named, name="赵六")
    client.force_login(operator)
    audit_before = AuditRecord.objects.count()
    upload = xlsx(
        [
            ["公民身份号码", "姓名"],
            [good, "王五"],
            [unknown, "李四"],
            [named, "赵七"],
        ]
    )
    response = client.post(url("class_roster", upcoming.pk), {"file": upload})
    assert response.status_code == 200
    assert Enrolment.objects.filter(class_plan=upcoming).count() == 0
    assert AuditRecord.objects.count() == audit_before
    problems = {(p.row, p.column): p for p in response.context["problems"]}
    assert set(problems) == {(3, "公民身份号码"), (4, "姓名")}
    assert problems[(3, "公民身份号码")].value == unknown[:6] + "********" + unknown[-4:]
    assert "人员名册" in problems[(3, "公民身份号码")].zh
    assert problems[(4, "姓名")].value == "赵七"
    html = response.content.decode()
    assert "赵七" in html and "姓名与人员库登记的不一致" in html


def test_roster_import_enrols_everyone_with_the_rules_preview(client, operator, institution, upcoming):
    numbers = [make_id(seq=600 + i) for i in range(3)]
    persons = [make_person(organization=institution, id_number=n, name=f"学员{i}") for i, n in enumerate(numbers)]
    client.force_login(operator)
    upload = xlsx([["身份证号码", "姓名"], *[[n, p.name] for n, p in zip(numbers, persons, strict=True)]])
    response = client.post(url("class_roster", upcoming.pk), {"file": upload})
    assert response.status_code == 302
    enrolments = list(Enrolment.objects.filter(class_plan=upcoming))
    assert len(enrolments) == 3 and all(e.rules_preview is not None for e in enrolments)
    page = client.get(url("class_roster", upcoming.pk)).content.decode()
    assert "学员0" in page and persons[0].id_masked in page and numbers[0] not in page
    # The same file again: everyone is already enrolled — refused, nothing written twice.
    again = client.post(
        url("class_roster", upcoming.pk), {"file": xlsx([["身份证号码", "姓名"], [numbers[0], "学员0"]])}
    )
    assert again.status_code == 200 and again.context["problems"][0].row == 2
    assert Enrolment.objects.filter(class_plan=upcoming).count() == 3
    template = client.get(url("class_roster_template", upcoming.pk))
    assert template.status_code == 200 and template.content[:2] == b"PK"


def test_roster_import_refuses_a_file_that_is_not_a_roster(client, operator, upcoming):
    client.force_login(operator)
    for upload in (
        SimpleUploadedFile("x.xlsx", b"not a workbook"),
        SimpleUploadedFile("x.csv", "名字,电话\n张三,1\n".encode()),
        xlsx([["公民身份号码", "姓名"]]),
    ):
        response = client.post(url("class_roster", upcoming.pk), {"file": upload})
        assert response.status_code == 200 and response.context["problems"], upload.name
    assert not Enrolment.objects.filter(class_plan=upcoming).exists()


@pytest.fixture
def running(institution):
    """An approved class that started three days ago (sessions 09:00–12:00), two trainees enrolled."""
    start = timezone.localdate() - timedelta(days=3)
    plan = make_class_plan(institution=institution, start=start, days=5)
    enrolled = []
    for name in ("甲", "乙"):
        person = make_person(organization=institution, name=name)
        enrolled.append(enrolment_create(class_plan=plan, person=person, actor=None, now=at(start, 8)))
    return plan, enrolled


def test_attendance_sheet_records_present_and_absent_with_reason(client, operator, running):
    plan, (first, second) = running
    session = plan.sessions.order_by("starts_at").first()
    client.force_login(operator)
    sheet = client.get(url("class_session_sheet", plan.pk, session.pk))
    assert sheet.status_code == 200
    data = {
        "method": "manual",
        "reason": "纸质签到表",
        f"p{first.pk}-state": "present",
        f"p{first.pk}-in": "09:00",
        f"p{first.pk}-out": "12:00",
        f"p{second.pk}-state": "absent",
        f"p{second.pk}-reason": "",
    }
    # Absent without a reason: refused at the trainee's line, nothing written.
    response = client.post(url("class_session_sheet", plan.pk, session.pk), data)
    assert response.status_code == 200
    assert not Attendance.objects.filter(session=session).exists() and not Absence.objects.exists()
    line = next(r for r in response.context["rows"] if r["enrolment"].pk == second.pk)
    assert line["errors"] == ["须说明缺勤原因"]
    # Times that are not times: refused at the line.
    response = client.post(url("class_session_sheet", plan.pk, session.pk), {**data, f"p{first.pk}-in": "9点"})
    assert response.status_code == 200 and not Attendance.objects.exists()

    response = client.post(url("class_session_sheet", plan.pk, session.pk), {**data, f"p{second.pk}-reason": "病假"})
    assert response.status_code == 302
    attendance = Attendance.objects.get(session=session)
    assert attendance.enrolment == first and attendance.method == "manual" and attendance.operator == operator
    assert Absence.objects.get(session=session).reason == "病假"
    grid = client.get(url("class_attendance", plan.pk))
    row = {r["enrolment"].pk: r for r in grid.context["rows"]}
    assert row[first.pk]["cells"][0] == ("present", "") and row[first.pk]["hours"] == Decimal(3)
    assert row[second.pk]["cells"][0] == ("absent", "病假")


def test_absence_is_refused_in_the_action_for_another_institution_and_a_future_session(operator, running):
    plan, (first, _second) = running
    other = UserFactory(role=Role.INSTITUTION_OPERATOR, organization=OrganizationFactory())
    first_session, last_session = plan.sessions.order_by("starts_at")[0], plan.sessions.order_by("-starts_at")[0]
    with pytest.raises(DomainError) as exc:
        absence_record(enrolment=first, session=first_session, reason="病假", actor=other)
    assert exc.value.code == "not_permitted"
    with pytest.raises(DomainError) as exc:
        absence_record(enrolment=first, session=last_session, reason="病假", actor=operator)
    assert exc.value.code == "session_not_begun"
    absence_record(enrolment=first, session=first_session, reason="病假", actor=operator)
    with pytest.raises(DomainError) as exc:
        attendance_record(
            enrolment=first,
            session=first_session,
            check_in=first_session.starts_at,
            check_out=first_session.ends_at,
            method="card",
            actor=operator,
        )
    assert exc.value.code == "absence_exists"


@pytest.fixture
def ended(institution):
    """A class that ended last week, its one trainee present at every session."""
    start = timezone.localdate() - timedelta(days=12)
    plan = make_class_plan(institution=institution, start=start, days=5)
    person = make_person(organization=institution, name="丙")
    enrolment = enrolment_create(class_plan=plan, person=person, actor=None, now=at(start, 8))
    for session in plan.sessions.all():
        attendance_record(
            enrolment=enrolment,
            session=session,
            check_in=session.starts_at,
            check_out=session.ends_at,
            method="card",
            actor=None,
        )
    return plan, enrolment


def test_results_and_certificate_are_saved_from_the_page(client, operator, ended):
    plan, enrolment = ended
    client.force_login(operator)
    page = client.get(url("class_results", plan.pk))
    assert page.status_code == 200 and page.context["rows"][0]["rate"] == Decimal("100.0")
    prefix = f"a{enrolment.pk}"
    bad = {f"{prefix}-result": "pass", f"{prefix}-assessed_on": plan.end_date.isoformat(), f"{prefix}-score": "150"}
    response = client.post(url("assessment_save", plan.pk, enrolment.pk), bad)
    assert response.status_code == 400 and not Assessment.objects.exists()
    assert "score" in response.context["rows"][0]["assessment_form"].errors
    early = {**bad, f"{prefix}-score": "88", f"{prefix}-assessed_on": (plan.end_date - timedelta(days=1)).isoformat()}
    response = client.post(url("assessment_save", plan.pk, enrolment.pk), early)
    assert response.status_code == 400 and "assessed_on" in response.context["rows"][0]["assessment_form"].errors
    good = {**bad, f"{prefix}-score": "88.5"}
    assert client.post(url("assessment_save", plan.pk, enrolment.pk), good).status_code == 302
    assessment = Assessment.objects.get(enrolment=enrolment)
    assert (assessment.result, assessment.score) == ("pass", Decimal("88.5"))
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.COMPLETED

    c = f"c{enrolment.pk}"
    certificate = {
        f"{c}-number": "S000015060201234",
        f"{c}-issue_date": timezone.localdate().isoformat(),
        f"{c}-issuing_body": "鄂尔多斯市职业技能等级认定中心",
    }
    assert client.post(url("certificate_save", plan.pk, enrolment.pk), certificate).status_code == 302
    recorded = Certificate.objects.get(enrolment=enrolment)
    item = plan.catalog_item
    assert (recorded.kind, recorded.occupation, recorded.level) == (item.certificate_kind, item.occupation, item.level)
    assert "S000015060201234" in client.get(url("class_results", plan.pk)).content.decode()


def test_another_institution_cannot_record_results_for_this_class(client, ended):
    plan, enrolment = ended
    client.force_login(UserFactory(role=Role.INSTITUTION_OPERATOR, organization=OrganizationFactory()))
    data = {f"a{enrolment.pk}-result": "pass", f"a{enrolment.pk}-assessed_on": plan.end_date.isoformat()}
    assert client.post(url("assessment_save", plan.pk, enrolment.pk), data).status_code == 404
    assert client.post(url("certificate_save", plan.pk, enrolment.pk), {}).status_code == 404
    assert not Assessment.objects.exists()


def test_roster_and_attendance_queries_do_not_grow_with_trainees(
    client, operator, institution, django_assert_max_num_queries
):
    start = timezone.localdate() - timedelta(days=2)
    plan = make_class_plan(institution=institution, start=start, days=5)
    for i in range(3):
        enrolment_create(
            class_plan=plan, person=make_person(organization=institution), actor=None, now=at(start, 8 + i // 60)
        )
    client.force_login(operator)
    pages = (url("class_roster", plan.pk), url("class_attendance", plan.pk), url("class_results", plan.pk))
    counted = {}
    for page in pages:
        with django_assert_max_num_queries(20) as queries:
            assert client.get(page).status_code == 200
        counted[page] = len(queries.captured_queries)
    for _ in range(8):
        enrolment_create(class_plan=plan, person=make_person(organization=institution), actor=None, now=at(start, 8))
    for page in pages:
        with django_assert_max_num_queries(counted[page]):
            assert client.get(page).status_code == 200


def test_a_trainee_withdraws_from_the_roster_page_with_a_reason(client, operator, upcoming, institution):
    person = make_person(organization=institution, name="丁")
    enrolment = enrolment_create(class_plan=upcoming, person=person, actor=None)
    client.force_login(operator)
    client.post(url("class_withdraw", upcoming.pk, enrolment.pk), {"reason": ""})
    enrolment.refresh_from_db()
    assert enrolment.status == Enrolment.Status.ENROLLED  # a reason is required
    client.post(url("class_withdraw", upcoming.pk, enrolment.pk), {"reason": "找到工作"})
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.withdrawn_reason) == (Enrolment.Status.WITHDRAWN, "找到工作")


def test_one_walk_in_trainee_is_enrolled_by_id_number_and_name(client, operator, institution, upcoming):
    number = make_id(seq=888)
    make_person(organization=institution, id_number=number, name="戊")
    stranger = make_id(seq=889)
    make_person(organization=OrganizationFactory(), id_number=stranger, name="己")  # another unit's roster
    client.force_login(operator)
    page = f"{url('class_roster', upcoming.pk)}"
    response = client.post(page, {"enrol_one": "1", "one-id_number": stranger, "one-name": "己"})
    assert response.status_code == 200 and "人员名册" in response.context["one_form"].errors["id_number"][0]
    assert stranger not in response.content.decode()  # the typed number is not written back
    response = client.post(page, {"enrol_one": "1", "one-id_number": number, "one-name": "戌"})
    assert "name" in response.context["one_form"].errors
    response = client.post(page, {"enrol_one": "1", "one-id_number": "12345", "one-name": "戊"})
    assert "id_number" in response.context["one_form"].errors
    response = client.post(page, {"enrol_one": "1", "one-id_number": number, "one-name": "戊"})
    assert response.status_code == 302
    enrolment = Enrolment.objects.get(class_plan=upcoming)
    assert enrolment.person.name == "戊" and enrolment.rules_preview is not None
