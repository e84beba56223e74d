"""The master record belongs to its owner (§4.4.d 实名制): registering or importing a known ID number
never overwrites it; a difference becomes a change request that the HR bureau or the owning
department decides; linking a known person into another roster is recorded."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import Workbook

from skillfund.accounts.models import Role
from skillfund.core.errors import DomainError
from skillfund.core.models import AuditRecord
from skillfund.registry.actions import PersonData, change_request_accept, change_request_reject, person_register
from skillfund.registry.importing import COLUMNS, roster_import
from skillfund.registry.models import Person, PersonChangeRequest, RosterEntry
from tests.factories import DepartmentFactory, OrganizationFactory, UserFactory, make_person
from tests.idgen import make_id

pytestmark = pytest.mark.django_db

NUMBER = make_id("150602", date(1988, 5, 6), 61)


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.SKILLFUND_REQUIRE_2FA = False


@pytest.fixture
def owner():
    return DepartmentFactory(unit_code="veterans")


@pytest.fixture
def owner_staff(owner):
    return UserFactory(role=Role.DEPARTMENT_STAFF, organization=owner)


@pytest.fixture
def person(owner, owner_staff):
    return make_person(
        id_number=NUMBER, name="吴一", phone="13800001111", organization=owner, actor=owner_staff, hukou_region="150602"
    )


@pytest.fixture
def intruder():
    return UserFactory(role=Role.INSTITUTION_OPERATOR, organization=OrganizationFactory())


def roster(rows: list[dict]) -> bytes:
    header = [c.zh for c in COLUMNS if c.key not in ("source_credit_code", "source_unit_code")]
    wb = Workbook()
    wb.active.append(header)
    for r in rows:
        wb.active.append([r.get(h) for h in header])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def snapshot(person: Person) -> tuple:
    person.refresh_from_db()
    return (person.name, person.phone, person.hukou_region, person.residence_region, person.receives_pension)


def test_the_first_registering_organization_owns_the_record(person, owner):
    assert person.owner == owner
    assert make_person().owner is None  # HR-registered and command-line records: the HR bureau's


def test_registering_a_known_number_in_the_back_office_never_overwrites_it(client, person, intruder):
    before = snapshot(person)
    data = {
        "id_number": NUMBER,
        "name": "冒名",
        "phone": "13999999999",
        "hukou_region": "150621",
        "residence_region": "150621",
        "receives_pension": "on",
    }
    client.force_login(intruder)
    response = client.post(reverse("admin:registry_person_add"), data)
    assert response.status_code == 302
    assert snapshot(person) == before
    request = PersonChangeRequest.objects.get()
    assert (request.person, request.organization, request.requested_by) == (person, intruder.organization, intruder)
    assert request.status == PersonChangeRequest.Status.PENDING and request.source == "form"
    assert request.changes["name"] == {"old": "吴一", "new": "冒名"}
    assert set(request.changes) == {"name", "phone", "hukou_region", "residence_region", "receives_pension"}


def test_a_roster_with_another_organizations_person_asks_for_the_change(person, intruder):
    before = snapshot(person)
    file = roster(
        [
            {
                "姓名": "冒名",
                "公民身份号码": NUMBER,
                "手机号码": "13999999999",
                "户籍地区划代码": "150621",
                "常住地区划代码": "150621",
                "是否领取养老金": "是",
            }
        ]
    )
    result = roster_import(actor=intruder, file=file, organization=intruder.organization, file_name="r.xlsx")
    assert snapshot(person) == before
    assert result.change_requests == 1
    request = PersonChangeRequest.objects.get()
    assert request.source == "roster_import" and request.roster_import == result
    assert request.changes["receives_pension"] == {"old": False, "new": True}
    # Importing the same file again asks nothing twice.
    roster_import(actor=intruder, file=file, organization=intruder.organization, file_name="r.xlsx")
    assert PersonChangeRequest.objects.count() == 1


def test_person_register_never_updates_an_existing_record(person, intruder):
    before = snapshot(person)
    data = PersonData(id_number=NUMBER, name="冒名", hukou_region="150602", residence_region="150602", phone="1")
    again, created = person_register(actor=intruder, data=data, organization=intruder.organization)
    assert (again.pk, created) == (person.pk, False)
    assert snapshot(person) == before


def test_the_owner_accepts_and_the_change_applies_with_field_names_in_the_audit(person, intruder, owner_staff):
    data = PersonData(id_number=NUMBER, name="吴二", hukou_region="150602", residence_region="150602", phone="139")
    person_register(actor=intruder, data=data, organization=intruder.organization)
    request = PersonChangeRequest.objects.get()
    change_request_accept(request=request, actor=owner_staff)
    person.refresh_from_db()
    assert (person.name, person.phone) == ("吴二", "139")
    request.refresh_from_db()
    assert (request.status, request.decided_by) == (PersonChangeRequest.Status.ACCEPTED, owner_staff)
    assert request.decided_at is not None
    rec = AuditRecord.objects.filter(action="person.change_accept").get()
    assert sorted(rec.after["fields"]) == ["name", "phone"]
    assert "吴二" not in str(rec.after) and "吴一" not in str(rec.before) and "139" not in str(rec.after)


def test_only_hr_or_the_owning_department_decides(person, intruder):
    data = PersonData(id_number=NUMBER, name="吴二", hukou_region="150602", residence_region="150602")
    person_register(actor=intruder, data=data, organization=intruder.organization)
    request = PersonChangeRequest.objects.get()
    other_department = UserFactory(role=Role.DEPARTMENT_STAFF, organization=DepartmentFactory())
    for user in (intruder, other_department, UserFactory(role=Role.FINANCE_OFFICER)):
        with pytest.raises(DomainError):
            change_request_accept(request=request, actor=user)
    change_request_accept(request=request, actor=UserFactory(role=Role.HR_STAFF))
    assert snapshot(person)[0] == "吴二"


def test_rejecting_needs_a_reason_and_changes_nothing(person, intruder, owner_staff):
    before = snapshot(person)
    data = PersonData(id_number=NUMBER, name="冒名", hukou_region="150602", residence_region="150602")
    person_register(actor=intruder, data=data, organization=intruder.organization)
    request = PersonChangeRequest.objects.get()
    with pytest.raises(DomainError):
        change_request_reject(request=request, actor=owner_staff, reason="  ")
    change_request_reject(request=request, actor=owner_staff, reason="与户籍信息不符")
    request.refresh_from_db()
    assert (request.status, request.reason) == (PersonChangeRequest.Status.REJECTED, "与户籍信息不符")
    assert snapshot(person) == before
    assert AuditRecord.objects.filter(action="person.change_reject", reason="与户籍信息不符").exists()
    with pytest.raises(DomainError):  # decided once
        change_request_accept(request=request, actor=owner_staff)


def test_editing_someone_elses_record_in_the_back_office_is_a_request(client, person, owner, intruder):
    RosterEntry.objects.create(person=person, organization=intruder.organization)
    before = snapshot(person)
    data = {"name": "冒名", "phone": "", "hukou_region": "150602", "residence_region": "150602", "job_region": ""}
    for prefix in ("statuses", "roster_entries", "declared_categories", "grants"):
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    client.force_login(intruder)
    client.post(reverse("admin:registry_person_change", args=[person.pk]), data)
    assert snapshot(person) == before
    assert PersonChangeRequest.objects.get().changes["name"]["new"] == "冒名"


def test_linking_a_known_person_records_who_when_and_why(person, intruder, owner):
    data = PersonData(id_number=NUMBER, name="吴一", hukou_region="150602", residence_region="150602")
    person_register(actor=intruder, data=data, organization=intruder.organization, reason="报名电工培训班")
    link = RosterEntry.objects.get(organization=intruder.organization)
    assert (link.linked_existing, link.linked_by, link.reason) == (True, intruder, "报名电工培训班")
    assert link.created_at is not None
    first = RosterEntry.objects.get(organization=owner)
    assert first.linked_existing is False


def test_hr_lists_links_of_existing_persons_and_pending_requests(client, person, intruder, owner_staff):
    data = PersonData(id_number=NUMBER, name="冒名", hukou_region="150602", residence_region="150602")
    person_register(actor=intruder, data=data, organization=intruder.organization, reason="报名")
    hr = UserFactory(role=Role.HR_STAFF)
    client.force_login(hr)
    links = client.get(reverse("admin:registry_rosterentry_changelist"), {"linked_existing__exact": "1"})
    assert links.status_code == 200 and "报名" in links.content.decode()
    pending = client.get(reverse("admin:registry_personchangerequest_changelist"), {"status__exact": "pending"})
    assert pending.status_code == 200 and person.id_masked in pending.content.decode()
    # The owning department decides from its list, with an admin action.
    client.force_login(owner_staff)
    request = PersonChangeRequest.objects.get()
    response = client.post(
        reverse("admin:registry_personchangerequest_changelist"),
        {"action": "accept_selected", "_selected_action": [request.pk]},
    )
    assert response.status_code == 302
    assert snapshot(person)[0] == "冒名"


def test_an_institution_sees_no_requests_it_may_not_decide_and_cannot_accept_in_the_admin(client, person, intruder):
    data = PersonData(id_number=NUMBER, name="冒名", hukou_region="150602", residence_region="150602")
    person_register(actor=intruder, data=data, organization=intruder.organization)
    client.force_login(intruder)
    request = PersonChangeRequest.objects.get()
    client.post(
        reverse("admin:registry_personchangerequest_changelist"),
        {"action": "accept_selected", "_selected_action": [request.pk]},
    )
    assert snapshot(person)[0] == "吴一"
    request.refresh_from_db()
    assert request.status == PersonChangeRequest.Status.PENDING
