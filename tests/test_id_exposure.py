"""PIPL Art. 28, MLPS level 3: no role without the reveal grant can put a person's 18 characters
together from what it is shown. The office mask shows the first 6 and last 4; the middle 8 are the
birth date, so the birth date goes only to roles that may reveal, and the full number only through
the audited reveal."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.db import connection
from django.urls import NoReverseMatch, reverse

from skillfund.accounts.models import Role, User
from skillfund.core import audit
from skillfund.core.models import AuditRecord
from skillfund.registry import idnumbers
from skillfund.registry.actions import person_reveal_id
from skillfund.registry.models import Person
from tests.factories import UserFactory, make_person
from tests.idgen import make_id

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.SKILLFUND_REQUIRE_2FA = False


def birth_date_forms(day: date) -> set[str]:
    """Every way a page could print a birth date."""
    return {
        day.isoformat(),
        f"{day:%Y%m%d}",
        f"{day.year}年{day.month}月{day.day}日",
        f"{day:%Y/%m/%d}",
        f"{day.year}/{day.month}/{day.day}",
        f"{day:%Y.%m.%d}",
        f"{day.year}年{day.month:02d}月{day.day:02d}日",
    }


def leaks(text: str, persons: list[tuple[str, date]], *, may_reveal: bool) -> list[str]:
    found = []
    for number, birth in persons:
        if number in text:
            found.append(f"full number {idnumbers.mask(number)}")
        if not may_reveal:
            found += [
                f"birth date {form} of {idnumbers.mask(number)}" for form in birth_date_forms(birth) if form in text
            ]
    return found


def _person_paths(model) -> list[str]:
    """Lookups from `model` to a person, one hop deep (enough for every admin that shows one)."""
    if model is Person:
        return [""]
    paths = []
    for field in model._meta.get_fields():
        target = getattr(field, "related_model", None)
        if field.is_relation and field.many_to_one and target is not None:
            if target is Person:
                paths.append(field.name + "__")
            elif any(f.is_relation and f.many_to_one and f.related_model is Person for f in target._meta.get_fields()):
                paths += [f"{field.name}__{f.name}__" for f in target._meta.get_fields() if f.related_model is Person]
    return paths


def collect(client, user: User | None) -> dict[str, str]:
    """Every person-bearing response the back office, the API and the public pages give `user`."""
    pages: dict[str, str] = {}

    def get(url: str, params: dict | None = None) -> None:
        response = client.get(url, params or {})
        if response.status_code == 200:
            body = response.content
            pages[f"{url}?{params or ''}"] = body.decode("utf-8", "replace") if b"%PDF" not in body[:8] else ""

    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        try:
            changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        except NoReverseMatch:
            continue
        get(changelist)
        if not _person_paths(model):
            continue
        # Sorting by every column (an extra index past the last too): one column at a time.
        for n in range(1, len(model_admin.list_display) + 2):
            get(changelist, {"o": str(n) if n % 2 else f"-{n}"})
        for path in _person_paths(model):
            # Filtering or searching by birth date is an oracle: it must narrow nothing.
            get(changelist, {f"{path}birth_date__year": "1987"})
            get(changelist, {f"{path}birth_date": "1987-03-14"})
        get(changelist, {"q": "1987"})
        for pk in model.objects.order_by("pk").values_list("pk", flat=True)[:3]:
            get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[pk]))
    get(reverse("admin:autocomplete"), {"app_label": "registry", "model_name": "personstatus", "field_name": "person"})
    for name in ("api:applications", "api:batches"):
        get(reverse(name))
    get(reverse("notices:list"))
    from skillfund.claims.models import Application
    from skillfund.funds.models import PaymentBatch
    from skillfund.notices.models import Notice

    for reference in Application.objects.values_list("reference", flat=True)[:5]:
        get(reverse("api:application", args=[reference]))
    for reference in PaymentBatch.objects.values_list("reference", flat=True)[:3]:
        get(reverse("api:batch", args=[reference]))
        get(reverse("api:batch_file", args=[reference]))
    for reference in Notice.objects.values_list("reference", flat=True):
        get(reverse("notices:detail", args=[reference]))
    # The audit-log export (§4.3.a special audits), over every record.
    if user is not None:
        ids = [str(pk) for pk in AuditRecord.objects.values_list("pk", flat=True)]
        response = client.post(
            reverse("admin:core_auditrecord_changelist"), {"action": "export_csv", "_selected_action": ids}
        )
        if response.status_code == 200:
            pages["audit export"] = response.content.decode("utf-8-sig", "replace")
    return pages


@pytest.fixture
def demo_persons() -> list[tuple[str, date]]:
    call_command("setup_demo", persons=25)
    # A few more with birth dates that appear nowhere else, registered by a department's roster.
    dept = User.objects.get(username="dept_veterans").organization
    for n, birth in enumerate((date(1987, 3, 14), date(1979, 11, 23), date(1995, 7, 8))):
        make_person(id_number=make_id("150602", birth, 400 + n), organization=dept, phone=f"1380000{n:04d}")
    return [(idnumbers.decrypt(p.id_cipher), p.birth_date) for p in Person.objects.all()]


ROLES = [
    ("hr", True),
    ("dept_veterans", False),
    ("dept_hrss", False),
    ("institution", False),
    ("enterprise", False),
    ("finance", False),
    ("auditor", True),
    ("admin", False),
    (None, False),
]


def test_no_role_can_put_the_eighteen_characters_together(client, demo_persons):
    # One demo for all roles (loading it is most of the cost); the problems name role and page.
    problems = {}
    for username, may_reveal in ROLES:
        client.logout()
        user = User.objects.get(username=username) if username else None
        if user is not None:
            assert user.may_reveal_id_numbers is may_reveal
            client.force_login(user)
        pages = collect(client, user)
        if user is not None:
            assert any("********" in body for body in pages.values()), f"{username}: the sweep saw no person"
        for url, body in pages.items():
            if found := leaks(body, demo_persons, may_reveal=may_reveal):
                problems[(username, url)] = found
    assert problems == {}


def test_a_role_that_may_reveal_sees_the_full_number_only_through_the_audited_reveal(client, hr_user):
    number = make_id("150602", date(1987, 3, 14), 501)
    person = make_person(id_number=number, actor=hr_user)
    client.force_login(hr_user)
    change = client.get(reverse("admin:registry_person_change", args=[person.pk])).content.decode()
    assert number not in change and birth_date_forms(date(1987, 3, 14)) & set(re.findall(r"[\d年月日/.-]+", change))
    reveal = reverse("admin:registry_person_reveal", args=[person.pk])
    assert number not in client.get(reveal).content.decode()
    assert number in client.post(reveal, {"reason": "核对申请"}).content.decode()
    assert AuditRecord.objects.filter(action="person.reveal_id", target_id=str(person.pk)).count() == 1


def test_others_see_the_age_instead_of_the_birth_date(client, department):
    user = UserFactory(role=Role.DEPARTMENT_STAFF, organization=department)
    person = make_person(id_number=make_id("150602", date(1987, 3, 14), 502), organization=department)
    client.force_login(user)
    page = client.get(reverse("admin:registry_person_change", args=[person.pk])).content.decode()
    assert not leaks(page, [(idnumbers.decrypt(person.id_cipher), person.birth_date)], may_reveal=False)
    assert person.age_on(date(2020, 3, 13)) == 32 and person.age_on(date(2020, 3, 14)) == 33


def test_filtering_by_birth_date_narrows_nothing(client, department):
    """A filter that narrows a list by birth date tells the masked digits without printing them."""
    client.force_login(UserFactory(role=Role.DEPARTMENT_STAFF, organization=department))
    make_person(id_number=make_id("150602", date(1987, 3, 14), 508), organization=department, name="钱一")
    make_person(id_number=make_id("150602", date(1995, 7, 8), 509), organization=department, name="钱二")
    for url, params in (
        (reverse("admin:registry_person_changelist"), {"birth_date__year": "1987"}),
        (reverse("admin:registry_person_changelist"), {"birth_date__gte": "1990-01-01"}),
        (reverse("admin:registry_person_changelist"), {"id_index__startswith": "a"}),
        (reverse("admin:registry_rosterentry_changelist"), {"person__birth_date__year": "1987"}),
    ):
        response = client.get(url, params)
        assert response.status_code == 400, (url, params)  # DisallowedModelAdminLookup


# ---- searching by ID number without putting it in a URL -----------------------------------------


def test_a_get_search_with_a_full_id_number_is_not_an_id_search(client, hr_user):
    number = make_id("150602", date(1987, 3, 14), 503)
    make_person(id_number=number, name="赵六")
    client.force_login(hr_user)
    html = client.get(reverse("admin:registry_person_changelist"), {"q": number}).content.decode()
    assert "赵六" not in html


def test_find_by_id_number_is_a_post_that_redirects_to_the_record(client, hr_user):
    number = make_id("150602", date(1987, 3, 14), 504)
    person = make_person(id_number=number)
    client.force_login(hr_user)
    url = reverse("admin:registry_person_find")
    response = client.post(url, {"id_number": number.lower()})
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:registry_person_change", args=[person.pk])
    assert number not in response["Location"]
    assert client.get(url, {"id_number": number}).status_code in (200, 405)  # a GET never looks up


def test_find_by_id_number_finds_nobody_outside_the_users_scope(client, department, institution):
    number = make_id("150602", date(1987, 3, 14), 505)
    make_person(id_number=number, organization=institution)
    client.force_login(UserFactory(role=Role.DEPARTMENT_STAFF, organization=department))
    response = client.post(reverse("admin:registry_person_find"), {"id_number": number})
    assert response.status_code == 200 and "未找到" in response.content.decode()


# ---- the audit log names nobody ----------------------------------------------------------------


def test_audit_records_name_a_person_by_id_and_mask_only(hr_user, department):
    number = make_id("150602", date(1987, 3, 14), 506)
    person = make_person(id_number=number, name="孙八", phone="13812345678", actor=hr_user, organization=department)
    person_reveal_id(person=person, actor=hr_user, reason="核对")
    records = list(AuditRecord.objects.all())
    assert records
    for rec in records:
        text = f"{rec.target_label} {rec.before} {rec.after} {rec.reason}"
        assert "孙八" not in text and "13812345678" not in text and number not in text
    assert AuditRecord.objects.filter(target_label=f"person#{person.pk} {person.id_masked}").exists()


def test_deleting_a_person_leaves_no_audit_record_naming_them_and_the_chain_verifies(hr_user, department):
    number = make_id("150602", date(1987, 3, 14), 507)
    person = make_person(id_number=number, name="周九", phone="13887654321", actor=hr_user, organization=department)
    person_reveal_id(person=person, actor=hr_user, reason="删除前核对")
    Person.objects.filter(pk=person.pk).delete()  # a deletion request (PIPL Art. 47) for a record with no claims
    with connection.cursor() as cur:
        cur.execute("SELECT * FROM core_auditrecord")
        dump = repr(cur.fetchall())
    assert "周九" not in dump and "13887654321" not in dump and number not in dump and number[6:14] not in dump
    assert list(audit.verify()) == []
    assert re.search(rf"person#{person.pk} ", dump)
