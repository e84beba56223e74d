"""Paying approved applications in batches (funds/payments.py): one line per application, each
paid once, with the advance deducted (§3.3.h) and recoveries kept back (§4.3.b); a payment file
for the bank without full ID numbers; the bank's reference recorded afterwards."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from skillfund.accounts.models import Role
from skillfund.claims.actions import claim_submit
from skillfund.claims.models import Application, Claim
from skillfund.claims.review import application_create, application_step
from skillfund.claims.workflow import Path, Status
from skillfund.core import audit
from skillfund.core.errors import DomainError
from skillfund.core.models import AuditRecord
from skillfund.funds import selectors
from skillfund.funds.models import PaymentLine, Transaction
from skillfund.funds.payments import (
    batch_status,
    chunk_size,
    payment_batch_create,
    payment_batch_pay,
    payment_file,
    payment_line_cancel,
    payment_record_bank_reference,
)
from skillfund.funds.payouts import advance_pay
from skillfund.funds.recoveries import recover
from skillfund.notices.actions import notice_publish
from skillfund.registry.actions import person_status_add
from skillfund.registry.models import StatusKind
from skillfund.training.models import ClassPlan
from tests.factories import (
    DepartmentFactory,
    UserFactory,
    asserting_unit,
    make_catalog_item,
    make_class_plan,
    make_occupation,
    make_person,
)
from tests.funds_helpers import balance, finance_officer, fund, snapshot
from tests.idgen import make_id

pytestmark = pytest.mark.django_db(transaction=True)

# ---- set-up shared with the reliability and API tests --------------------------------------------


def make_claim(person, *, kind: str = Claim.Kind.INDIVIDUAL, item=None, plan=None) -> Claim:
    item = item or make_catalog_item()
    return claim_submit(
        actor=None,
        person=person,
        catalog_item=item,
        training_region="150602",
        start_date=date(2020, 3, 1),
        end_date=date(2020, 3, 5),
        certificate_kind=item.certificate_kind,
        kind=kind,
        department=plan.department if plan else None,
        today=date(2021, 1, 1),
    )


def approve(application: Application, hr) -> Application:
    """Walk the application to approved by distinct people (segregation of duties): another HR
    officer submits on the applicant's behalf, `hr` checks (and publishes, on the full path, in a
    notice that has long closed), a third approves. Each claim is granted 1,200 CNY here."""
    submitter, approver = UserFactory(role=Role.HR_STAFF), UserFactory(role=Role.HR_STAFF)
    application = application_step(application=application, step="submit", actor=submitter)
    if application.path == Path.FULL:
        verifier = UserFactory(role=Role.DEPARTMENT_STAFF, organization=application.department)
        application = application_step(application=application, step="verify", actor=verifier)
    application = application_step(application=application, step="check", actor=hr)
    if application.path == Path.FULL:
        notice_publish(applications=[application], actor=hr, title="公示", contact="0477", on=date(2020, 9, 30))
    return application_step(application=application, step="approve", actor=approver)


def special_group(person):
    """A veteran (§3.3.d; no living allowance, §3.3.f): an individual claim of a special group takes
    the short path (§4.3.e)."""
    person_status_add(
        actor=None,
        person=person,
        kind=StatusKind.VETERAN,
        source_org=asserting_unit(StatusKind.VETERAN),
        valid_from=date(2019, 1, 1),
    )
    return person


def approved_individual(hr, *, department=None, person=None, item=None) -> Application:
    person = special_group(person or make_person())
    application = application_create(
        kind=Application.Kind.INDIVIDUAL,
        department=department or DepartmentFactory(),
        person=person,
        claims=[make_claim(person, item=item)],
        actor=hr,
    )
    return approve(application, hr)


def approved_class(hr, plan: ClassPlan, trainees: int = 2) -> Application:
    """An enterprise-run class: always the full chain (§4.3.d)."""
    application = application_create(
        kind=Application.Kind.ENTERPRISE,
        department=plan.department,
        applicant=plan.institution,
        class_plan=plan,
        claims=[make_claim(make_person(), kind=Claim.Kind.ENTERPRISE, plan=plan) for _ in range(trainees)],
        actor=hr,
    )
    return approve(application, hr)


@pytest.fixture
def people(db):
    finance = finance_officer()
    fund("100000.00", actor=finance)
    return {"finance": finance, "hr": UserFactory(role=Role.HR_STAFF, username="hr")}


def paid_once(application: Application) -> bool:
    application.refresh_from_db()
    line = PaymentLine.objects.get(application=application, cancelled_at__isnull=True)
    return (
        application.status == Status.PAID
        and line.transaction is not None
        and Transaction.objects.filter(idempotency_key=f"application:{application.pk}:pay").count() == 1
        and application.events.filter(step="pay").count() == 1
    )


# ---- batches --------------------------------------------------------------------------------------


def test_a_batch_of_approved_applications_is_paid_once_each(people):
    apps = [approved_individual(people["hr"]) for _ in range(3)]
    batch = payment_batch_create(applications=apps, actor=people["finance"])
    assert [line.amount for line in batch.lines.order_by("pk")] == [Decimal("1200.00")] * 3
    assert batch_status(batch) == "open"
    assert AuditRecord.objects.filter(action="payment.batch_create", target_id=str(batch.pk)).count() == 1

    run = payment_batch_pay(batch=batch, actor=people["finance"])
    assert len(run.paid) == 3 and not run.refused
    assert all(paid_once(a) for a in apps)
    assert batch_status(batch) == "completed"
    assert balance("cash") == Decimal("96400.00")
    assert selectors.ledger_problems() == []

    again = payment_batch_pay(batch=batch, actor=people["finance"])  # a rerun changes nothing
    assert again.paid == [] and len(again.already_paid) == 3
    assert Transaction.objects.filter(kind="payment").count() == 3


def test_only_finance_creates_and_pays_batches(people):
    application = approved_individual(people["hr"])
    with pytest.raises(DomainError) as exc:
        payment_batch_create(applications=[application], actor=people["hr"])
    assert exc.value.code == "not_permitted"
    batch = payment_batch_create(applications=[application], actor=people["finance"])
    with pytest.raises(DomainError):
        payment_batch_pay(batch=batch, actor=people["hr"])


def test_an_application_not_yet_approved_cannot_be_batched(people):
    person = make_person()
    application = application_create(
        kind="individual",
        department=DepartmentFactory(),
        person=person,
        claims=[make_claim(person)],
        actor=people["hr"],
    )
    before = snapshot()
    with pytest.raises(DomainError) as exc:
        payment_batch_create(applications=[application], actor=people["finance"])
    assert exc.value.code == "not_approved" and snapshot() == before


def test_an_application_already_batched_or_paid_cannot_be_batched_again(people):
    application = approved_individual(people["hr"])
    batch = payment_batch_create(applications=[application], actor=people["finance"])
    with pytest.raises(DomainError) as exc:
        payment_batch_create(applications=[application], actor=people["finance"])
    assert exc.value.code == "already_batched"
    payment_batch_pay(batch=batch, actor=people["finance"])
    with pytest.raises(DomainError) as exc:
        payment_batch_create(applications=[application], actor=people["finance"])
    assert exc.value.code == "not_approved"  # it is paid now
    assert PaymentLine.objects.filter(application=application).count() == 1


def test_a_cancelled_line_lets_the_application_be_batched_again(people):
    application = approved_individual(people["hr"])
    first = payment_batch_create(applications=[application], actor=people["finance"])
    with pytest.raises(DomainError):
        payment_line_cancel(line=first.lines.get(), actor=people["finance"], reason=" ")
    payment_line_cancel(line=first.lines.get(), actor=people["finance"], reason="收款账户有误")
    second = payment_batch_create(applications=[application], actor=people["finance"])
    assert payment_batch_pay(batch=first, actor=people["finance"]).paid == []
    assert len(payment_batch_pay(batch=second, actor=people["finance"]).paid) == 1
    assert paid_once(application)


# ---- bad input: a payment above the balance -----------------------------------------------------------


def test_a_payment_above_the_balance_is_refused_for_that_line_and_the_others_go_on():
    finance, hr = finance_officer(), UserFactory(role=Role.HR_STAFF)
    fund("1500.00", actor=finance)
    first, second = approved_individual(hr), approved_individual(hr)
    batch = payment_batch_create(applications=[first, second], actor=finance)
    run = payment_batch_pay(batch=batch, actor=finance)
    first_line, second_line = batch.lines.order_by("pk")
    assert run.paid == [first_line.pk] and list(run.refused) == [second_line.pk]
    assert run.refused[second_line.pk].code == "insufficient_balance"
    second_line.refresh_from_db()
    second.refresh_from_db()
    assert second_line.transaction is None and second_line.refused_code == "insufficient_balance"
    assert "余额" in second_line.refused_reason
    assert second.status == Status.APPROVED and not second.events.filter(step="pay").exists()
    assert balance("cash") == Decimal("300.00") and batch_status(batch) == "open"

    fund("1000.00", actor=finance)  # the rerun completes it
    assert payment_batch_pay(batch=batch, actor=finance).paid == [second_line.pk]
    second_line.refresh_from_db()
    assert second_line.refused_code == "" and paid_once(second)
    assert balance("cash") == Decimal("100.00") and selectors.ledger_problems() == []


def test_a_refused_line_in_a_chunk_rolls_back_alone_and_the_rest_of_the_chunk_is_paid(people):
    first, second, third = (approved_individual(people["hr"]) for _ in range(3))
    batch = payment_batch_create(applications=[first, second, third], actor=people["finance"])
    Application.objects.filter(pk=second.pk).update(status=Status.CHECKED)  # no longer approved
    run = payment_batch_pay(batch=batch, actor=people["finance"], lines_per_transaction=3)
    lines = list(batch.lines.order_by("pk"))
    assert run.paid == [lines[0].pk, lines[2].pk] and list(run.refused) == [lines[1].pk]
    assert run.refused[lines[1].pk].code == "transition_not_allowed"
    lines[1].refresh_from_db()
    assert lines[1].transaction is None and lines[1].refused_code == "transition_not_allowed"
    assert paid_once(first) and paid_once(third)
    assert not Transaction.objects.filter(idempotency_key=f"application:{second.pk}:pay").exists()
    assert balance("cash") == Decimal("97600.00") and selectors.ledger_problems() == []
    assert list(audit.verify()) == []


def test_a_chunk_that_runs_out_of_cash_pays_what_the_balance_covers_in_line_order():
    finance, hr = finance_officer(), UserFactory(role=Role.HR_STAFF)
    fund("2500.00", actor=finance)
    apps = [approved_individual(hr) for _ in range(3)]
    batch = payment_batch_create(applications=apps, actor=finance)
    run = payment_batch_pay(batch=batch, actor=finance, lines_per_transaction=3)
    lines = list(batch.lines.order_by("pk"))
    assert run.paid == [lines[0].pk, lines[1].pk] and list(run.refused) == [lines[2].pk]
    assert run.refused[lines[2].pk].code == "insufficient_balance"
    assert balance("cash") == Decimal("100.00") and selectors.ledger_problems() == []
    assert list(audit.verify()) == []


def test_small_batches_commit_line_by_line_and_large_ones_fifty_lines_at_a_time():
    assert [chunk_size(n) for n in (1, 6, 39, 40, 100, 1000, 5000)] == [1, 1, 1, 2, 5, 50, 50]


# ---- §3.3.h advance and §4.3.b recovery ---------------------------------------------------------------


def test_after_an_advance_the_settlement_pays_the_total_less_the_advance(people):
    finance = people["finance"]
    plan = make_class_plan(funding_mode=ClassPlan.FundingMode.ENTERPRISE)
    advance_pay(
        organization=plan.institution,
        amount_total=Decimal("2400.00"),
        subject=plan,
        actor=finance,
        on=date(2020, 5, 25),
    )
    application = approved_class(people["hr"], plan, trainees=2)
    batch = payment_batch_create(applications=[application], actor=finance)
    line = batch.lines.get()
    assert (line.granted, line.advance, line.amount) == (Decimal("2400.00"), Decimal("1440.00"), Decimal("960.00"))
    assert line.organization == plan.institution

    payment_batch_pay(batch=batch, actor=finance)
    line.refresh_from_db()
    assert line.transaction.kind == Transaction.Kind.SETTLEMENT
    assert {p.account.code: p.amount for p in line.transaction.postings.all()} == {
        "expense:subsidies": Decimal("2400.00"),
        f"advance:org:{plan.institution_id}": Decimal("-1440.00"),
        "cash": Decimal("-960.00"),
    }
    assert balance(f"advance:org:{plan.institution_id}") == 0
    assert paid_once(application)
    rows = list(csv.reader(io.StringIO(payment_file(batch=batch, fmt="csv").decode("utf-8-sig"))))
    assert rows[1][3] == "960.00"


def test_a_recovery_is_kept_back_from_the_next_payment(people):
    finance, hr = people["finance"], people["hr"]
    person = make_person()
    first = approved_individual(hr, person=person)
    payment_batch_pay(batch=payment_batch_create(applications=[first], actor=finance), actor=finance)
    recover(payee=person, amount=Decimal("200.00"), subject=first, reason="虚假培训（§4.3.b）", actor=finance)

    welder = make_catalog_item(code="welder-5", occupation=make_occupation("6-18-02-04", "焊工"))
    second = approved_individual(hr, person=person, item=welder)
    batch = payment_batch_create(applications=[second], actor=finance)
    payment_batch_pay(batch=batch, actor=finance)
    line = batch.lines.get()
    assert line.amount == Decimal("1200.00") and line.transaction.kind == Transaction.Kind.OFFSET
    assert balance(f"receivable:person:{person.pk}") == 0
    rows = list(csv.reader(io.StringIO(payment_file(batch=batch, fmt="csv").decode("utf-8-sig"))))
    assert rows[1][3] == "1000.00" and rows[-1][3] == "1000.00"  # the bank transfers the rest


# ---- the payment file and the bank's reference ----------------------------------------------------------


def test_the_payment_file_shows_masked_ids_never_full_ones(people):
    full = make_id(birth=date(1988, 8, 8), seq=456)
    person = make_person(id_number=full, name="王小明")
    plan = make_class_plan(funding_mode=ClassPlan.FundingMode.ENTERPRISE)
    apps = [approved_individual(people["hr"], person=person), approved_class(people["hr"], plan, trainees=1)]
    batch = payment_batch_create(applications=apps, actor=people["finance"])
    payment_batch_pay(batch=batch, actor=people["finance"])

    text = payment_file(batch=batch, fmt="csv").decode("utf-8-sig")
    assert full not in text and person.id_masked in text and plan.institution.credit_code in text
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 4 and rows[-1][0].startswith("合计") and rows[-1][3] == "2400.00"
    assert {r[4] for r in rows[1:3]} == {a.reference for a in apps}

    sheet = load_workbook(io.BytesIO(payment_file(batch=batch, fmt="xlsx"))).active
    cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert full not in "".join(cells) and person.id_masked in cells
    assert Decimal(str(list(sheet.iter_rows(values_only=True))[-1][3])) == Decimal("2400.00")
    with pytest.raises(DomainError):
        payment_file(batch=batch, fmt="pdf")


def test_the_bank_reference_is_recorded_once_on_a_paid_line(people):
    application = approved_individual(people["hr"])
    batch = payment_batch_create(applications=[application], actor=people["finance"])
    line = batch.lines.get()
    with pytest.raises(DomainError) as exc:
        payment_record_bank_reference(line=line, reference="B001", actor=people["finance"])
    assert exc.value.code == "line_not_paid"
    payment_batch_pay(batch=batch, actor=people["finance"])
    with pytest.raises(DomainError):
        payment_record_bank_reference(line=line, reference="B001", actor=people["hr"])
    payment_record_bank_reference(line=line, reference="B001", actor=people["finance"])
    payment_record_bank_reference(line=line, reference="B001", actor=people["finance"])  # a retry: no change
    with pytest.raises(DomainError) as exc:
        payment_record_bank_reference(line=line, reference="B002", actor=people["finance"])
    assert exc.value.code == "bank_reference_recorded"
    line.refresh_from_db()
    assert line.bank_reference == "B001"
    assert AuditRecord.objects.filter(action="payment.bank_reference").count() == 1
