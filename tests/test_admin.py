"""The back office: Simplified Chinese by default with English selectable, every model under the
scoping mixin, and every write through an action that leaves an audit record."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.contrib import admin
from django.urls import reverse

from skillfund.accounts import permissions
from skillfund.accounts.admin_scoping import ScopedAdminMixin
from skillfund.accounts.models import Role, User
from skillfund.core.models import AuditRecord
from skillfund.organizations.models import Organization
from skillfund.registry import idnumbers
from skillfund.registry.models import Person, PersonStatus, RosterEntry
from tests.factories import DepartmentFactory, OrganizationFactory, UserFactory, make_credit_code, make_person
from tests.idgen import make_id

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_settings(settings):
    settings.SKILLFUND_REQUIRE_2FA = False
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def dept():
    return DepartmentFactory(name="退役军人事务局", unit_code="veterans")


@pytest.fixture
def users(dept):
    return {
        Role.HR_STAFF: UserFactory(role=Role.HR_STAFF),
        Role.DEPARTMENT_STAFF: UserFactory(role=Role.DEPARTMENT_STAFF, organization=dept),
        Role.INSTITUTION_OPERATOR: UserFactory(role=Role.INSTITUTION_OPERATOR, organization=OrganizationFactory()),
        Role.ENTERPRISE_OPERATOR: UserFactory(
            role=Role.ENTERPRISE_OPERATOR, organization=OrganizationFactory(kind=Organization.Kind.ENTERPRISE)
        ),
        Role.FINANCE_OFFICER: UserFactory(role=Role.FINANCE_OFFICER),
        Role.AUDITOR: UserFactory(role=Role.AUDITOR),
        Role.SYSADMIN: UserFactory(role=Role.SYSADMIN),
    }


def as_user(client, user):
    client.force_login(user)
    return client


def test_every_registered_model_is_scoped():
    for model, model_admin in admin.site._registry.items():
        assert isinstance(model_admin, ScopedAdminMixin), model
        for inline in model_admin.inlines:
            assert issubclass(inline, ScopedAdminMixin), inline


@pytest.mark.parametrize("role", [r for r in Role if r != Role.WORKER])  # workers: tests/web/test_worker_signin.py
def test_every_list_the_role_may_view_loads(client, users, role):
    user = users[role]
    make_person(organization=user.organization, actor=users[Role.HR_STAFF])
    c = as_user(client, user)
    assert c.get(reverse("admin:index")).status_code == 200
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        expected = 200 if permissions.allowed(user, model._meta.label_lower, "view") else 403
        assert c.get(url).status_code == expected, (role, url)


def test_back_office_is_chinese_by_default_and_english_on_request(client, users):
    c = as_user(client, users[Role.HR_STAFF])
    html = c.get(reverse("admin:index")).content.decode()
    assert 'lang="zh-hans"' in html and "最近动作" in html and "后台数据管理" in html and "人员" in html
    c.post(reverse("set_language"), {"language": "en", "next": "/admin/"})
    html = c.get(reverse("admin:index")).content.decode()
    assert 'lang="en"' in html and "Recent actions" in html and "Persons" in html


def test_department_registers_a_person_on_its_own_roster(client, users, dept):
    user = users[Role.DEPARTMENT_STAFF]
    number = make_id("150602", date(1988, 3, 3), 41)
    data = {
        "id_number": number,
        "name": "赵六",
        "phone": "",
        "hukou_region": "150602",
        "residence_region": "150602",
        "job_region": "",
    }
    response = as_user(client, user).post(reverse("admin:registry_person_add"), data)
    assert response.status_code == 302
    person = Person.objects.get(name="赵六")
    assert person.id_masked == idnumbers.mask(number)
    assert RosterEntry.objects.filter(person=person, organization=dept).exists()
    assert AuditRecord.objects.filter(action="person.register", target_id=str(person.pk), actor=user).exists()


def test_an_invalid_id_number_is_refused_with_a_reason(client, users):
    data = {"id_number": "150602198803030410", "name": "赵六", "hukou_region": "150602", "residence_region": "150602"}
    response = as_user(client, users[Role.HR_STAFF]).post(reverse("admin:registry_person_add"), data)
    assert response.status_code == 200
    assert "校验位" in response.content.decode()
    assert not Person.objects.exists()


def test_person_edit_goes_through_the_registry_action(client, users):
    hr = users[Role.HR_STAFF]
    person = make_person(actor=hr, name="钱七")
    data = {"name": "钱七七", "phone": "13900000000", "hukou_region": "150602", "residence_region": "150603"}
    # the read-only inlines' management forms
    for prefix in ("statuses", "roster_entries", "declared_categories", "grants"):
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    response = as_user(client, hr).post(reverse("admin:registry_person_change", args=[person.pk]), data)
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.name, person.residence_region) == ("钱七七", "150603")
    record = AuditRecord.objects.filter(action="person.update", target_id=str(person.pk)).latest("id")
    assert record.after == {"fields": ["name", "phone", "residence_region"]}  # names, never values


def test_department_asserts_statuses_in_its_own_name(client, users, dept):
    user = users[Role.DEPARTMENT_STAFF]
    person = make_person(organization=dept, actor=users[Role.HR_STAFF])
    other = DepartmentFactory()
    data = {"person": person.pk, "kind": "veteran", "valid_from": "2020-01-01", "source_org": other.pk}
    response = as_user(client, user).post(reverse("admin:registry_personstatus_add"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    status = PersonStatus.objects.get(person=person)
    assert status.source_org == dept
    assert AuditRecord.objects.filter(action="person.status_add", actor=user).exists()


def test_organization_credit_code_is_validated(client, users):
    c = as_user(client, users[Role.HR_STAFF])
    data = {"kind": "training_institution", "name": "新学校", "credit_code": "91150602MA0000001X", "region": "150602"}
    response = c.post(reverse("admin:organizations_organization_add"), data)
    assert response.status_code == 200
    assert "统一社会信用代码" in response.content.decode()
    data["credit_code"] = make_credit_code(9999)
    response = c.post(reverse("admin:organizations_organization_add"), data)
    assert response.status_code == 302
    org = Organization.objects.get(name="新学校")
    assert AuditRecord.objects.filter(action="organizations.organization.create", target_id=str(org.pk)).exists()


def test_organization_status_changes_need_a_reason_and_are_audited(client, users):
    org = OrganizationFactory()
    c = as_user(client, users[Role.HR_STAFF])
    url = reverse("admin:organizations_organization_status", args=[org.pk])
    assert url in c.get(reverse("admin:organizations_organization_change", args=[org.pk])).content.decode()
    assert c.post(url, {"status": "exited", "reason": ""}).status_code == 200
    org.refresh_from_db()
    assert org.status == Organization.Status.ACTIVE
    response = c.post(url, {"status": "exited", "reason": "质量评估不合格（§3.2.3）"})
    assert response.status_code == 302
    org.refresh_from_db()
    assert (org.status, org.status_reason) == ("exited", "质量评估不合格（§3.2.3）")
    record = AuditRecord.objects.get(action="organization.set_status", target_id=str(org.pk))
    assert record.before == {"status": "active"} and record.after == {"status": "exited"}


def test_status_is_not_editable_in_the_organization_form(client, users):
    org = OrganizationFactory()
    c = as_user(client, users[Role.HR_STAFF])
    data = {"kind": org.kind, "name": org.name, "credit_code": org.credit_code, "region": org.region}
    c.post(reverse("admin:organizations_organization_change", args=[org.pk]), {**data, "status": "exited"})
    org.refresh_from_db()
    assert org.status == Organization.Status.ACTIVE


def test_department_cannot_change_organization_status(client, users):
    org = OrganizationFactory()
    c = as_user(client, users[Role.DEPARTMENT_STAFF])
    url = reverse("admin:organizations_organization_status", args=[org.pk])
    assert c.post(url, {"status": "suspended", "reason": "x"}).status_code == 403


def test_auditor_exports_the_audit_log_as_csv_and_the_export_is_recorded(client, users):
    make_person(actor=users[Role.HR_STAFF])
    c = as_user(client, users[Role.AUDITOR])
    ids = list(AuditRecord.objects.values_list("pk", flat=True))
    response = c.post(reverse("admin:core_auditrecord_changelist"), {"action": "export_csv", "_selected_action": ids})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:6] == ["seq", "id", "at", "actor_username", "actor_role", "action"]
    assert len(rows) == len(ids) + 1
    assert AuditRecord.objects.filter(action="audit.export", actor=users[Role.AUDITOR]).exists()


def test_audit_log_list_filters(client, users):
    make_person(actor=users[Role.HR_STAFF])
    c = as_user(client, users[Role.AUDITOR])
    response = c.get(reverse("admin:core_auditrecord_changelist"), {"action": "person.register"})
    assert response.status_code == 200
    assert "person.register" in response.content.decode()


def test_sysadmin_creates_accounts_with_staff_access_and_an_audit_record(client, users, dept):
    c = as_user(client, users[Role.SYSADMIN])
    data = {
        "username": "newstaff",
        "usable_password": "true",
        "password1": "a long enough passphrase 42",
        "password2": "a long enough passphrase 42",
        "role": Role.DEPARTMENT_STAFF,
        "organization": dept.pk,
    }
    response = c.post(reverse("admin:accounts_user_add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    user = User.objects.get(username="newstaff")
    assert user.is_staff and not user.is_superuser
    assert AuditRecord.objects.filter(action="user.create", target_id=str(user.pk)).exists()


def test_scoped_role_needs_an_organization(client, users):
    c = as_user(client, users[Role.SYSADMIN])
    data = {
        "username": "orphan",
        "usable_password": "true",
        "password1": "a long enough passphrase 42",
        "password2": "a long enough passphrase 42",
        "role": Role.INSTITUTION_OPERATOR,
    }
    response = c.post(reverse("admin:accounts_user_add"), data)
    assert response.status_code == 200
    assert not User.objects.filter(username="orphan").exists()


def test_hr_staff_cannot_create_accounts(client, users):
    assert as_user(client, users[Role.HR_STAFF]).get(reverse("admin:accounts_user_add")).status_code == 403


def test_totp_secret_is_never_shown(client, users):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=users[Role.HR_STAFF], name="phone", confirmed=True)
    c = as_user(client, users[Role.AUDITOR])
    html = c.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk])).content.decode()
    assert device.key not in html


def test_catalog_is_read_only_for_departments(client, users):
    c = as_user(client, users[Role.DEPARTMENT_STAFF])
    assert c.get(reverse("admin:catalog_catalogitem_changelist")).status_code == 200
    assert c.get(reverse("admin:catalog_catalogitem_add")).status_code == 403


# ---- the roster import page (registry.importing) -------------------------------------------------


def _roster_csv(*rows: tuple[str, str]) -> bytes:
    lines = ["姓名,公民身份号码,户籍地区划代码,常住地区划代码"]
    lines += [f"{name},{number},150602,150602" for name, number in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def test_institution_import_puts_everyone_on_its_own_roster(client, users):
    from django.core.files.uploadedfile import SimpleUploadedFile

    user = users[Role.INSTITUTION_OPERATOR]
    number = make_id("150602", date(1995, 5, 5), 52)
    upload = SimpleUploadedFile("名册.csv", _roster_csv(("孙八", number)), content_type="text/csv")
    response = as_user(client, user).post(reverse("web:roster_import"), {"file": upload})
    assert response.status_code == 200
    person = Person.objects.get(name="孙八")
    assert RosterEntry.objects.filter(person=person, organization=user.organization).exists()
    assert number not in response.content.decode()


def test_import_with_a_bad_row_writes_nothing_and_lists_the_problem(client, users):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("名册.csv", _roster_csv(("周九", "150602199001010000")), content_type="text/csv")
    response = as_user(client, users[Role.HR_STAFF]).post(reverse("web:roster_import"), {"file": upload})
    assert response.status_code == 200
    assert "校验位" in response.content.decode()
    assert not Person.objects.exists()


@pytest.mark.parametrize("role", [Role.FINANCE_OFFICER, Role.AUDITOR])
def test_read_only_roles_cannot_import(client, users, role):
    assert as_user(client, users[role]).get(reverse("web:roster_import")).status_code == 403


def test_chosen_language_middleware_ignores_the_browser_language(client, users, settings):
    settings.MIDDLEWARE = [
        "skillfund.web.middleware.ChosenLanguageMiddleware" if m.endswith("LocaleMiddleware") else m
        for m in settings.MIDDLEWARE
    ]
    c = as_user(client, users[Role.HR_STAFF])
    html = c.get(reverse("admin:index"), headers={"accept-language": "en-US,en;q=0.9"}).content.decode()
    assert 'lang="zh-hans"' in html
    c.post(reverse("set_language"), {"language": "en", "next": "/admin/"})
    html = c.get(reverse("admin:index"), headers={"accept-language": "zh-CN"}).content.decode()
    assert 'lang="en"' in html
