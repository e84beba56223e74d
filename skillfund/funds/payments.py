"""Paying approved applications in batches (§4.3.d: "report to finance, which disburses").

Finance gathers approved applications into a `PaymentBatch`, pays it, exports the payment file for
the bank, and records the bank's reference on each line.

The amount of a line (§3.3, §3.3.f, §3.3.h):
    granted = Σ over the application's granted claims of (Grant.amount + the grant decision's
              living allowance)  — refused claims add nothing;
    advance = the advance paid for the application's class and not yet settled, up to `granted`
              (only the first live line for that class and institution deducts it);
    amount  = granted − advance  (the amount due; the database checks this identity).
A line that deducts an advance is booked by `settle` (expense the total, clear the advance, pay
the rest); any other line by `pay`, which first keeps back whatever the payee owes from a §4.3.b
recovery. What the bank transfers is the cash the ledger paid out, shown in the payment file.

Nothing is paid twice. A line's ledger booking (idempotency key ``application:<id>:pay``), its
transaction and paid time, and the review chain's "pay" step commit together or not at all, under
a row lock on the line. Lines are paid a chunk per database transaction (up to 50, see
`chunk_size`): a line the rules refuse is refused before anything of it is written, so it leaves
the rest of its chunk alone; a process killed midway loses only the chunk in flight, leaving every
line paid or untouched; a rerun skips the paid ones; and two processes paying one batch at once
pay each line once. An application is in at most one live line (a partial unique constraint), so
it cannot be batched twice.

Paying a chunk costs a few queries per line rather than thirty: the accounts are found and locked
once (`pay_many`), the idempotency keys, earlier payments and segregation-of-duties events are
read once, and the transactions, postings, line updates and review steps are written in bulk; only
the audit records (a hash chain) are appended one by one.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Case, DecimalField, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from skillfund.accounts import permissions
from skillfund.claims.models import Application, Grant
from skillfund.claims.review import applications_paid, steps_refused
from skillfund.claims.workflow import Status
from skillfund.core import audit, exports, tabular
from skillfund.core.errors import DomainError, FieldProblem, InvalidInput
from skillfund.funds import bankaccounts
from skillfund.funds.chart import Chart, account_for, accounts_for
from skillfund.funds.ledger import lock_accounts
from skillfund.funds.models import MONEY, PaymentBatch, PaymentLine, Posting
from skillfund.funds.payouts import PaymentOrder, pay_many, settle
from skillfund.funds.selectors import cents, outstanding_advance

ZERO = Decimal("0.00")
BANK_REFERENCE_MAX = 60


def _refuse(code: str, zh: str, en: str) -> DomainError:
    return DomainError(code, zh, en, clause="§4.3.d")


def _ensure_finance(actor: Any, verb: str = "add") -> None:
    if not permissions.allowed(actor, "funds.paymentbatch", verb):
        raise DomainError(
            "not_permitted",
            f"用户 {getattr(actor, 'username', '')} 无权办理付款，须由财政部门办理",
            f"user {getattr(actor, 'username', '')} may not pay applications; the finance bureau does",
            clause="§4.3.d",
        )


def idempotency_key_of(application: Application) -> str:
    """The ledger's idempotency key for paying an application: one payment per application, ever."""
    return f"application:{application.pk}:pay"


# ---- amounts ---------------------------------------------------------------------------------------


def granted_amounts(application_ids: Iterable[int]) -> dict[int, Decimal]:
    """Σ (grant amount + grant decision's living allowance) per application, to the cent."""
    money = DecimalField(**MONEY)
    rows = (
        Grant.objects.filter(claim__application_id__in=list(application_ids))
        .values("claim__application_id")
        .annotate(
            subsidy=Coalesce(Sum("amount"), Value(ZERO), output_field=money),
            allowance=Coalesce(Sum("decision__living_allowance"), Value(ZERO), output_field=money),
        )
        .order_by()
    )
    return {r["claim__application_id"]: cents(r["subsidy"]) + cents(r["allowance"]) for r in rows}


