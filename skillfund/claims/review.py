"""Actions of the review chain (§4.3.d): create an application, take a step of the table in
claims/workflow.py. Each is one transaction with an audit record.

The generic step functions take every step but the internal ones: "publish" is taken only by
`applications_published` (called by notices.actions.notice_publish with the notice it creates),
"pay" only by `applications_paid` (called by funds/payments.py with the lines it has just booked
on the ledger), "reopen" only by `application_reopen` (called by an upheld objection's decision).

A step is taken with a conditional UPDATE (… WHERE status = the status it was read in), so a
double click or two officers acting at once move an application once; the loser gets a clear error.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction
from django.utils import timezone

from skillfund.accounts.models import Role
from skillfund.claims.actions import claims_grant, ensure_certificates_match
from skillfund.claims.models import Application, ApplicationEvent, Claim
from skillfund.claims.paths import path_of
from skillfund.claims.workflow import STEPS, Path, Status
from skillfund.core import audit
from skillfund.core.errors import DomainError


class StepRefused(DomainError):
    pass


@transaction.atomic
def application_create(
    *,
    kind: str,
    department: Any,
    claims: list[Claim],
    actor: Any,
    applicant: Any = None,
    person: Any = None,
    class_plan: Any = None,
    idempotency_key: str | None = None,
    reference: str | None = None,
) -> Application:
    """Gather claims into one application. Its review path is the rules' (`claims.paths.path_of`,
    §4.3.e), never the caller's. With an idempotency key, a retried request returns the
    application the first request created; the same key with other content is refused."""
    if idempotency_key:
        existing = Application.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            same = (
                existing.kind == kind
                and existing.department_id == department.pk
                and set(existing.claims.values_list("pk", flat=True)) == {c.pk for c in claims}
            )
            if not same:
                raise DomainError(
                    "idempotency_conflict",
                    "该幂等键已用于内容不同的申请",
                    "the idempotency key was used for a different application",
                )
            return existing
    if not claims:
        raise DomainError("application_empty", "申请中没有补贴明细", "an application needs at least one claim")
    taken = [c.reference for c in claims if c.application_id]
    if taken:
        raise DomainError(
            "claim_in_application",
            f"明细{taken[0]}已属于其他申请",
            f"claim {taken[0]} already belongs to an application",
        )
    ensure_certificates_match(claims)
    application = Application.objects.create(
        reference=reference or f"A{uuid.uuid4().hex[:12].upper()}",
        kind=kind,
        path=path_of(kind=kind, claims=claims),
        department=department,
        applicant=applicant,
        person=person,
        class_plan=class_plan,
        idempotency_key=idempotency_key or None,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    Claim.objects.filter(pk__in=[c.pk for c in claims]).update(application=application)
    audit.record(
        actor=actor, action="application.create", target=application, after={"kind": kind, "claims": len(claims)}
    )
    return application


_INTERNAL_REFUSALS = {
    "publish": (
        "published_with_notice_only",
        "公示须发布公示公告（含公示期和异议受理方式），不能直接标记为公示中",
        "an application is in public notice only by publishing a notice (its period and how to object)",
    ),
    "pay": (
        "paid_by_payment_only",
        "只有记入专账的付款才能将申请标记为已拨付，请通过付款批次办理",
        "an application is paid only by a payment booked on the ledger: use a payment batch",
    ),
    "reopen": (
        "decided_by_objection_only",
        "只有异议处理决定（异议成立）才能退回重新审核",
        "only an upheld objection's decision sends the application back",
    ),
}


def _refuse(code: str, zh: str, en: str) -> StepRefused:
    return StepRefused(code, zh, en, clause="§4.3.d")


def ensure_step_allowed(
    application: Application,
    step_name: str,
    actor: Any,
    reason: str,
    *,
    took_earlier: set[int] | None = None,
    internal: bool = False,
) -> None:
    """Refuse the step unless the table allows it. `took_earlier` (from `_took_earlier_steps`), when
    given, answers the segregation-of-duties question for many applications without a query each.
    `internal` is passed only by the actions that own an internal step ("publish", "pay", "reopen")."""
    step = STEPS.get(step_name)
    if step is None:
        raise _refuse("unknown_step", f"没有“{step_name}”这一步", f"there is no step {step_name!r}")
    if step.internal and not internal:
        raise _refuse(*_INTERNAL_REFUSALS[step_name])
    sources = step.sources.get(application.path, ())
    if application.status not in sources:
        raise _refuse(
            "transition_not_allowed",
            f"申请处于“{Status(application.status).label}”状态，不能{step.zh}",
            f"an application that is {application.status} cannot take the step {step_name!r}",
        )
    role = getattr(actor, "role", None)
    if role not in step.roles:
        raise _refuse("role_not_allowed", f"当前角色不能{step.zh}", f"the role {role or 'none'} may not {step.en}")
    if role in (Role.DEPARTMENT_STAFF,) and actor.organization_id != application.department_id:
        raise _refuse(
            "not_responsible",
            "只有负责该申请的部门可以办理（谁主管、谁负责）",
            "only the responsible department may take this step",
        )
    if (
        role in (Role.INSTITUTION_OPERATOR, Role.ENTERPRISE_OPERATOR)
        and actor.organization_id != application.applicant_id
    ):
        raise _refuse("not_applicant", "只能办理本单位的申请", "only the applying organization may take this step")
    if (
        step_name == "submit"
        and role == Role.DEPARTMENT_STAFF
        and application.applicant_id not in (None, actor.organization_id)
    ):
        # A department submits its own applications; an institution's or enterprise's is submitted by
        # that organization (or received by the HR bureau on its behalf), never by its reviewer.
        raise _refuse(
            "not_applicant",
            "部门不能代替申请单位提交申请",
            "a department does not submit another organization's application",
        )
    if step.not_after and (
        application.pk in took_earlier
        if took_earlier is not None
        else application.events.filter(step__in=step.not_after, actor=actor).exists()
    ):
        raise _refuse(
            "segregation_of_duties",
            "同一人不能在同一申请上办理提交、审核、复核、批准、拨付中的两项（公示人不能批准）",
            "one person takes at most one of submit, verify, check, approve and pay on one application "
            "(and the publisher does not approve)",
        )
    if step.reason_required and not reason.strip():
        raise _refuse("reason_required", f"{step.zh}须说明理由", f"say why ({step.en})")


def _ensure_approvable(application: Application) -> None:
    """Approval waits until the application's public notice has closed and every objection to it
    is decided (§4.3.d).

    The notice lives in skillfund.notices, which imports this module (its actions take the
    "publish" and "reopen" steps): importing it at the top would be an import cycle, so the
    selectors are imported when an approval needs them. A lazy import rather than a registered
    hook, so the check cannot silently go missing.
    """
    from skillfund.notices.selectors import open_notice_of, undecided_objections

    if application.path != Path.FULL:
        return
    notice = open_notice_of(application.pk)
    if notice is not None:
        raise _refuse(
            "notice_open",
            f"公示期至{notice.closes_on:%Y年%m月%d日}结束，公示期满后才能批准",
            f"the public notice {notice.reference} runs until {notice.closes_on}; approve after it closes",
        )
    pending = undecided_objections(application.pk)
    if pending:
        raise _refuse(
            "objection_undecided",
            f"该申请有{pending}件异议尚未处理，须由人社部门会同部门作出处理决定后才能批准",
            f"{pending} objection(s) to this application await a decision by the HR bureau with the department",
        )


@transaction.atomic
def application_step(*, application: Application, step: str, actor: Any, reason: str = "") -> Application:
    """Take one step of the review chain, if the table allows it for this actor."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    ensure_step_allowed(application, step, actor, reason)
    if step == "approve":
        _ensure_approvable(application)
        # The quota (§3.3.b) is consumed here, re-decided under the persons' locks.
        claims_grant(claims=list(application.claims.all()), actor=actor)
    _move([application], step, actor, reason)
    return application


