"""The auditor's audit log (§4.3.c): records filtered and paged, persons only as person#<id> <mask>,
action names instead of codes, and a button that verifies the keyed chain: intact, then the
tampered record named."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import reverse

from skillfund.accounts.models import Role
from skillfund.core import audit
from skillfund.core.models import AuditRecord
from tests.factories import DepartmentFactory, UserFactory, make_person
from tests.test_audit_log import _tamper

AUDIT = reverse("web:review:audit")
VERIFY = reverse("web:review:audit_verify")


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.SKILLFUND_REQUIRE_2FA = False
    settings.LANGUAGE_CODE = "zh-hans"


@pytest.mark.django_db
def test_the_auditor_reads_the_log_with_persons_named_by_their_mask(client):
    auditor = UserFactory(role=Role.AUDITOR)
    person = make_person(name="王小明")
    client.force_login(auditor)
    response = client.get(AUDIT)
    assert response.status_code == 200
    text = response.content.decode()
    assert f"person#{person.pk} {person.id_masked}" in text
    assert "王小明" not in text  # the log holds no names
    assert "实名登记" in text  # the action by name, not person.register
    filtered = client.get(AUDIT, {"action": "person.register", "since": "bad-date", "target": "person#"})
    assert filtered.status_code == 200 and "since" in filtered.context["form"].errors
    assert filtered.context["page"].paginator.count >= 1
    assert client.get(AUDIT, {"action": "nothing.like.this"}).context["page"].paginator.count == 0


@pytest.mark.django_db
def test_the_audit_log_is_for_its_readers_only(client):
    client.force_login(UserFactory(role=Role.DEPARTMENT_STAFF, organization=DepartmentFactory()))
    assert client.get(AUDIT).status_code == 403
    assert client.post(VERIFY).status_code == 403
    client.force_login(UserFactory(role=Role.FINANCE_OFFICER))
    assert client.get(AUDIT).status_code == 403


@pytest.mark.django_db
def test_the_log_page_query_count_does_not_grow(client, django_assert_max_num_queries):
    client.force_login(UserFactory(role=Role.AUDITOR))
    client.get(AUDIT)
    for n in (2, 30):
        for i in range(n):
            with transaction.atomic():
                audit.record(actor=None, action="test.write", after={"i": i})
        with django_assert_max_num_queries(6):
            assert client.get(AUDIT).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_verify_says_intact_then_names_the_tampered_record(client):
    auditor = UserFactory(role=Role.AUDITOR)
    for i in range(3):
        with transaction.atomic():
            audit.record(actor=None, action="test.write", after={"i": i})
    client.force_login(auditor)
    response = client.post(VERIFY)
    assert response.status_code == 200 and response.context["findings"] == []
    assert "审计链完整" in response.content.decode()
    count = AuditRecord.objects.count()
    victim = AuditRecord.objects.order_by("seq")[1]
    _tamper(("UPDATE core_auditrecord SET reason = %s WHERE id = %s", ["nothing to see", victim.pk]))
    response = client.post(VERIFY)
    findings = response.context["findings"]
    assert len(findings) == 1 and f"第{victim.seq}条" in findings[0]
    assert "校验码与内容不符" in response.content.decode()
    assert AuditRecord.objects.count() == count  # verifying changes nothing
    client.cookies.load({"django_language": "en"})
    english = client.post(VERIFY, HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 200
