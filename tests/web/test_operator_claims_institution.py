"""An institution's claim pages (§4.3.d): it applies for its class's certified trainees from the
page, adds materials, submits; its list shows its own applications by default with counts; a
returned application shows the reviewer's reason and is resubmitted; decisions show each check
with a clause link; another organization's records answer 404; the actions refuse the wrong
actor themselves; bad input gives field errors, never a 500; the list's query count is pinned."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from skillfund.accounts.models import Role
from skillfund.catalog.models import CertificateKind
from skillfund.claims import applying
from skillfund.claims.models import Application, ApplicationEvent
from skillfund.claims.review import application_step
from skillfund.claims.selectors import steps_available
from skillfund.claims.workflow import Status
from skillfund.core.errors import DomainError
from skillfund.materials.models import Material
from skillfund.training.actions.enrolment import enrolment_create
from skillfund.training.actions.results import assessment_record, certificate_record
from tests.factories import (
    CLASS_START,
    DepartmentFactory,
    OrganizationFactory,
    UserFactory,
    at,
    make_class_plan,
    make_person,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
_numbers = iter(range(1, 10_000))


@pytest.fixture(autouse=True)
def _chinese_without_second_factor(settings, tmp_path):
    settings.SKILLFUND_REQUIRE_2FA = False
    settings.LANGUAGE_CODE = "zh-hans"
    settings.MEDIA_ROOT = tmp_path / "media"


def certified(plan, n: int = 1) -> list:
    """`n` trainees of `plan` who passed and hold the class's certificate."""
    enrolments = []
    for _ in range(n):
        enrolment = enrolment_create(
            class_plan=plan, person=make_person(), actor=None, now=at(CLASS_START - timedelta(days=2), 9)
        )
        assessment_record(enrolment=enrolment, result="pass", assessed_on=plan.end_date + timedelta(days=2), actor=None)
        certificate_record(
            person=enrolment.person,
            enrolment=enrolment,
            kind=CertificateKind.SKILL_LEVEL,
            number=f"S0000150602{next(_numbers):05d}",
            occupation=plan.catalog_item.occupation,
            level=5,
            issue_date=plan.end_date + timedelta(days=20),
            issuing_body="鄂尔多斯市职业技能鉴定中心",
            actor=None,
        )
        enrolments.append(enrolment)
    return enrolments


@pytest.fixture
def world():
    department, institution, other = DepartmentFactory(), OrganizationFactory(), OrganizationFactory()
    plan = make_class_plan(institution=institution, department=department)
    other_plan = make_class_plan(institution=other, department=department)
    return {
        "plan": plan,
        "other_plan": other_plan,
        "enrolments": certified(plan, 2),
        "other_enrolments": certified(other_plan, 1),
        "operator": UserFactory(role=Role.INSTITUTION_OPERATOR, organization=institution),
        "other_operator": UserFactory(role=Role.INSTITUTION_OPERATOR, organization=other),
        "department": UserFactory(role=Role.DEPARTMENT_STAFF, organization=department),
        "other_department": UserFactory(role=Role.DEPARTMENT_STAFF, organization=DepartmentFactory()),
    }


def draft(world, who="operator", plan="plan") -> Application:
    first = applying.claimable_enrolments(world[plan]).first()
    (application,) = applying.class_claim(
        class_plan=world[plan], actor=world[who], submit=False, enrolment_ids=[first.pk]
    )
    return application


def url(name: str, *args) -> str:
    return reverse(f"web:institution:{name}", args=args)


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_institution_applies_for_chosen_trainees_adds_a_material_and_submits(client, world):
    client.force_login(world["operator"])
    plan = world["plan"]
    listing = client.get(url("claim_new"))
    assert listing.status_code == 200 and plan.code in text(listing)
    assert world["other_plan"].code not in text(listing)  # another institution's class is not offered

    chosen = world["enrolments"][0]
    page = client.get(url("claim_class", plan.pk))
    assert page.status_code == 200
    assert f'value="{chosen.pk}"' in page.content.decode()
    response = client.post(url("claim_class", plan.pk), {"enrolments": [chosen.pk]})
    application = Application.objects.get(applicant=plan.institution)
    assert response.status_code == 302 and response.url == url("application", application.pk)
    assert application.status == Status.DRAFT
    assert list(application.claims.values_list("enrolment", flat=True)) == [chosen.pk]

    detail = client.get(url("application", application.pk))
    body = text(detail)
    assert detail.status_code == 200
    assert 'class="clause" href="/policy/#clause-3.3.a"' in body  # each check links its clause
    assert url("application_submit", application.pk) in body  # the draft's applicant may submit it

    upload = SimpleUploadedFile("考勤表.pdf", PDF, content_type="application/pdf")
    response = client.post(url("application_material", application.pk), {"kind": "attendance_record", "file": upload})
    assert response.status_code == 302
    assert Material.objects.get().linked_to == application

    response = client.post(url("application_submit", application.pk))
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    assert ApplicationEvent.objects.get(application=application).step == "submit"
    after = text(client.get(url("application", application.pk)))
    assert "部门审核真实性" in after  # the next step of the chain, by name
    assert url("application_submit", application.pk) not in after  # nothing left to submit
    assert url("application_material", application.pk) not in after  # nor to add