@transaction.atomic
def applications_approve(*, applications: list[Application], actor: Any, reason: str = "") -> list[Application]:
    """Approve many applications at once, as `application_step(step="approve")` would one by one:
    the same table checks and notice check for each, but all their claims granted by one
    `claims_grant` call (one engine run under the persons' locks) and one conditional UPDATE per
    starting status. All or nothing: one refusal approves none."""
    ids = sorted({a.pk for a in applications})
    if not ids:
        return []
    locked = list(Application.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    took_earlier = _took_earlier_steps(ids, "approve", actor)
    for application in locked:
        ensure_step_allowed(application, "approve", actor, reason, took_earlier=took_earlier)
        _ensure_approvable(application)
    claims_grant(claims=list(Claim.objects.filter(application_id__in=ids)), actor=actor)
    _move(locked, "approve", actor, reason)
    return locked


def _took_earlier_steps(ids: list[int], step: str, actor: Any) -> set[int]:
    """The applications among `ids` on which the actor took a step that segregation of duties says
    the same person may not follow with `step` — one query for all of them."""
    not_after = STEPS[step].not_after if step in STEPS else ()
    if not not_after:
        return set()
    events = ApplicationEvent.objects.filter(application_id__in=ids, step__in=not_after, actor=_user(actor))
    return set(events.values_list("application_id", flat=True))


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def steps_refused(
    *, applications: list[Application], step: str, actor: Any, reason: str = "", internal: bool = False
) -> dict[int, StepRefused]:
    """Which of the applications (read under their row locks) may not take `step` now, and why,
    by application id — for a caller that refuses some of many and goes on with the others."""
    took_earlier = _took_earlier_steps([a.pk for a in applications], step, actor)
    refused = {}
    for application in applications:
        try:
            ensure_step_allowed(application, step, actor, reason, took_earlier=took_earlier, internal=internal)
        except StepRefused as exc:
            refused[application.pk] = exc
    return refused


@transaction.atomic
def applications_step(*, applications: list[Application], step: str, actor: Any, reason: str = "") -> list[Application]:
    """Take one step (other than "approve", which grants: see `applications_approve`) for many
    applications at once, as `application_step` would one by one: the same table checks for each,
    one conditional UPDATE per starting status, the events in one insert, one audit record each.
    All or nothing: one refusal moves none. A caller that already holds the applications' locks
    (taken in id order) loses nothing by the lock here."""
    if step == "approve":
        raise ValueError('approving grants the claims: use applications_approve for "approve"')
    ids = sorted({a.pk for a in applications})
    if not ids:
        return []
    locked = list(Application.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    took_earlier = _took_earlier_steps(ids, step, actor)
    for application in locked:
        ensure_step_allowed(application, step, actor, reason, took_earlier=took_earlier)
    _move(locked, step, actor, reason)
    return locked


@transaction.atomic
def applications_published(*, applications: list[Application], actor: Any, notice: Any) -> None:
    """The "publish" step, for the applications notices.actions.notice_publish has just put in
    `notice` (created in this transaction, with its entries)."""
    ids = sorted({a.pk for a in applications})
    published = set(notice.entries.filter(application_id__in=ids).values_list("application_id", flat=True))
    if published != set(ids):
        raise _refuse("not_in_notice", "公示中没有该申请的明细", "the notice holds no line of an application")
    locked = list(Application.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    took_earlier = _took_earlier_steps(ids, "publish", actor)
    for application in locked:
        ensure_step_allowed(application, "publish", actor, notice.reference, took_earlier=took_earlier, internal=True)
    _move(locked, "publish", actor, notice.reference)


@transaction.atomic
def applications_paid(*, lines: list[Any], actor: Any) -> None:
    """The "pay" step, for the payment lines funds/payments.py has just booked on the ledger in
    this transaction: only an application whose live line points at its ledger transaction becomes
    paid. Not for pages or the API — they pay through a payment batch."""
    from skillfund.funds.models import PaymentLine  # funds imports this module

    ids = sorted({line.application_id for line in lines})
    if not ids:
        return
    booked = set(
        PaymentLine.objects.filter(
            pk__in=[line.pk for line in lines], transaction__isnull=False, cancelled_at__isnull=True
        ).values_list("application_id", flat=True)
    )
    if booked != set(ids):
        raise _refuse("not_booked", "付款尚未记入专账，不能标记为已拨付", "the payment is not booked on the ledger")
    locked = list(Application.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    took_earlier = _took_earlier_steps(ids, "pay", actor)
    for application in locked:
        ensure_step_allowed(application, "pay", actor, "", took_earlier=took_earlier, internal=True)
    _move(locked, "pay", actor, "")


@transaction.atomic
def application_reopen(*, application: Application, actor: Any, reason: str) -> Application:
    """The "reopen" step: an objection upheld by the HR bureau with the department sends the
    application back for the department to verify again. Called only by
    notices.actions.objection_decide."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    ensure_step_allowed(application, "reopen", actor, reason, internal=True)
    _move([application], "reopen", actor, reason)
    return application


def _move(locked: list[Application], step: str, actor: Any, reason: str) -> None:
    """Move applications (locked, already checked) to the step's target: one conditional UPDATE per
    starting status, the events in one insert, one audit record each."""
    target, now = STEPS[step].target, timezone.now()
    by_status: dict[str, list[int]] = {}
    for application in locked:
        by_status.setdefault(application.status, []).append(application.pk)
    stored = {"status_since": now, **({"approved_at": now} if step == "approve" else {})}
    for status, pks in by_status.items():
        moved = Application.objects.filter(pk__in=pks, status=status).update(status=target, updated_at=now, **stored)
        if moved != len(pks):  # the row locks already serialise steps; this guards a caller outside them
            raise _refuse("concurrent_step", "申请已被他人办理", "someone else moved an application first")
    ApplicationEvent.objects.bulk_create(
        ApplicationEvent(
            application=a,
            step=step,
            from_status=a.status,
            to_status=target,
            actor=_user(actor),
            actor_role=getattr(actor, "role", "") or "",
            reason=reason.strip(),
            at=now,
        )
        for a in locked
    )
    for application in locked:
        audit.record(
            actor=actor,
            action=f"application.{step}",
            target=application,
            before={"status": application.status},
            after={"status": target},
            reason=reason.strip(),
        )
        application.status = target
        for field, value in stored.items():
            setattr(application, field, value)