def payee_of(application: Application) -> Any:
    """The person for an individual application, otherwise the applying organization."""
    if application.kind == Application.Kind.INDIVIDUAL and application.person_id:
        return application.person
    return application.applicant or application.person


def _advance_is_deducted_elsewhere(application: Application) -> bool:
    """Another live, unpaid line already deducts this class's advance from this institution."""
    return (
        PaymentLine.objects.filter(
            cancelled_at__isnull=True,
            transaction__isnull=True,
            advance__gt=0,
            application__class_plan_id=application.class_plan_id,
            organization_id=application.applicant_id,
        )
        .exclude(application=application)
        .exists()
    )


# ---- batches ---------------------------------------------------------------------------------------


@transaction.atomic
def payment_batch_create(
    *,
    applications: Iterable[Application],
    actor: Any,
    reference: str | None = None,
    confirmation_required: bool = False,
) -> PaymentBatch:
    """Gather approved applications into one batch, one line each, with the amounts due. A batch
    created with `confirmation_required` (the finance pages' batches) is paid only after
    `payment_batch_confirm`."""
    _ensure_finance(actor)
    ids = sorted({a.pk for a in applications})
    if not ids:
        raise _refuse("batch_empty", "付款批次中没有申请", "a payment batch needs at least one application")
    # The same lock order as the review chain's steps (by id), so concurrent batches cannot deadlock.
    locked = list(
        Application.objects.select_for_update(of=("self",))
        .filter(pk__in=ids)
        .order_by("pk")
        .select_related("applicant", "person")
    )
    not_approved = [a.reference for a in locked if a.status != Status.APPROVED]
    if not_approved:
        raise _refuse(
            "not_approved",
            f"申请{'、'.join(not_approved[:5])}尚未批准或已付款，不能付款",
            f"not approved (or already paid), so not payable: {', '.join(not_approved[:5])}",
        )
    batched = list(
        PaymentLine.objects.filter(application_id__in=ids, cancelled_at__isnull=True)
        .values_list("application__reference", flat=True)
        .order_by("application_id")
    )
    if batched:
        raise _refuse(
            "already_batched",
            f"申请{'、'.join(batched[:5])}已在其他付款批次中",
            f"already in a payment batch: {', '.join(batched[:5])}",
        )
    granted = granted_amounts(ids)
    nothing = [a.reference for a in locked if granted.get(a.pk, ZERO) <= 0]
    if nothing:
        raise _refuse(
            "nothing_to_pay",
            f"申请{'、'.join(nothing[:5])}没有获批的补贴金额",
            f"no subsidy was granted on: {', '.join(nothing[:5])}",
        )
    batch = PaymentBatch.objects.create(
        reference=reference or f"PB{timezone.localdate():%Y%m%d}-{uuid.uuid4().hex[:8].upper()}",
        created_by=actor if getattr(actor, "pk", None) else None,
        confirmation_required=confirmation_required,
    )
    lines, advanced = [], set()
    for application in locked:
        payee = payee_of(application)
        gross, advance = granted[application.pk], ZERO
        key = (application.class_plan_id, application.applicant_id)
        if (
            application.class_plan_id
            and payee == application.applicant
            and key not in advanced
            and not _advance_is_deducted_elsewhere(application)
        ):
            advance = min(outstanding_advance(application.applicant, application.class_plan), gross)
            if advance:
                advanced.add(key)
        lines.append(
            PaymentLine(
                batch=batch,
                application=application,
                organization=payee if payee == application.applicant else None,
                person=None if payee == application.applicant else payee,
                granted=gross,
                advance=advance,
                amount=gross - advance,
            )
        )
    PaymentLine.objects.bulk_create(lines)
    audit.record(
        actor=actor,
        action="payment.batch_create",
        target=batch,
        after={"lines": len(lines), "amount": sum((line.amount for line in lines), ZERO)},
    )
    return batch