def test_list_shows_own_applications_of_every_status_by_default_with_counts(client, world):
    submitted = applying.class_claim(class_plan=world["plan"], actor=world["operator"], submit=True)
    assert len(submitted) == 2  # individual funding: one application per trainee
    theirs = draft(world, who="other_operator", plan="other_plan")
    client.force_login(world["operator"])
    response = client.get(url("claims"))
    body = text(response)
    assert (response.context["shown"], response.context["total"]) == (2, 2)
    assert "显示2件，共2件" in body
    for application in submitted:
        assert application.reference in body
    assert theirs.reference not in body
    assert "已提交 2" in body
    filtered = text(client.get(url("claims"), {"status": "draft"}))
    assert submitted[0].reference not in filtered


def test_returned_application_shows_the_reason_and_is_resubmitted(client, world):
    application = draft(world)
    application_step(application=application, step="submit", actor=world["operator"])
    application_step(application=application, step="return", actor=world["department"], reason="考勤记录缺少签名页")
    client.force_login(world["operator"])
    assert "考勤记录缺少签名页" in text(client.get(url("claims")))
    detail = text(client.get(url("application", application.pk)))
    assert "考勤记录缺少签名页" in detail and 'id="return-reason"' in detail

    upload = SimpleUploadedFile("签名页.pdf", PDF, content_type="application/pdf")
    assert (
        client.post(
            url("application_material", application.pk), {"kind": "attendance_record", "file": upload}
        ).status_code
        == 302
    )
    response = client.post(url("application_submit", application.pk), {"note": "已补充签名页"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    assert application.events.order_by("-id").first().reason == "已补充签名页"


def test_another_organizations_records_answer_404(client, world):
    theirs = draft(world, who="other_operator", plan="other_plan")
    client.force_login(world["operator"])
    assert client.get(url("application", theirs.pk)).status_code == 404
    assert client.post(url("application_submit", theirs.pk)).status_code == 404
    assert client.post(url("application_material", theirs.pk), {"kind": "other"}).status_code == 404
    assert client.get(url("claim_class", world["other_plan"].pk)).status_code == 404
    assert client.post(url("claim_class", world["other_plan"].pk), {"enrolments": [1]}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == Status.DRAFT


def test_a_department_user_is_refused_by_the_page_and_by_the_actions(client, world):
    application = draft(world)
    client.force_login(world["department"])
    assert client.post(url("application_submit", application.pk)).status_code == 403
    assert client.get(url("claims")).status_code == 403
    application.refresh_from_db()
    assert application.status == Status.DRAFT

    with pytest.raises(DomainError) as refused:
        applying.class_claim(class_plan=world["plan"], actor=world["department"])
    assert refused.value.code == "not_applicant"
    with pytest.raises(DomainError) as refused:
        application_step(application=application, step="submit", actor=world["other_department"])
    assert refused.value.code == "not_responsible"
    with pytest.raises(DomainError) as refused:
        application_step(application=application, step="submit", actor=world["other_operator"])
    assert refused.value.code == "not_applicant"
    upload = SimpleUploadedFile("x.pdf", PDF, content_type="application/pdf")
    with pytest.raises(DomainError) as refused:
        applying.application_material_upload(
            application=application, file=upload, kind="other", actor=world["department"]
        )
    assert refused.value.code == "not_applicant"


def test_materials_are_refused_once_submitted_by_the_action(world):
    application = draft(world)
    application_step(application=application, step="submit", actor=world["operator"])
    upload = SimpleUploadedFile("x.pdf", PDF, content_type="application/pdf")
    with pytest.raises(DomainError) as refused:
        applying.application_material_upload(
            application=application, file=upload, kind="other", actor=world["operator"]
        )
    assert refused.value.code == "application_not_open"
    assert not Material.objects.exists()


def test_chosen_trainee_of_another_class_is_refused_by_the_action(world):
    with pytest.raises(DomainError) as refused:
        applying.class_claim(
            class_plan=world["plan"], actor=world["operator"], enrolment_ids=[world["other_enrolments"][0].pk]
        )
    assert refused.value.code == "enrolment_not_claimable"
    assert not Application.objects.exists()


@pytest.mark.parametrize(
    "data",
    [{}, {"enrolments": ["abc"]}, {"enrolments": ["99999999999999999999"]}, {"enrolments": [""]}],
)
def test_bad_trainee_choices_give_a_field_error(client, world, data):
    client.force_login(world["operator"])
    response = client.post(url("claim_class", world["plan"].pk), data)
    assert response.status_code == 200
    assert 'id="id_enrolments-error"' in response.content.decode()
    assert not Application.objects.exists()


def test_another_class_trainee_posted_gives_a_field_error(client, world):
    client.force_login(world["operator"])
    response = client.post(url("claim_class", world["plan"].pk), {"enrolments": [world["other_enrolments"][0].pk]})
    assert response.status_code == 200 and 'id="id_enrolments-error"' in response.content.decode()


def test_a_file_that_is_not_a_pdf_or_image_gives_a_field_error(client, world):
    application = draft(world)
    client.force_login(world["operator"])
    upload = SimpleUploadedFile("伪装.pdf", b"MZ\x90\x00 not a pdf at all", content_type="application/pdf")
    response = client.post(url("application_material", application.pk), {"kind": "invoice", "file": upload})
    assert response.status_code == 400
    assert 'id="id_file-error"' in response.content.decode()
    response = client.post(url("application_material", application.pk), {"kind": "no-such-kind"})
    assert response.status_code == 400
    assert 'id="id_kind-error"' in response.content.decode() and 'id="id_file-error"' in response.content.decode()
    assert not Material.objects.exists()


@pytest.mark.parametrize(
    "query", [{"status": "bogus"}, {"kind": "x" * 500}, {"page": "abc"}, {"page": "99999999"}, {"q": "\u00e9" * 100}]
)
def test_odd_list_parameters_never_fail(client, world, query):
    draft(world)
    client.force_login(world["operator"])
    assert client.get(url("claims"), query).status_code == 200


def test_list_query_count_does_not_grow_with_the_rows(client, world, django_assert_max_num_queries):
    client.force_login(world["operator"])
    applying.class_claim(class_plan=world["plan"], actor=world["operator"], submit=True)
    with django_assert_max_num_queries(9):
        assert client.get(url("claims")).status_code == 200
    more = make_class_plan(institution=world["plan"].institution, department=world["plan"].department)
    certified(more, 6)
    applying.class_claim(class_plan=more, actor=world["operator"], submit=True)
    with django_assert_max_num_queries(9):
        response = client.get(url("claims"))
    assert response.context["shown"] == 8


def test_drafts_are_submitted_together_from_the_list_and_others_refused(client, world):
    mine = applying.class_claim(class_plan=world["plan"], actor=world["operator"], submit=False)
    theirs = draft(world, who="other_operator", plan="other_plan")
    client.force_login(world["operator"])
    listing = client.get(url("claims"))
    assert url("claims_submit") in listing.content.decode()
    response = client.post(url("claims_submit"), {"applications": [mine[0].pk, theirs.pk]})
    assert response.status_code == 302
    assert set(Application.objects.values_list("status", flat=True)) == {Status.DRAFT}  # all or nothing
    for bad in ({}, {"applications": ["abc"]}):
        assert client.post(url("claims_submit"), bad).status_code == 302
    response = client.post(url("claims_submit"), {"applications": [a.pk for a in mine]})
    assert response.status_code == 302
    assert set(Application.objects.filter(applicant=world["plan"].institution).values_list("status", flat=True)) == {
        Status.SUBMITTED
    }
    theirs.refresh_from_db()
    assert theirs.status == Status.DRAFT


def test_classes_to_claim_for_query_count_does_not_grow(client, world, django_assert_max_num_queries):
    client.force_login(world["operator"])
    # 5 queries, and 3 more when the idle timeout refreshes the session (the first request after sign-in).
    with django_assert_max_num_queries(8):
        assert client.get(url("claim_new")).status_code == 200
    for _ in range(4):
        certified(make_class_plan(institution=world["plan"].institution, department=world["plan"].department), 2)
    with django_assert_max_num_queries(8):
        response = client.get(url("claim_new"))
    assert response.context["page"].paginator.count == 5


def test_a_material_attached_by_mistake_is_withdrawn_with_a_reason_while_open(client, world):
    application = draft(world)
    upload = SimpleUploadedFile("错传.pdf", PDF, content_type="application/pdf")
    material = applying.application_material_upload(
        application=application, file=upload, kind="other", actor=world["operator"]
    )
    client.force_login(world["operator"])
    withdraw = url("application_material_withdraw", application.pk, material.pk)
    assert withdraw in client.get(url("application", application.pk)).content.decode()
    client.post(withdraw, {"reason": ""})  # no reason: refused, nothing changes
    material.refresh_from_db()
    assert material.withdrawn_at is None
    assert client.post(withdraw, {"reason": "传错了文件"}).status_code == 302
    material.refresh_from_db()
    assert material.withdrawn_reason == "传错了文件"

    theirs = draft(world, who="other_operator", plan="other_plan")
    assert client.post(url("application_material_withdraw", theirs.pk, material.pk), {"reason": "x"}).status_code == 404
    application_step(application=application, step="submit", actor=world["operator"])
    with pytest.raises(DomainError) as refused:
        applying.application_material_withdraw(
            application=application, material=material, actor=world["operator"], reason="再撤一次"
        )
    assert refused.value.code == "application_not_open"


def test_the_responsible_department_does_not_submit_an_institutions_application(world):
    application = draft(world)
    with pytest.raises(DomainError) as refused:
        application_step(application=application, step="submit", actor=world["department"])
    assert refused.value.code == "not_applicant"
    assert "submit" not in {s.name for s in steps_available(application, world["department"])}
