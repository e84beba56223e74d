"""Enrolment in an approved class, withdrawal, and attendance at its sessions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from skillfund.accounts.models import Role
from skillfund.accounts.scoping import role_of
from skillfund.core import audit
from skillfund.core.errors import FieldProblem, InvalidInput
from skillfund.registry.models import Person
from skillfund.training import selectors
from skillfund.training.actions._shared import (
    RecordError,
    _enrolment_ref,
    _ensure_acts_for,
    _ensure_aware,
    _ensure_institution_active,
    _ensure_not_future,
    _lock_enrolment,
    _lock_plan,
    _now,
    _plan_ref,
    _user,
)
from skillfund.training.models import Absence, Attendance, ClassPlan, ClassSession, Enrolment

# ---- enrolment -----------------------------------------------------------------------------------


@transaction.atomic
def enrolment_create(
    *,
    class_plan: ClassPlan,
    person: Person,
    actor: Any,
    preview: Callable[[Enrolment], dict] | None = None,
    now: datetime | None = None,
) -> Enrolment:
    """Enrol a person in an approved class.

    `preview` is the rules engine's hook: it gets the new enrolment and returns what the rules
    would decide (e.g. "the 4th subsidized training in 2020 — §3.3.b"); the result is stored and
    shown, so nobody trains expecting a subsidy they cannot get. It does not refuse enrolment.
    """
    return _enrol(class_plan=class_plan, person=person, actor=actor, preview=preview, now=now, by_worker=False)


@transaction.atomic
def worker_enrol(*, class_plan: ClassPlan, actor: Any, now: datetime | None = None) -> Enrolment:
    """A worker enrols themselves (培训券: the electronic voucher's "sign up"): the class must be open
    to the public (an individual or project class, not an enterprise's order), not started yet,
    and the rules must find them eligible for its subsidy — then every check of an institution's
    enrolment (approved, places, dates, duplicate, clashing sessions) applies as well."""
    from skillfund.claims.preview import enrolment_preview

    person = getattr(actor, "person", None)
    if role_of(actor) != Role.WORKER or person is None:
        raise RecordError(
            "not_permitted",
            record=_plan_ref(class_plan),
            field="actor",
            zh="只有已实名绑定的劳动者本人可以自助报名",
            en="only a worker bound to their own registry record enrols themselves",
            clause="§4.4.d",
        )
    enrolment = _enrol(
        class_plan=class_plan, person=person, actor=actor, preview=enrolment_preview, now=now, by_worker=True
    )
    # The trainee chose the institution: it now sees them on its roster (attendance, results and
    # the claim are its work), with who put them there and why.
    from skillfund.registry.actions import link

    link(
        actor=actor,
        person=person,
        organization=class_plan.institution,
        reason="本人自助报名 / self-enrolment",
        existing=True,
    )
    return enrolment


# Classes a worker may join on their own: those any eligible person may take. An enterprise-run
# class (§3.1.2) or one an enterprise ordered (订单式, §3.2.4) is for that enterprise's employees,
# and training through work (§3.3.g) is no class at all.
SELF_ENROLMENT_MODES = (ClassPlan.FundingMode.INDIVIDUAL, ClassPlan.FundingMode.PROJECT)


def _ensure_worker_may_enrol(
    plan: ClassPlan, person: Person, *, now: datetime, ref: tuple[str, str], preview: Callable[[Enrolment], dict]
) -> None:
    if plan.funding_mode not in SELF_ENROLMENT_MODES or plan.enterprise_order_id is not None:
        raise RecordError(
            "not_open_to_public",
            record=ref,
            field="class_plan",
            zh="该班为企业职工培训，不接受个人报名",
            en="this class trains an enterprise's employees and takes no individual enrolments",
            clause="§3.1.2",
        )
    if plan.status == ClassPlan.Status.APPROVED and timezone.localdate(now) >= plan.start_date:
        raise RecordError(
            "class_started",
            record=ref,
            field="class_plan",
            zh=f"已于 {plan.start_date} 开班，请联系培训机构",
            en=f"the class started on {plan.start_date}; ask the institution",
        )
    result = preview(Enrolment(class_plan=plan, person=person))
    if not result["eligible"]:
        failed = [c for c in result["checks"] if c["status"] == "fail"]
        first = failed[0] if failed else {"zh": "不符合补贴条件", "en": "not eligible for the subsidy", "clause": None}
        raise RecordError(
            "not_eligible", record=ref, field="person", zh=first["zh"], en=first["en"], clause=first["clause"]
        )


def _enrol(
    *,
    class_plan: ClassPlan,
    person: Person,
    actor: Any,
    preview: Callable[[Enrolment], dict] | None,
    now: datetime | None,
    by_worker: bool,
) -> Enrolment:
    now = _now(now)
    # Fixed lock order, person then class: two enrolments of one person serialise on the person,
    # two enrolments into one class on the class (capacity).
    person = Person.objects.select_for_update().get(pk=person.pk)
    plan = _lock_plan(class_plan)
    ref = (f"开班计划 {plan.code} 学员 {person.name}", f"class plan {plan.code}, trainee {person.name}")
    if by_worker:
        _ensure_worker_may_enrol(plan, person, now=now, ref=ref, preview=preview)
    else:
        _ensure_acts_for(actor, plan.institution, record=ref)
    if plan.status != ClassPlan.Status.APPROVED:
        raise RecordError(
            "class_not_approved",
            record=ref,
            field="class_plan",
            zh=f"计划为{plan.get_status_display()}状态，未经批准不能报名",
            en=f"the class is {plan.status}; only an approved class takes enrolments",
            clause="§4.3.d",
        )
    _ensure_institution_active(plan)
    if timezone.localdate(now) > plan.end_date:
        raise RecordError(
            "class_ended",
            record=ref,
            field="class_plan",
            zh=f"已于 {plan.end_date} 结业",
            en=f"ended on {plan.end_date}",
        )
    if Enrolment.objects.filter(class_plan=plan, person=person).exists():
        raise RecordError("already_enrolled", record=ref, field="person", zh="已报名本班", en="already enrolled")
    clash = selectors.clashing_session(person=person, class_plan=plan)
    if clash is not None:
        raise RecordError(
            "overlapping_classes",
            record=ref,
            field="person",
            zh=f"已报名的 {clash.class_plan.code} 班课次 {clash} 与本班时间重叠",
            en=f"already enrolled in class {clash.class_plan.code}, whose session {clash} overlaps this class",
        )
    taken = Enrolment.objects.filter(class_plan=plan, status__in=Enrolment.ACTIVE).count()
    if taken >= plan.capacity:
        raise RecordError(
            "class_full",
            record=ref,
            field="capacity",
            zh=f"班额 {plan.capacity} 已满",
            en=f"all {plan.capacity} places taken",
        )
    enrolment = Enrolment.objects.create(class_plan=plan, person=person, enrolled_at=now)
    if preview is not None:
        enrolment.rules_preview = preview(enrolment)
        enrolment.save(update_fields=["rules_preview"])
    audit.record(
        actor=actor,
        action="enrolment.create",
        target=enrolment,
        after={"class_plan": plan.pk, "person": person.pk, "rules_preview": enrolment.rules_preview},
    )
    return enrolment


@transaction.atomic
def enrolment_withdraw(*, enrolment: Enrolment, actor: Any, reason: str) -> Enrolment:
    enrolment = _lock_enrolment(enrolment)
    ref = _enrolment_ref(enrolment)
    _ensure_acts_for(actor, enrolment.class_plan.institution, record=ref)
    if enrolment.status != Enrolment.Status.ENROLLED:
        raise RecordError(
            "invalid_transition",
            record=ref,
            field="status",
            zh=f"报名为{enrolment.get_status_display()}状态，不能退学",
            en=f"a {enrolment.status} enrolment cannot be withdrawn",
        )
    if not reason.strip():
        raise RecordError("reason_required", record=ref, field="reason", zh="退学须说明理由", en="say why")
    enrolment.status = Enrolment.Status.WITHDRAWN
    enrolment.withdrawn_reason = reason.strip()
    enrolment.save(update_fields=["status", "withdrawn_reason"])
    audit.record(
        actor=actor,
        action="enrolment.withdraw",
        target=enrolment,
        before={"status": "enrolled"},
        after={"status": "withdrawn"},
        reason=reason.strip(),
    )
    return enrolment


# ---- attendance ----------------------------------------------------------------------------------


def _lock_for_session(enrolment: Enrolment, session: ClassSession, actor: Any) -> tuple[Enrolment, tuple[str, str]]:
    """Lock the enrolment and check what attendance and absence both need: the actor acts for the
    institution, the trainee is enrolled and the class approved. Returns the enrolment and the
    record reference its refusals name."""
    enrolment = _lock_enrolment(enrolment)
    plan = enrolment.class_plan
    ref = (
        f"{_enrolment_ref(enrolment)[0]} 课次 {session}",
        f"{_enrolment_ref(enrolment)[1]}, session {session}",
    )
    _ensure_acts_for(actor, plan.institution, record=ref)
    if enrolment.status != Enrolment.Status.ENROLLED:
        raise RecordError(
            "not_enrolled", record=ref, field="enrolment", zh="学员不在读", en=f"the enrolment is {enrolment.status}"
        )
    if plan.status != ClassPlan.Status.APPROVED:
        raise RecordError(
            "class_not_approved",
            record=ref,
            field="class_plan",
            zh=f"计划为{plan.get_status_display()}状态",
            en=f"the class is {plan.status}",
        )
    return enrolment, ref


@transaction.atomic
def attendance_record(
    *,
    enrolment: Enrolment,
    session: ClassSession,
    check_in: datetime,
    check_out: datetime,
    method: str,
    actor: Any,
    reason: str = "",
    now: datetime | None = None,
) -> Attendance:
    """One trainee at one session. A manual entry names its operator (the actor) and a reason."""
    now = _now(now)
    enrolment, ref = _lock_for_session(enrolment, session, actor)
    plan = enrolment.class_plan
    if session.class_plan_id != plan.pk:
        raise RecordError(
            "session_not_in_class",
            record=ref,
            field="session",
            zh="课次不属于该班",
            en="the session is of another class",
        )
    if method not in Attendance.Method.values:
        raise RecordError("invalid_input", record=ref, field="method", zh=f"未知方式 {method}", en=f"unknown {method}")
    if method == Attendance.Method.MANUAL:
        if _user(actor) is None:
            raise RecordError(
                "manual_needs_operator",
                record=ref,
                field="operator",
                zh="手工补录须由具名操作员办理",
                en="a manual entry needs a named operator",
                clause="§4.3.d",
            )
        if not reason.strip():
            raise RecordError(
                "reason_required",
                record=ref,
                field="reason",
                zh="手工补录须说明理由",
                en="a manual entry needs a reason",
                clause="§4.3.d",
            )
    for field, value in (("check_in", check_in), ("check_out", check_out)):
        _ensure_aware(value, record=ref, field=field)
    if check_out <= check_in:
        raise RecordError(
            "check_out_before_check_in",
            record=ref,
            field="check_out",
            zh="签退须晚于签到",
            en="check-out precedes check-in",
        )
    for field, value in (("check_in", check_in), ("check_out", check_out)):
        _ensure_not_future(value, today=now, record=ref, field=field)
        day = timezone.localdate(value)
        if not plan.start_date <= day <= plan.end_date:
            raise RecordError(
                "outside_class_dates",
                record=ref,
                field=field,
                zh=f"{day} 不在开班期 {plan.start_date}–{plan.end_date} 内",
                en=f"{day} is outside the class dates {plan.start_date}–{plan.end_date}",
            )
        if day != timezone.localdate(session.starts_at):
            raise RecordError(
                "outside_session_date",
                record=ref,
                field=field,
                zh=f"{day} 不是该课次的日期",
                en=f"{day} is not the session's date",
            )
    if Attendance.objects.filter(enrolment=enrolment, session=session).exists():
        raise RecordError("attendance_exists", record=ref, field="session", zh="该课次已有考勤", en="already recorded")
    if Absence.objects.filter(enrolment=enrolment, session=session).exists():
        raise RecordError("absence_exists", record=ref, field="session", zh="该课次已登记缺勤", en="already absent")
    attendance = Attendance.objects.create(
        enrolment=enrolment,
        session=session,
        check_in=check_in,
        check_out=check_out,
        method=method,
        operator=_user(actor),
        reason=reason.strip(),
    )
    audit.record(
        actor=actor,
        action="attendance.record",
        target=attendance,
        after={"session": session.pk, "check_in": check_in, "check_out": check_out, "method": method},
        reason=reason.strip(),
    )
    return attendance


@transaction.atomic
def absence_record(
    *, enrolment: Enrolment, session: ClassSession, reason: str, actor: Any, now: datetime | None = None
) -> Absence:
    """A trainee absent from a session that has begun, and why (病假, 事假 …)."""
    now = _now(now)
    enrolment, ref = _lock_for_session(enrolment, session, actor)
    plan = enrolment.class_plan
    if session.class_plan_id != plan.pk:
        raise RecordError(
            "session_not_in_class", record=ref, field="session", zh="课次不属于该班", en="not a session of this class"
        )
    if session.starts_at > now:
        raise RecordError(
            "session_not_begun", record=ref, field="session", zh="课次尚未开始", en="the session has not begun"
        )
    reason = reason.strip()
    if not reason:
        raise RecordError("reason_required", record=ref, field="reason", zh="须说明缺勤原因", en="say why")
    if len(reason) > 200:
        raise RecordError("too_long", record=ref, field="reason", zh="缺勤原因最长200字", en="at most 200 characters")
    if Attendance.objects.filter(enrolment=enrolment, session=session).exists():
        raise RecordError("attendance_exists", record=ref, field="session", zh="该课次已有考勤", en="already recorded")
    if Absence.objects.filter(enrolment=enrolment, session=session).exists():
        raise RecordError("absence_exists", record=ref, field="session", zh="该课次已登记缺勤", en="already absent")
    absence = Absence.objects.create(enrolment=enrolment, session=session, reason=reason, recorded_by=_user(actor))
    audit.record(actor=actor, action="absence.record", target=absence, after={"session": session.pk}, reason=reason)
    return absence


@dataclass(frozen=True)
class SheetLine:
    """One trainee on a session's attendance sheet: present (with check-in and check-out) or absent (a reason)."""

    enrolment: Enrolment
    present: bool
    check_in: datetime | None = None
    check_out: datetime | None = None
    absence_reason: str = ""


@transaction.atomic
def session_attendance_record(
    *,
    session: ClassSession,
    lines: list[SheetLine],
    method: str,
    actor: Any,
    reason: str = "",
    now: datetime | None = None,
) -> tuple[int, int]:
    """A session's attendance sheet, entered at once (a paper sign-in sheet, or a device export
    checked by hand): each line through `attendance_record` or `absence_record`, all or none. A
    refused line is reported with the trainee named and nothing is written (`InvalidInput`).
    A problem's `row` is the enrolment id. Returns (present, absent)."""
    problems: list[FieldProblem] = []
    present = absent = 0
    for line in lines:
        if line.enrolment.class_plan_id != session.class_plan_id:
            raise RecordError(
                "session_not_in_class",
                record=_enrolment_ref(line.enrolment),
                field="session",
                zh="课次不属于该班",
                en="not a session of this class",
            )
        try:
            if line.present:
                if line.check_in is None or line.check_out is None:
                    raise RecordError(
                        "required",
                        record=_enrolment_ref(line.enrolment),
                        field="check_in",
                        zh="须填写签到和签退时间",
                        en="check-in and check-out are required",
                    )
                attendance_record(
                    enrolment=line.enrolment,
                    session=session,
                    check_in=line.check_in,
                    check_out=line.check_out,
                    method=method,
                    actor=actor,
                    reason=reason,
                    now=now,
                )
                present += 1
            else:
                absence_record(
                    enrolment=line.enrolment, session=session, reason=line.absence_reason, actor=actor, now=now
                )
                absent += 1
        except RecordError as exc:
            problems.append(
                FieldProblem(
                    column=exc.field,
                    value=line.enrolment.person.name,
                    # The line names the trainee already: the reason without the record's name.
                    zh=exc.zh.removeprefix(f"{exc.record[0]}（{exc.field}）："),
                    en=exc.en.removeprefix(f"{exc.record[1]}, {exc.field}: "),
                    row=line.enrolment.pk,
                )
            )
    if problems:
        raise InvalidInput(problems)
    return present, absent