def _device(actor: Any) -> Any:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.filter(user=actor, confirmed=True).order_by("pk").first()


def second_factor_needed(actor: Any) -> bool:
    """Does confirming a batch ask this user for a code? Yes unless the demo's second factor is
    relaxed and the user has no device (then the confirmation says it was relaxed)."""
    return settings.SKILLFUND_REQUIRE_2FA or _device(actor) is not None


def _second_factor(actor: Any, code: str) -> str:
    """Check the actor's TOTP code: "totp" when it is right, "relaxed" in a demo whose second factor
    is relaxed and whose user has no device, else a DomainError. Runs outside the confirmation's
    transaction, so that django-otp's throttling of wrong codes is kept when the confirmation is
    refused (a rolled-back failure count would let codes be guessed)."""
    device = _device(actor)
    if device is None:
        if settings.SKILLFUND_REQUIRE_2FA:
            raise _refuse(
                "second_factor_missing",
                "须先绑定第二验证因素（动态口令）才能确认付款",
                "enrol a second factor (an authenticator app) before confirming payments",
            )
        return "relaxed"
    allowed, _info = device.verify_is_allowed()
    if not allowed or not device.verify_token(str(code or "").strip()):
        raise _refuse(
            "second_factor_wrong",
            "动态口令错误或已过期，请稍候重试",
            "the code is wrong or has expired; wait a moment and try again",
        )
    return "totp"


def payment_batch_confirm(*, batch: PaymentBatch, actor: Any, code: str = "") -> PaymentBatch:
    """Confirm a batch for payment with the finance officer's second factor (a TOTP code). In a demo
    whose second factor is relaxed, a user without a device confirms without a code, and the audit
    record says so. Confirming again changes nothing."""
    _ensure_finance(actor)
    factor = _second_factor(actor, code)
    return _confirm(batch=batch, actor=actor, factor=factor)


@transaction.atomic
def _confirm(*, batch: PaymentBatch, actor: Any, factor: str) -> PaymentBatch:
    batch = PaymentBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.confirmed_at is not None:
        return batch
    live = PaymentLine.objects.filter(batch=batch, cancelled_at__isnull=True)
    if not live.exists():
        raise _refuse("batch_empty", "付款批次中没有有效的付款行", "the batch has no live lines to confirm")
    batch.confirmed_at, batch.confirmed_by = timezone.now(), actor if getattr(actor, "pk", None) else None
    batch.save(update_fields=["confirmed_at", "confirmed_by"])
    total = live.aggregate(total=Sum("amount"))["total"] or ZERO
    audit.record(
        actor=actor,
        action="payment.batch_confirm",
        target=batch,
        after={"lines": live.count(), "amount": cents(total), "second_factor": factor},
    )
    return batch


@dataclass
class BatchPayment:
    """What one run of `payment_batch_pay` did, line id by line id."""

    paid: list[int] = field(default_factory=list)
    already_paid: list[int] = field(default_factory=list)
    refused: dict[int, DomainError] = field(default_factory=dict)


CHUNK_MAX = 50  # lines per database transaction, at most


