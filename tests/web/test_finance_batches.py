"""Finance's payment-batch pages (skillfund/web/finance) and the actions behind them
(funds/payments.py): choose approved applications, create a batch, review its lines with masked
accounts, confirm with the second factor, pay with progress, download the bank file with the full
account numbers, record the bank's references, take an unpaid line out. Only finance."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from skillfund.accounts.models import Role
from skillfund.claims.workflow import Status
from skillfund.core.errors import DomainError
from skillfund.core.models import AuditRecord
from skillfund.funds.bankaccounts import bank_account_set
from skillfund.funds.models import PaymentBatch, PaymentLine, Transaction
from skillfund.funds.payments import (
    payment_batch_confirm,
    payment_batch_create,
    payment_batch_pay,
    payment_file_export,
)
from skillfund.training.models import ClassPlan
from skillfund.web import nav
from tests.factories import OrganizationFactory, UserFactory, make_class_plan
from tests.funds_helpers import finance_officer, fund
from tests.test_payments import approved_class, approved_individual

pytestmark = pytest.mark.django_db(transaction=True)

PERSON_NUMBER = "6222021234567891234"
ORG_NUMBER = "06050012345678901234"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def world(db):
    finance = finance_officer()
    fund("100000.00", actor=finance)
    hr = UserFactory(role=Role.HR_STAFF, username="hr")
    person_app = approved_individual(hr)
    plan = make_class_plan(funding_mode=ClassPlan.FundingMode.ENTERPRISE)
    class_app = approved_class(hr, plan, trainees=1)
    bank_account_set(
        party=person_app.person, account_name=person_app.person.name, bank_name="农行", number=PERSON_NUMBER, actor=hr
    )
    bank_account_set(
        party=plan.institution, account_name=plan.institution.name, bank_name="工行", number=ORG_NUMBER, actor=hr
    )
    return {"finance": finance, "hr": hr, "person_app": person_app, "class_app": class_app, "plan": plan}


def _client(client, user):
    client.force_login(user)
    return client


def _audit_text() -> str:
    rows = AuditRecord.objects.values("target_label", "before", "after", "reason")
    return json.dumps(list(rows), ensure_ascii=False, default=str)


# ---- the whole flow on the pages -----------------------------------------------------------------


def test_finance_pays_a_batch_from_the_pages(client, world):
    c = _client(client, world["finance"])
    apps = [world["person_app"], world["class_app"]]
    page = c.get(reverse("web:finance:payable")).content.decode()
    assert all(a.reference in page for a in apps)
    assert "2400.00" in page  # 1,200 CNY granted each, totalled in Decimal

    created = c.post(reverse("web:finance:batch_create"), {"applications": [a.pk for a in apps]})
    batch = PaymentBatch.objects.get()
    assert created.status_code == 302 and created["Location"] == reverse("web:finance:batch", args=[batch.pk])
    assert batch.confirmation_required and batch.confirmed_at is None

    detail = c.get(reverse("web:finance:batch", args=[batch.pk])).content.decode()
    assert "6222 **** **** 1234" in detail and "0605 **** **** 1234" in detail  # masked accounts
    assert PERSON_NUMBER not in detail and ORG_NUMBER not in detail
    assert 'href="/policy/' in detail or "§4.3.d" in detail  # the clause, linked
    assert 'id="confirm-form"' in detail and 'id="pay-form"' not in detail  # confirm before paying
    with pytest.raises(DomainError) as exc:  # not confirmed yet: the action refuses to pay
        payment_batch_pay(batch=batch, actor=world["finance"])
    assert exc.value.code == "batch_not_confirmed"

    assert c.post(reverse("web:finance:batch_confirm", args=[batch.pk]), {}).status_code == 302  # relaxed demo
    batch.refresh_from_db()
    assert batch.confirmed_by == world["finance"]
    confirm = AuditRecord.objects.get(action="payment.batch_confirm")
    assert confirm.after["second_factor"] == "relaxed"

    # The page pays a chunk per request (htmx) and asks for the next while lines remain.
    first = c.post(reverse("web:finance:batch_pay", args=[batch.pk]), **HTMX).content.decode()
    assert 'id="pay-progress"' in first
    steps = 0
    while 'hx-trigger="load' in first and steps < 5:
        first = c.post(reverse("web:finance:batch_pay", args=[batch.pk]), {"step": "next"}, **HTMX).content.decode()
        steps += 1
    assert 'hx-trigger="load' not in first
    for a in apps:
        a.refresh_from_db()
        assert a.status == Status.PAID
        assert Transaction.objects.filter(idempotency_key=f"application:{a.pk}:pay").count() == 1
    assert not PaymentLine.objects.filter(batch=batch, transaction__isnull=True).exists()

    download = c.get(reverse("web:finance:batch_file", args=[batch.pk]) + "?fmt=csv")
    assert download.status_code == 200
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert {r[8] for r in rows[1:-1]} == {PERSON_NUMBER, ORG_NUMBER}  # the bank file: full numbers
    assert rows[-1][3] == "2400.00"
    assert AuditRecord.objects.filter(action="payment.bank_file", target_id=str(batch.pk)).count() == 1
    assert PERSON_NUMBER not in _audit_text() and ORG_NUMBER not in _audit_text()

    line = PaymentLine.objects.filter(batch=batch).order_by("pk").first()
    url = reverse("web:finance:line_reference", args=[batch.pk, line.pk])
    assert c.post(url, {"reference": ""}).status_code == 400  # a field error, nothing recorded
    assert c.post(url, {"reference": "BK20260001"}).status_code == 302
    line.refresh_from_db()
    assert line.bank_reference == "BK20260001"
    assert "BK20260001" in c.get(reverse("web:finance:batch", args=[batch.pk])).content.decode()
    assert batch.reference in c.get(reverse("web:finance:batches")).content.decode()


def test_paying_twice_pays_each_line_once(client, world):
    c = _client(client, world["finance"])
    batch = payment_batch_create(applications=[world["person_app"]], actor=world["finance"], confirmation_required=True)
    payment_batch_confirm(batch=batch, actor=world["finance"])
    url = reverse("web:finance:batch_pay", args=[batch.pk])
    assert c.post(url).status_code == 302
    assert c.post(url).status_code == 302  # a double submit, or a reload
    assert c.post(url, **HTMX).status_code == 200
    key = f"application:{world['person_app'].pk}:pay"
    assert Transaction.objects.filter(idempotency_key=key).count() == 1
    assert world["person_app"].events.filter(step="pay").count() == 1


def test_creating_the_same_batch_twice_is_refused_with_a_message(client, world):
    c = _client(client, world["finance"])
    data = {"applications": [world["person_app"].pk]}
    c.post(reverse("web:finance:batch_create"), data)
    again = c.post(reverse("web:finance:batch_create"), data, follow=True).content.decode()
    assert PaymentBatch.objects.count() == 1
    assert "已在其他付款批次中" in again or "already in a payment batch" in again


def test_a_line_is_taken_out_before_payment_with_a_reason(client, world):
    c = _client(client, world["finance"])
    apps = [world["person_app"], world["class_app"]]
    batch = payment_batch_create(applications=apps, actor=world["finance"], confirmation_required=True)
    line = batch.lines.get(application=world["class_app"])
    url = reverse("web:finance:line_cancel", args=[batch.pk, line.pk])
    refused = c.post(url, {"reason": "  "})
    assert refused.status_code == 400 and PaymentLine.objects.get(pk=line.pk).cancelled_at is None
    assert c.post(url, {"reason": "账户待核实"}).status_code == 302
    assert AuditRecord.objects.get(action="payment.line_cancel").reason == "账户待核实"
    # The application is ready to pay again, and the batch pays the other line only.
    assert world["class_app"].reference in c.get(reverse("web:finance:payable")).content.decode()
    payment_batch_confirm(batch=batch, actor=world["finance"])
    run = payment_batch_pay(batch=batch, actor=world["finance"])
    assert len(run.paid) == 1
    paid = batch.lines.get(application=world["person_app"])
    again = c.post(reverse("web:finance:line_cancel", args=[batch.pk, paid.pk]), {"reason": "晚了"})
    assert again.status_code == 400  # a paid line is not taken out (the action refuses)
    assert PaymentLine.objects.get(pk=paid.pk).cancelled_at is None


# ---- the second factor ---------------------------------------------------------------------------


def test_the_confirmation_asks_for_the_totp_code_of_a_user_with_a_device(world):
    finance = world["finance"]
    device = TOTPDevice.objects.create(user=finance, name="phone", confirmed=True)
    batch = payment_batch_create(applications=[world["person_app"]], actor=finance, confirmation_required=True)
    for wrong in ("", "000000x", f"{(totp(device.bin_key) + 1) % 1000000:06d}"):
        with pytest.raises(DomainError) as exc:
            payment_batch_confirm(batch=batch, actor=finance, code=wrong)
        assert exc.value.code == "second_factor_wrong"
        device.throttle_reset()
    batch.refresh_from_db()
    assert batch.confirmed_at is None
    payment_batch_confirm(batch=batch, actor=finance, code=f"{totp(device.bin_key):06d}")
    batch.refresh_from_db()
    assert batch.confirmed_at is not None
    assert AuditRecord.objects.get(action="payment.batch_confirm").after["second_factor"] == "totp"


def test_production_refuses_a_confirmation_without_a_device(world, settings):
    settings.SKILLFUND_REQUIRE_2FA = True
    batch = payment_batch_create(applications=[world["person_app"]], actor=world["finance"], confirmation_required=True)
    with pytest.raises(DomainError) as exc:
        payment_batch_confirm(batch=batch, actor=world["finance"])
    assert exc.value.code == "second_factor_missing"


# ---- who may ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.HR_STAFF, Role.AUDITOR, Role.INSTITUTION_OPERATOR, Role.DEPARTMENT_STAFF])
def test_other_roles_get_403_on_every_finance_page(client, world, role):
    org = OrganizationFactory() if role in (Role.INSTITUTION_OPERATOR, Role.DEPARTMENT_STAFF) else None
    if role == Role.DEPARTMENT_STAFF:
        org = world["person_app"].department
    user = UserFactory(role=role, organization=org)
    batch = payment_batch_create(applications=[world["person_app"]], actor=world["finance"], confirmation_required=True)
    line = batch.lines.get()
    c = _client(client, user)
    for name, args in [("payable", []), ("batches", []), ("batch", [batch.pk]), ("batch_file", [batch.pk])]:
        assert c.get(reverse(f"web:finance:{name}", args=args)).status_code == 403, name
    for name, args in [
        ("batch_create", []),
        ("batch_confirm", [batch.pk]),
        ("batch_pay", [batch.pk]),
        ("line_cancel", [batch.pk, line.pk]),
        ("line_reference", [batch.pk, line.pk]),
    ]:
        assert c.post(reverse(f"web:finance:{name}", args=args), {"reason": "x", "reference": "x"}).status_code == 403
    offered = {e.url for e in nav.entries(user)}
    assert not offered & {reverse("web:finance:payable"), reverse("web:finance:batches")}
    batch.refresh_from_db()
    assert batch.confirmed_at is None and not batch.lines.filter(cancelled_at__isnull=False).exists()


def test_the_actions_refuse_other_roles(world):
    finance, hr = world["finance"], world["hr"]
    batch = payment_batch_create(applications=[world["person_app"]], actor=finance, confirmation_required=True)
    for actor in (hr, UserFactory(role=Role.AUDITOR)):
        with pytest.raises(DomainError) as exc:
            payment_batch_confirm(batch=batch, actor=actor)
        assert exc.value.code == "not_permitted"
        with pytest.raises(DomainError):
            payment_file_export(batch=batch, fmt="csv", actor=actor)
    assert not AuditRecord.objects.filter(action__in=["payment.batch_confirm", "payment.bank_file"]).exists()


def test_anonymous_users_are_sent_to_sign_in(client, world):
    response = client.get(reverse("web:finance:payable"))
    assert response.status_code == 302 and reverse("web:login") in response["Location"]


def test_an_unknown_batch_or_a_line_of_another_batch_is_not_found(client, world):
    c = _client(client, world["finance"])
    one = payment_batch_create(applications=[world["person_app"]], actor=world["finance"])
    other = payment_batch_create(applications=[world["class_app"]], actor=world["finance"])
    assert c.get(reverse("web:finance:batch", args=[999999])).status_code == 404
    assert c.get(reverse("web:finance:batch_file", args=[999999])).status_code == 404
    foreign = other.lines.get()
    assert c.post(reverse("web:finance:line_cancel", args=[one.pk, foreign.pk]), {"reason": "x"}).status_code == 404
    assert PaymentLine.objects.get(pk=foreign.pk).cancelled_at is None


# ---- bad input ----------------------------------------------------------------------------------


def test_bad_input_never_causes_a_500(client, world):
    c = _client(client, world["finance"])
    for query in ("?department=abc", "?department=999999999999999999999", "?kind=zzz", "?page=zzz", "?q=" + "x" * 500):
        assert c.get(reverse("web:finance:payable") + query).status_code == 200, query
    for data in ({}, {"applications": "abc"}, {"applications": "99999999"}, {"applications": "1" * 40}):
        response = c.post(reverse("web:finance:batch_create"), data, follow=True)
        assert response.status_code == 200, data
    assert not PaymentBatch.objects.exists()
    batch = payment_batch_create(applications=[world["person_app"]], actor=world["finance"], confirmation_required=True)
    assert c.get(reverse("web:finance:batch_file", args=[batch.pk]) + "?fmt=pdf").status_code == 400
    assert c.get(reverse("web:finance:batch", args=[batch.pk]) + "?page=-1").status_code == 200
    line = batch.lines.get()
    long_ref = c.post(reverse("web:finance:line_reference", args=[batch.pk, line.pk]), {"reference": "x" * 61})
    assert long_ref.status_code == 400
    unpaid = c.post(reverse("web:finance:line_reference", args=[batch.pk, line.pk]), {"reference": "BK1"})
    assert unpaid.status_code == 400  # the action refuses: the line is not paid yet


# ---- query counts -------------------------------------------------------------------------------


def test_the_list_pages_do_not_grow_queries_with_rows(client, world, django_assert_max_num_queries):
    finance = world["finance"]
    c = _client(client, finance)
    more = [approved_individual(world["hr"]) for _ in range(4)]
    batch = payment_batch_create(
        applications=[world["person_app"], world["class_app"], *more], actor=finance, confirmation_required=True
    )
    for _ in range(3):
        payment_batch_create(applications=[approved_individual(world["hr"])], actor=finance)
    for _ in range(5):
        approved_individual(world["hr"])
    pages = [
        (reverse("web:finance:payable"), 8),
        (reverse("web:finance:batches"), 4),
        (reverse("web:finance:batch", args=[batch.pk]), 8),
    ]
    for url, limit in pages:
        with django_assert_max_num_queries(limit):
            assert c.get(url).status_code == 200


# ---- language ---------------------------------------------------------------------------------------


def test_the_pages_are_chinese_by_default_and_english_on_request(client, world, settings):
    c = _client(client, world["finance"])
    zh = c.get(reverse("web:finance:payable")).content.decode()
    assert "已批准待拨付的申请" in zh and "已等待" in zh and "核定补贴（元）" in zh
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    en = c.get(reverse("web:finance:payable")).content.decode()
    assert "Approved applications ready to pay" in en and "waiting" in en and "已批准待拨付" not in en
    batch = payment_batch_create(applications=[world["person_app"]], actor=world["finance"], confirmation_required=True)
    refused = c.post(reverse("web:finance:line_cancel", args=[batch.pk, batch.lines.get().pk]), {"reason": ""})
    assert "This field is required." in refused.content.decode()  # at the field, in the user's language


# ---- the bank's references from a file ---------------------------------------------------------------


def _paid_batch(world):
    apps = [world["person_app"], world["class_app"]]
    batch = payment_batch_create(applications=apps, actor=world["finance"], confirmation_required=True)
    payment_batch_confirm(batch=batch, actor=world["finance"])
    payment_batch_pay(batch=batch, actor=world["finance"])
    return batch


def _returned_bank_file(batch, finance, references: dict[str, str]) -> bytes:
    """The bank file as the bank sends it back: each row with a 银行流水号 column added."""
    rows = list(csv.reader(io.StringIO(payment_file_export(batch=batch, fmt="csv", actor=finance).decode("utf-8-sig"))))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*rows[0], "银行流水号"])
    for row in rows[1:]:
        writer.writerow([*row, references.get(row[4], "")])
    return out.getvalue().encode("utf-8")


def test_the_banks_references_are_recorded_from_its_returned_file(client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    c = _client(client, world["finance"])
    batch = _paid_batch(world)
    refs = {world["person_app"].reference: "BK-1", world["class_app"].reference: "BK-2"}
    url = reverse("web:finance:references_upload", args=[batch.pk])

    wrong = dict(refs, **{world["class_app"].reference: "X" * 61})
    bad = c.post(url, {"file": SimpleUploadedFile("back.csv", _returned_bank_file(batch, world["finance"], wrong))})
    assert bad.status_code == 400 and "X" * 60 in bad.content.decode()  # the row's problem is shown
    assert not batch.lines.exclude(bank_reference="").exists()  # all or nothing

    good = SimpleUploadedFile("back.csv", _returned_bank_file(batch, world["finance"], refs))
    done = c.post(url, {"file": good})
    assert done.status_code == 302, re.sub(r"<[^>]+>", " ", done.content.decode())[-3000:]
    assert dict(batch.lines.values_list("application__reference", "bank_reference")) == refs
    assert AuditRecord.objects.filter(action="payment.bank_reference").count() == 2

    garbage = c.post(url, {"file": SimpleUploadedFile("x.pdf", b"%PDF-1.4 nothing")})
    assert garbage.status_code == 400
    assert c.post(url, {}).status_code == 400  # no file: a field error