def chunk_size(lines: int) -> int:
    """How many lines one database transaction pays: at most a twentieth of the batch and at most
    `CHUNK_MAX`. A crash redoes at most one chunk (so at most 5 % of the batch), the progress hook
    reports at least twenty times a batch, and a chunk holds the cash account's lock — which every
    payment in the system waits for — for well under a second. A batch of fewer than 40 lines is
    paid line by line."""
    return max(1, min(CHUNK_MAX, lines // 20))


def payment_batch_pay(
    *,
    batch: PaymentBatch,
    actor: Any,
    after_line: Callable[[PaymentLine], None] | None = None,
    lines_per_transaction: int | None = None,
    max_chunks: int | None = None,
    skip_refused: bool = False,
) -> BatchPayment:
    """Pay every live line of the batch not paid yet, a chunk of lines per transaction.

    Each line is all or nothing within its chunk, and a chunk commits whole: a process killed
    midway leaves each line paid or untouched, and a rerun pays the untouched ones. A line the
    rules refuse (a balance too small, an application no longer approved, …) stays unpaid with the
    reason recorded on it; the others go on. `after_line` is called for each paid line (now or
    before) once its chunk has committed (a progress hook; tests use it to stop a process midway).
    `lines_per_transaction` overrides `chunk_size`. `max_chunks` stops after that many chunks that
    had unpaid lines, and `skip_refused` leaves alone the lines refused before (the finance page
    pays a chunk per request and shows the progress in between; a refused line is tried again
    only when asked for).

    A batch that requires confirmation (`payment_batch_confirm`) is refused until confirmed.
    """
    _ensure_finance(actor)
    batch = PaymentBatch.objects.get(pk=batch.pk)  # the confirmation as stored, not as passed in
    if batch.confirmation_required and batch.confirmed_at is None:
        raise _refuse(
            "batch_not_confirmed",
            f"付款批次 {batch.reference} 尚未经第二验证因素确认，不能付款",
            f"payment batch {batch.reference} is not confirmed with the second factor yet",
        )
    if transaction.get_connection().in_atomic_block:
        # Inside an outer transaction the lines would commit together, and a crash would undo paid
        # lines' bookkeeping while the bank file may already have gone out.
        raise RuntimeError("payment_batch_pay commits chunk by chunk; call it outside a transaction")
    result = BatchPayment()
    line_ids = list(
        PaymentLine.objects.filter(batch=batch, cancelled_at__isnull=True).order_by("pk").values_list("pk", flat=True)
    )
    size = lines_per_transaction or chunk_size(len(line_ids))
    if max_chunks is not None or skip_refused:  # a step of a run: the lines still to try, in order
        todo = PaymentLine.objects.filter(pk__in=line_ids, transaction__isnull=True)
        if skip_refused:
            todo = todo.filter(refused_code="")
        line_ids = list(todo.order_by("pk").values_list("pk", flat=True))
    for number, start in enumerate(range(0, len(line_ids), size)):
        if max_chunks is not None and number >= max_chunks:
            break
        paid, already_paid, refused = _pay_chunk(line_ids[start : start + size], actor)
        result.paid += [line.pk for line in paid]
        result.already_paid += [line.pk for line in already_paid]
        result.refused.update(refused)
        if after_line is not None:  # now that the chunk has committed
            for line in sorted(paid + already_paid, key=lambda line: line.pk):
                after_line(line)
    return result


@transaction.atomic
def _pay_chunk(line_ids: list[int], actor: Any) -> tuple[list[PaymentLine], list[PaymentLine], dict[int, DomainError]]:
    """Pay a chunk of lines in one transaction: (lines paid now, lines paid or cancelled before,
    refusals by line id).

    Locks in the order every payment takes them — lines, then applications, then accounts, each by
    id — so two processes paying one batch wait for each other instead of deadlocking; the second
    finds the lines paid. A line is refused before anything of it is written, so a refusal needs
    no rollback and the rest of the chunk goes on."""
    lines = _lock_lines(line_ids)
    unpaid = [line for line in lines if line.transaction_id is None and line.cancelled_at is None]
    already_paid = [line for line in lines if line.transaction_id is not None or line.cancelled_at is not None]
    applications = {
        a.pk: a
        for a in Application.objects.select_for_update()
        .filter(pk__in=[line.application_id for line in unpaid])
        .order_by("pk")
    }
    step_refused = steps_refused(applications=list(applications.values()), step="pay", actor=actor, internal=True)
    refused: dict[int, DomainError] = {}
    for line in unpaid:
        exc = _advance_changed(line) or step_refused.get(line.application_id)
        if exc is not None:
            refused[line.pk] = exc
    payable = [line for line in unpaid if line.pk not in refused]
    booked, refusals = _book_lines(payable, actor)
    refused.update(refusals)
    paid = [line for line in payable if line.pk in booked]
    _mark_paid(paid, booked)
    applications_paid(lines=paid, actor=actor)  # "paid" only with the ledger booking, in this transaction
    for line_id, exc in refused.items():
        _note_refusal(line_id, exc)
    return paid, already_paid, refused


def _lock_lines(line_ids: list[int]) -> list[PaymentLine]:
    """The lines, locked in id order, with what booking them reads (payee, application, class)."""
    return list(
        PaymentLine.objects.select_for_update(of=("self",))
        .filter(pk__in=line_ids)
        .select_related("organization", "person", "application__class_plan", "application__applicant")
        .select_related("application__department")
        .order_by("pk")
    )


def _advance_changed(line: PaymentLine) -> DomainError | None:
    """The line deducts an advance other than the class's unsettled advance now (settled or paid
    meanwhile): the amounts are stale, and finance must batch the application again."""
    application = line.application
    deducts = application.class_plan_id and line.organization_id == application.applicant_id
    if not (deducts or line.advance):
        return None  # no advance deducted, and none that could have appeared since: no query
    outstanding = outstanding_advance(application.applicant, application.class_plan) if deducts else ZERO
    if min(outstanding, line.granted) == line.advance or not (line.advance or outstanding):
        return None
    return _refuse(
        "advance_changed",
        f"开班计划的未结算预拨款为 {outstanding} 元，与批次中扣除的 {line.advance} 元不符；请取消本行后重新编入批次",
        f"the class's unsettled advance is {outstanding} CNY, but the line deducts {line.advance} CNY; "
        "cancel the line and batch the application again",
    )


def _memo(application: Application) -> str:
    return f"{application.reference} 职业技能培训补贴 / training subsidy"


def _book_lines(lines: list[PaymentLine], actor: Any) -> tuple[dict[int, Any], dict[int, DomainError]]:
    """Book the lines on the ledger: {line id: transaction} and {line id: refusal}.

    Every account the chunk touches is locked first, in one statement in id order: `settle` and
    `pay_many` then lock only rows this transaction holds, so they cannot wait on another payer
    halfway (which could deadlock). A line deducting an advance is settled alone (rare, and
    `settle` rolls back its own savepoint when refused); the others are paid by one `pay_many`."""
    if not lines:
        return {}, {}
    receivables = accounts_for(Chart.RECEIVABLE, [line.payee for line in lines])
    advances = accounts_for(Chart.ADVANCE, [line.organization for line in lines if line.advance])
    lock_accounts([account_for(Chart.EXPENSE), account_for(Chart.CASH), *receivables.values(), *advances.values()])
    booked: dict[int, Any] = {}
    refused: dict[int, DomainError] = {}
    for line in (line for line in lines if line.advance):
        application = line.application
        try:
            booked[line.pk] = settle(
                organization=line.payee,
                total=line.granted,
                subject=application.class_plan,
                actor=actor,
                idempotency_key=idempotency_key_of(application),
                department=application.department,
                memo=_memo(application),
            )
        except DomainError as exc:
            refused[line.pk] = exc
    plain = [line for line in lines if not line.advance]
    orders = [
        PaymentOrder(
            payee=line.payee,
            amount=line.amount,
            subject=line.application,
            idempotency_key=idempotency_key_of(line.application),
            department=line.application.department,
            memo=_memo(line.application),
        )
        for line in plain
    ]
    for line, outcome in zip(plain, pay_many(orders=orders, actor=actor), strict=True):
        if isinstance(outcome, DomainError):
            refused[line.pk] = outcome
        else:
            booked[line.pk] = outcome
    return booked, refused


def _mark_paid(lines: list[PaymentLine], booked: dict[int, Any]) -> None:
    """Point each paid line at its transaction (one UPDATE for the chunk); any refusal noted on an
    earlier run is cleared."""
    now = timezone.now()
    for line in lines:
        line.transaction, line.paid_at = booked[line.pk], now
        line.refused_code = line.refused_reason = ""
    if not lines:
        return
    # One statement (the database checks that a line has its transaction and paid time together);
    # only the transaction differs from line to line, so only it needs a CASE — `bulk_update`
    # would build one for every column.
    PaymentLine.objects.filter(pk__in=[line.pk for line in lines]).update(
        transaction_id=Case(*(When(pk=line.pk, then=Value(line.transaction_id)) for line in lines)),
        paid_at=now,
        refused_code="",
        refused_reason="",
    )


def _note_refusal(line_id: int, exc: DomainError) -> None:
    # The last refusal, for the finance officer to read; not an audit fact (nothing was paid).
    PaymentLine.objects.filter(pk=line_id, transaction__isnull=True).update(
        refused_code=exc.code[:40], refused_reason=f"{exc.zh} / {exc.en}"[:300]
    )


@transaction.atomic
def payment_line_cancel(*, line: PaymentLine, actor: Any, reason: str) -> PaymentLine:
    """Take an unpaid line out of its batch, so the application can be batched again."""
    _ensure_finance(actor, "change")
    if not reason.strip():
        raise _refuse("reason_required", "取消付款须说明理由", "say why the line is cancelled")
    line = PaymentLine.objects.select_for_update().get(pk=line.pk)
    if line.transaction_id is not None:
        raise _refuse("line_paid", "该行已付款，不能取消；如需冲销请办理冲销", "the line is paid; reverse it instead")
    if line.cancelled_at is not None:
        raise _refuse("line_cancelled", "该行已取消", "the line is already cancelled")
    line.cancelled_at = timezone.now()
    line.save(update_fields=["cancelled_at"])
    audit.record(actor=actor, action="payment.line_cancel", target=line, reason=reason.strip())
    return line


@transaction.atomic
def payment_record_bank_reference(*, line: PaymentLine, reference: str, actor: Any) -> PaymentLine:
    """Record the bank's reference for a paid line. Recording the same reference again changes nothing."""
    _ensure_finance(actor, "change")
    reference = (reference or "").strip()
    if not reference or len(reference) > BANK_REFERENCE_MAX:
        raise _refuse(
            "bank_reference_invalid",
            f"银行流水号须为 1 至 {BANK_REFERENCE_MAX} 个字符",
            f"a bank reference has 1 to {BANK_REFERENCE_MAX} characters",
        )
    line = PaymentLine.objects.select_for_update().get(pk=line.pk)
    if line.transaction_id is None:
        raise _refuse("line_not_paid", "该行尚未付款，不能登记银行流水号", "the line is not paid yet")
    if line.bank_reference == reference:
        return line
    if line.bank_reference:
        raise _refuse(
            "bank_reference_recorded",
            f"该行已登记银行流水号 {line.bank_reference}",
            f"the line already has the bank reference {line.bank_reference}",
        )
    line.bank_reference = reference
    line.save(update_fields=["bank_reference"])
    audit.record(actor=actor, action="payment.bank_reference", target=line, after={"bank_reference": reference})
    return line


REFERENCE_COLUMNS = (
    tabular.Column(
        "application",
        "申请编号",
        "Application",
        True,
        "付款明细中的申请编号",
        "the application's reference",
        aliases=("申请编号 Application",),
    ),
    tabular.Column(
        "reference",
        "银行流水号",
        "Bank reference",
        True,
        "银行回单上的流水号",
        "the bank's reference",
        aliases=("银行流水号 Bank reference", "流水号", "交易流水号"),
    ),
)
REFERENCE_ROWS_MAX = 5000


@transaction.atomic
def payment_bank_references_import(*, batch: PaymentBatch, file: Any, actor: Any, file_name: str = "") -> int:
    """Record the bank's references for a batch from a file (the bank file returned with a 银行流水号
    column, or any sheet with 申请编号 and 银行流水号): every row is checked first, and nothing is
    recorded unless all rows are valid. Each line recorded is audited as one reference is. Returns
    how many references were recorded now (a reference already on its line counts as done)."""
    _ensure_finance(actor, "change")
    data, name = tabular.read_bytes(file)
    name = file_name or name
    try:
        table = tabular.sheet_rows(data, name)
        warnings: list[FieldProblem] = []
        header = tabular.read_header(table, tabular.Headers(REFERENCE_COLUMNS, ignore_notes=True), warnings=warnings)
    except tabular.FileError as exc:
        raise InvalidInput([exc.problem(name or "file")]) from None
    missing = header.missing(REFERENCE_COLUMNS)
    if missing:
        raise InvalidInput([tabular.missing_columns(missing).problem(name or "file")])
    records = [
        (n, row)
        for n, row in header.records(table)
        # the bank file's totals row names no application and carries no reference
        if not (tabular.blank(row.get("application")) and tabular.blank(row.get("reference")))
    ]
    if len(records) > REFERENCE_ROWS_MAX:
        raise InvalidInput(
            [FieldProblem("文件 / file", name, f"最多 {REFERENCE_ROWS_MAX} 行", f"at most {REFERENCE_ROWS_MAX} rows")]
        )
    lines = {
        line.application.reference: line
        for line in PaymentLine.objects.select_for_update(of=("self",))
        .filter(batch=batch, cancelled_at__isnull=True)
        .select_related("application")
        .order_by("pk")
    }
    problems: list[FieldProblem] = []
    todo: list[tuple[PaymentLine, str]] = []
    seen: set[str] = set()
    for n, row in records:
        application = tabular.text(row.get("application"))
        reference = tabular.text(row.get("reference"))
        line = lines.get(application)

        def problem(column: str, value: str, zh: str, en: str, n: int = n) -> None:
            problems.append(FieldProblem(column, value[:60], zh, en, row=n))

        if line is None:
            problem("申请编号", application, "本批次中没有该申请", "no live line of this batch has this application")
        elif application in seen:
            problem("申请编号", application, "该申请在文件中重复出现", "the application appears twice in the file")
        elif line.transaction_id is None:
            problem("申请编号", application, "该行尚未付款", "the line is not paid yet")
        elif not reference or len(reference) > BANK_REFERENCE_MAX:
            problem(
                "银行流水号",
                reference,
                f"银行流水号须为 1 至 {BANK_REFERENCE_MAX} 个字符",
                f"a bank reference has 1 to {BANK_REFERENCE_MAX} characters",
            )
        elif line.bank_reference and line.bank_reference != reference:
            problem(
                "银行流水号",
                reference,
                f"该行已登记银行流水号 {line.bank_reference}",
                f"the line already has the bank reference {line.bank_reference}",
            )
        else:
            todo.append((line, reference))
        seen.add(application)
    if not records:
        problems.append(FieldProblem("文件 / file", name, "文件中没有数据行", "the file has no rows"))
    if problems:
        raise InvalidInput(problems)
    recorded = 0
    for line, reference in todo:
        if line.bank_reference != reference:
            payment_record_bank_reference(line=line, reference=reference, actor=actor)
            recorded += 1
    return recorded


# ---- reads -----------------------------------------------------------------------------------------


def batch_status(batch: PaymentBatch) -> str:
    """ "completed" when every live line is paid, else "open"."""
    unpaid = PaymentLine.objects.filter(batch=batch, cancelled_at__isnull=True, transaction__isnull=True)
    return "open" if unpaid.exists() else "completed"


def cash_paid(lines: Iterable[PaymentLine]) -> dict[int, Decimal]:
    """What the bank transfers per paid line: the cash its transaction paid out (after any offset)."""
    by_txn = {line.transaction_id: line.pk for line in lines if line.transaction_id}
    rows = (
        Posting.objects.filter(transaction_id__in=list(by_txn), account__code="cash")
        .values("transaction_id")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    paid = dict.fromkeys(by_txn.values(), ZERO)
    paid.update({by_txn[r["transaction_id"]]: -cents(r["total"]) for r in rows})
    return paid


FILE_COLUMNS = (
    ("序号", "No."),
    ("收款方", "Payee"),
    ("统一社会信用代码/身份证号（脱敏）", "Credit code / ID (masked)"),
    ("金额（元）", "Amount (CNY)"),
    ("申请编号", "Application"),
    ("摘要", "Memo"),
    ("开户名", "Account name"),
    ("开户银行", "Bank"),
    ("银行账号", "Account number"),
)


def payment_rows(batch: PaymentBatch) -> tuple[list[list[Any]], Decimal]:
    """The transfers for the bank: paid lines whose payment left cash, with masked identifiers and
    the payees' FULL bank account numbers (decrypted here, for the bank file only; a payee without
    an account on record gets empty account cells, which the bank will refuse)."""
    lines = list(
        PaymentLine.objects.filter(batch=batch, cancelled_at__isnull=True, transaction__isnull=False)
        .select_related("application", "organization", "person")
        .order_by("pk")
    )
    paid = cash_paid(lines)
    accounts = bankaccounts.accounts_of(
        organizations=[line.organization_id for line in lines if line.organization_id],
        persons=[line.person_id for line in lines if line.person_id],
    )
    rows, total = [], ZERO
    for line in lines:
        amount = paid[line.pk]
        if amount <= 0:  # wholly offset against a recovery or covered by the advance: no transfer
            continue
        payee = line.payee
        identifier = line.organization.credit_code if line.organization_id else line.person.id_masked
        rows.append(
            [
                len(rows) + 1,
                payee.name,
                identifier or "",
                amount,
                line.application.reference,
                f"{line.application.reference} 职业技能培训补贴 {batch.reference}",
                *_account_cells(accounts.get(bankaccounts.key_of(line))),
            ]
        )
        total += amount
    return rows, total


def _account_cells(account: Any) -> list[str]:
    if account is None:
        return ["", "", ""]
    # Text, never a number: a 19-digit account would lose its last digits as a spreadsheet number.
    return [account.account_name, account.bank_name, bankaccounts.decrypt(account.number_cipher)]


def payment_file_export(*, batch: PaymentBatch, fmt: str, actor: Any) -> bytes:
    """The bank file for finance: `payment_file`, which carries the full account numbers, so only
    finance may generate it and each generation is audit-logged (which batch, format, rows — never
    a number)."""
    _ensure_finance(actor)
    content = payment_file(batch=batch, fmt=fmt)
    with transaction.atomic():
        rows, total = payment_rows(batch)
        audit.record(
            actor=actor,
            action="payment.bank_file",
            target=batch,
            after={"format": fmt, "rows": len(rows), "amount": total},
        )
    return content


def payment_file(*, batch: PaymentBatch, fmt: str) -> bytes:
    """The batch's payment file for the bank, .xlsx or .csv (UTF-8 with BOM, so Excel reads it),
    with a totals row. Never a full ID number: persons appear by their masked ID. It carries the
    payees' full bank account numbers: interfaces call `payment_file_export` (finance, audited)."""
    rows, total = payment_rows(batch)
    header = [f"{zh} {en}" for zh, en in FILE_COLUMNS]
    totals = ["合计 Total", f"{len(rows)} 笔", "", total, "", batch.reference, "", "", ""]
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        amounts = [[*r[:3], f"{r[3]:.2f}", *r[4:]] for r in [*rows, totals]]
        writer.writerows(exports.csv_row(r) for r in [header, *amounts])
        return ("\ufeff" + buffer.getvalue()).encode()
    if fmt == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("付款明细")
        for row in [header, *rows, totals]:
            sheet.append(exports.xlsx_row(sheet, row))
        out = io.BytesIO()
        workbook.save(out)
        return out.getvalue()
    raise DomainError("file_format", f"不支持的文件格式：{fmt}", f"unknown payment file format {fmt!r} (xlsx or csv)")
