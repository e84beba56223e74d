"""Class plans (开班计划, §4.3.d) and their sessions: a provider drafts a plan, adds sessions and
files it with its department, which approves or rejects it; an approved class is closed after
its last day."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation

from skillfund.accounts.models import Role
from skillfund.accounts.scoping import role_of
from skillfund.catalog.models import CatalogItem
from skillfund.core import audit
from skillfund.organizations.models import Organization
from skillfund.programme.models import AnnexTask
from skillfund.training import selectors
from skillfund.training.actions._shared import (
    RecordError,
    _ensure_acts_for,
    _ensure_aware,
    _ensure_institution_active,
    _ensure_item_approved_for_institution,
    _lock_plan,
    _now,
    _plan_ref,
    _user,
)
from skillfund.training.models import ClassPlan, ClassSession, Teacher

# A plan can be edited (sessions added) and filed from these; a rejected plan is corrected and re-filed.
EDITABLE = (ClassPlan.Status.DRAFT, ClassPlan.Status.REJECTED)


def _full_clean(obj: Any, *, record: tuple[str, str], exclude: Iterable[str] = ()) -> None:
    """Field validators (region codes, lengths, choices) as a DomainError naming the field."""
    try:
        obj.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        field = next(iter(exc.message_dict))
        with translation.override("zh-hans"):
            zh = "；".join(exc.message_dict[field])
        with translation.override("en"):
            en = "; ".join(exc.message_dict[field])
        raise RecordError("invalid_input", record=record, field=field, zh=zh, en=en) from None


# ---- class plans (开班计划, §4.3.d) ---------------------------------------------------------------


# The fields of a plan its institution sets, on create and on every edit until it is filed.
PLAN_FIELDS = (
    "code",
    "catalog_item",
    "department",
    "annex_task",
    "funding_mode",
    "region",
    "venue",
    "start_date",
    "end_date",
    "capacity",
    "fee",
    "enterprise_order",
)


@transaction.atomic
def class_plan_create(
    *,
    actor: Any,
    code: str,
    institution: Organization,
    catalog_item: CatalogItem,
    department: Organization,
    funding_mode: str,
    region: str,
    venue: str,
    start_date: date,
    end_date: date,
    capacity: int,
    annex_task: AnnexTask | None = None,
    fee: Decimal | None = None,
    enterprise_order: Organization | None = None,
    teachers: Iterable[Teacher] = (),
) -> ClassPlan:
    """A draft class plan of a training provider, counted toward a department's annex task."""
    code, teachers = code.strip(), list(teachers)
    plan = ClassPlan(
        code=code,
        institution=institution,
        catalog_item=catalog_item,
        department=department,
        annex_task=annex_task,
        funding_mode=funding_mode,
        region=region,
        venue=venue.strip(),
        start_date=start_date,
        end_date=end_date,
        capacity=capacity,
        fee=fee,
        enterprise_order=enterprise_order,
        created_by=_user(actor),
    )
    ref = _plan_ref(plan)
    _ensure_acts_for(actor, institution, record=ref)
    _check_plan(plan, ref=ref)
    _ensure_own_teachers(plan, teachers, ref=ref)
    plan.save(force_insert=True)
    plan.teachers.set(list(teachers))
    audit.record(actor=actor, action="class_plan.create", target=plan, after=_plan_facts(plan, teachers))
    return plan


@transaction.atomic
def class_plan_update(*, class_plan: ClassPlan, actor: Any, teachers: Iterable[Teacher] | None = None, **fields: Any):
    """Change a plan until it is filed (a draft, or a rejected plan being corrected): the fields of
    PLAN_FIELDS, checked as on create; its sessions must still fall inside the class dates."""
    plan = _lock_plan(class_plan)
    ref = _plan_ref(plan)
    _ensure_acts_for(actor, plan.institution, record=ref)
    if plan.status not in EDITABLE:
        raise RecordError(
            "plan_not_editable",
            record=ref,
            field="status",
            zh=f"计划已{plan.get_status_display()}，不能再修改",
            en=f"the plan is {plan.status}; it can no longer be changed",
            clause="§4.3.d",
        )
    unknown = set(fields) - set(PLAN_FIELDS)
    if unknown:
        raise TypeError(f"class_plan_update: unknown fields {sorted(unknown)}")
    before = _plan_facts(plan, plan.teachers.all())
    if "code" in fields:
        fields["code"] = fields["code"].strip()
    if "venue" in fields:
        fields["venue"] = fields["venue"].strip()
    for name, value in fields.items():
        setattr(plan, name, value)
    _check_plan(plan, ref=ref)
    first_outside = next(
        (
            s
            for s in plan.sessions.order_by("starts_at")
            if not plan.start_date <= timezone.localdate(s.starts_at) <= plan.end_date
            or not plan.start_date <= timezone.localdate(s.ends_at) <= plan.end_date
        ),
        None,
    )
    if first_outside is not None:
        raise RecordError(
            "session_outside_class_dates",
            record=ref,
            field="start_date",
            zh=f"已有课次 {first_outside} 不在新的开班期 {plan.start_date}–{plan.end_date} 内，请先调整或删除该课次",
            en=f"session {first_outside} falls outside the new class dates {plan.start_date}–{plan.end_date}; "
            "move or delete it first",
        )
    if teachers is not None:
        teachers = list(teachers)
        _ensure_own_teachers(plan, teachers, ref=ref)
    plan.save(update_fields=[*fields, "updated_at"])
    if teachers is not None:
        plan.teachers.set(teachers)
    after = _plan_facts(plan, plan.teachers.all())
    changed = {k for k in after if after[k] != before[k]}
    audit.record(
        actor=actor,
        action="class_plan.update",
        target=plan,
        before={k: before[k] for k in sorted(changed)},
        after={k: after[k] for k in sorted(changed)},
    )
    return plan


def _plan_facts(plan: ClassPlan, teachers: Iterable[Teacher]) -> dict[str, Any]:
    return {
        "code": plan.code,
        "institution": plan.institution_id,
        "catalog_item": plan.catalog_item_id,
        "department": plan.department_id,
        "annex_task": plan.annex_task_id,
        "funding_mode": plan.funding_mode,
        "region": plan.region,
        "start_date": plan.start_date,
        "end_date": plan.end_date,
        "capacity": plan.capacity,
        "fee": plan.fee,
        "enterprise_order": plan.enterprise_order_id,
        "teachers": sorted(t.pk for t in teachers),
    }


def _ensure_own_teachers(plan: ClassPlan, teachers: Iterable[Teacher], *, ref: tuple[str, str]) -> None:
    """A class is taught by the institution's own teachers."""
    foreign = next((t for t in teachers if t.organization_id != plan.institution_id), None)
    if foreign is not None:
        raise RecordError(
            "teacher_of_another_organization",
            record=ref,
            field="teachers",
            zh=f"教师 {foreign} 不属于 {plan.institution}",
            en=f"teacher {foreign} does not belong to {plan.institution}",
        )


def _check_plan(plan: ClassPlan, *, ref: tuple[str, str]) -> None:
    """What a plan must be on create and on every edit (§3.2.3, §4.3.c, §4.4.c)."""
    institution, department, annex_task = plan.institution, plan.department, plan.annex_task
    catalog_item, enterprise_order = plan.catalog_item, plan.enterprise_order
    _full_clean(plan, record=ref, exclude=["code", "created_by"])
    if not plan.code:
        raise RecordError("required", record=ref, field="code", zh="须填写班级编号", en="a class code is required")
    if ClassPlan.objects.filter(code=plan.code).exclude(pk=plan.pk).exists():
        raise RecordError("class_code_taken", record=ref, field="code", zh="班级编号已被使用", en="code already used")
    if institution.kind not in Organization.TRAINING_PROVIDERS:
        raise RecordError(
            "not_a_training_provider",
            record=ref,
            field="institution",
            zh=f"{institution} 不是培训机构或院校",
            en=f"{institution} is not a training institution or school",
            clause="§3.2.3",
        )
    if department.kind != Organization.Kind.GOVERNMENT:
        raise RecordError(
            "not_a_department",
            record=ref,
            field="department",
            zh=f"{department} 不是政府部门",
            en=f"{department} is not a government department",
            clause="§4.3.c",
        )
    if annex_task is not None and annex_task.unit_id != department.pk:
        raise RecordError(
            "annex_task_of_another_department",
            record=ref,
            field="annex_task",
            zh=f"任务 {annex_task} 不属于 {department}",
            en=f"annex task {annex_task.code} belongs to another department than {department}",
            clause="§4.3.c",
        )
    if plan.end_date < plan.start_date:
        raise RecordError(
            "dates_ordered",
            record=ref,
            field="end_date",
            zh="结业日期早于开班日期",
            en="the class ends before it starts",
        )
    if plan.capacity <= 0:
        raise RecordError("capacity", record=ref, field="capacity", zh="班额须大于0", en="capacity must be positive")
    if plan.fee is not None and plan.fee < 0:
        raise RecordError("fee", record=ref, field="fee", zh="收费不能为负", en="the fee cannot be negative")
    if enterprise_order is not None and enterprise_order.kind not in Organization.EMPLOYERS:
        raise RecordError(
            "not_an_enterprise",
            record=ref,
            field="enterprise_order",
            zh=f"{enterprise_order} 不是企业或用工单位",
            en=f"{enterprise_order} is not an enterprise, cooperative or workshop",
            clause="§3.2.4",
        )
    year = plan.start_date.year
    if catalog_item.year != year:
        raise RecordError(
            "catalog_year",
            record=ref,
            field="catalog_item",
            zh=f"{year}年开班须选用{year}年目录项目（所选为{catalog_item.year}年）",
            en=f"a class starting in {year} needs an item of that year's catalog, not {catalog_item.year}",
            clause="§4.4.c",
        )
    _ensure_item_approved_for_institution(plan)


@transaction.atomic
def class_plan_add_session(
    *,
    class_plan: ClassPlan,
    starts_at: datetime,
    ends_at: datetime,
    hours: Decimal,
    actor: Any,
    topic: str = "",
    teacher: Teacher | None = None,
) -> ClassSession:
    """A session of a plan that is still being prepared; it must fall inside the plan's dates."""
    plan = _lock_plan(class_plan)
    ref = _plan_ref(plan)
    _ensure_acts_for(actor, plan.institution, record=ref)
    _ensure_sessions_editable(plan, ref=ref)
    _check_session(plan, starts_at=starts_at, ends_at=ends_at, hours=hours, ref=ref)
    session = ClassSession.objects.create(
        class_plan=plan, starts_at=starts_at, ends_at=ends_at, hours=hours, topic=topic.strip(), teacher=teacher
    )
    if teacher is not None:
        plan.teachers.add(teacher)  # a session's teacher is one of the class's teachers
    audit.record(
        actor=actor,
        action="class_plan.add_session",
        target=plan,
        after={
            "session": session.pk,
            "starts_at": starts_at,
            "ends_at": ends_at,
            "hours": hours,
            "teacher": getattr(teacher, "pk", None),
        },
    )
    return session


@dataclass(frozen=True)
class PlannedSession:
    """A session to be written: what the schedule generator (training/schedule.py) proposes."""

    starts_at: datetime
    ends_at: datetime
    hours: Decimal
    topic: str = ""


@transaction.atomic
def class_plan_schedule(
    *,
    class_plan: ClassPlan,
    sessions: Iterable[PlannedSession],
    actor: Any,
    replace: bool = False,
    end_date: date | None = None,
) -> list[ClassSession]:
    """Write a whole timetable at once (a 120-hour class is 40 sessions of 3 hours): every session
    checked as one added by hand, against the plan's other sessions and each other, before any is
    written. `replace` removes the plan's sessions first; `end_date` moves the class end date
    (e.g. to the last session's day) in the same step."""
    plan = _lock_plan(class_plan)
    ref = _plan_ref(plan)
    _ensure_acts_for(actor, plan.institution, record=ref)
    _ensure_sessions_editable(plan, ref=ref)
    sessions = sorted(sessions, key=lambda s: s.starts_at)
    if not sessions:
        raise RecordError("no_sessions", record=ref, field="sessions", zh="没有要保存的课次", en="no sessions to save")
    if len(sessions) > MAX_SESSIONS:
        raise RecordError(
            "too_many_sessions",
            record=ref,
            field="sessions",
            zh=f"一个班最多 {MAX_SESSIONS} 个课次（本次 {len(sessions)} 个）",
            en=f"at most {MAX_SESSIONS} sessions per class ({len(sessions)} given)",
        )
    before = {"sessions": plan.sessions.count(), "end_date": plan.end_date}
    if end_date is not None and end_date != plan.end_date:
        if end_date < plan.start_date:
            raise RecordError(
                "dates_ordered",
                record=ref,
                field="end_date",
                zh="结业日期早于开班日期",
                en="the class ends before it starts",
            )
        plan.end_date = end_date
        plan.save(update_fields=["end_date", "updated_at"])
    kept = [] if replace else list(plan.sessions.all())
    for planned in sessions:
        _check_session(
            plan, starts_at=planned.starts_at, ends_at=planned.ends_at, hours=planned.hours, ref=ref, others=kept
        )
        kept.append(planned)
    if replace:
        plan.sessions.all().delete()
    written = ClassSession.objects.bulk_create(
        [
            ClassSession(
                class_plan=plan, starts_at=s.starts_at, ends_at=s.ends_at, hours=s.hours, topic=s.topic.strip()
            )
            for s in sessions
        ]
    )
    audit.record(
        actor=actor,
        action="class_plan.schedule",
        target=plan,
        before=before,
        after={
            "sessions": plan.sessions.count(),
            "added": len(written),
            "replaced": replace,
            "first": sessions[0].starts_at,
            "last": sessions[-1].ends_at,
            "hours": sum((s.hours for s in sessions), Decimal(0)),
            "end_date": plan.end_date,
        },
    )
    return written


@transaction.atomic
def class_session_update(
    *,
    session: ClassSession,
    actor: Any,
    starts_at: datetime,
    ends_at: datetime,
    hours: Decimal,
    topic: str = "",
    teacher: Teacher | None = None,
) -> ClassSession:
    """Move or change one session of a plan that is still being prepared."""
    plan = _lock_plan(session.class_plan)
    ref = _plan_ref(plan)
    _ensure_acts_for(actor, plan.institution, record=ref)
    _ensure_sessions_editable(plan, ref=ref)
    session = ClassSession.objects.select_for_update().get(pk=session.pk, class_plan=plan)
    if teacher is not None and teacher.organization_id != plan.institution_id:
        raise RecordError(
            "teacher_of_another_organization",
            record=ref,
            field="teacher",
            zh=f"教师 {teacher} 不属于 {plan.institution}",
            en=f"teacher {teacher} does not belong to {plan.institution}",
        )
    _check_session(plan, starts_at=starts_at, ends_at=ends_at, hours=hours, ref=ref, exclude=session.pk)
    before = {
        "starts_at": session.starts_at,
        "ends_at": session.ends_at,
        "hours": session.hours,
        "teacher": session.teacher_id,
    }
    session.starts_at, session.ends_at, session.hours = starts_at, ends_at, hours
    session.topic, session.teacher = topic.strip(), teacher
    session.save(update_fields=["starts_at", "ends_at", "hours", "topic", "teacher"])
    if teacher is not None:
        plan.teachers.add(teacher)
    audit.record(
        actor=actor,
        action="class_session.update",
        target=plan,
        before={"session": session.pk, **before},
        after={
            "session": session.pk,
            "starts_at": starts_at,
            "ends_at": ends_at,
            "hours": hours,
            "teacher": getattr(teacher, "pk", None),
        },
    )
    return session


@transaction.atomic
def class_session_delete(*, session: ClassSession, actor: Any) -> None:
    """Take one session out of a plan that is still being prepared."""
    plan = _lock_plan(session.class_plan)
    ref = _plan_ref(plan)
    _ensure_acts_for(actor, plan.institution, record=ref)
    _ensure_sessions_editable(plan, ref=ref)
    session = ClassSession.objects.get(pk=session.pk, class_plan=plan)
    facts = {"session": session.pk, "starts_at": session.starts_at, "ends_at": session.ends_at, "hours": session.hours}
    session.delete()
    audit.record(actor=actor, action="class_session.delete", target=plan, before=facts)


# A timetable longer than this is a mistake (a year of daily sessions), not a class.
MAX_SESSIONS = 400


def _ensure_sessions_editable(plan: ClassPlan, *, ref: tuple[str, str]) -> None:
    if plan.status not in EDITABLE:
        raise RecordError(
            "plan_not_editable",
            record=ref,
            field="status",
            zh=f"计划已{plan.get_status_display()}，不能再修改课次",
            en=f"the plan is {plan.status}; its sessions can no longer be changed",
            clause="§4.3.d",
        )


def _check_session(
    plan: ClassPlan,
    *,
    starts_at: datetime,
    ends_at: datetime,
    hours: Decimal,
    ref: tuple[str, str],
    exclude: int | None = None,
    others: Iterable[Any] | None = None,
) -> None:
    """A session inside the class dates, with class hours that fit its time, overlapping none of
    `others` (default: the plan's sessions in the database, but `exclude`)."""
    _ensure_aware(starts_at, record=ref, field="starts_at")
    _ensure_aware(ends_at, record=ref, field="ends_at")
    if ends_at <= starts_at:
        raise RecordError(
            "session_times",
            record=ref,
            field="ends_at",
            zh="课次结束时间须晚于开始时间",
            en="a session ends after it starts",
        )
    first, last = timezone.localdate(starts_at), timezone.localdate(ends_at)
    if first < plan.start_date or last > plan.end_date:
        raise RecordError(
            "session_outside_class_dates",
            record=ref,
            field="starts_at",
            zh=f"课次 {first}–{last} 不在开班期 {plan.start_date}–{plan.end_date} 内",
            en=f"session {first}–{last} is outside the class dates {plan.start_date}–{plan.end_date}",
        )
    duration = Decimal((ends_at - starts_at).total_seconds()) / selectors.HOUR
    if not 0 < hours <= duration:
        raise RecordError(
            "session_hours",
            record=ref,
            field="hours",
            zh=f"课时 {hours} 须大于0且不超过课次时长 {duration:.2f} 小时",
            en=f"{hours} class hours must be positive and at most the session's {duration:.2f} hours",
        )
    if others is None:
        clash = plan.sessions.filter(starts_at__lt=ends_at, ends_at__gt=starts_at).exclude(pk=exclude).first()
    else:
        clash = next((o for o in others if o.starts_at < ends_at and o.ends_at > starts_at), None)
    if clash is not None:
        when = f"{timezone.localtime(clash.starts_at):%Y-%m-%d %H:%M}–{timezone.localtime(clash.ends_at):%H:%M}"
        raise RecordError(
            "session_overlap",
            record=ref,
            field="starts_at",
            zh=f"与本班已有课次 {when} 时间重叠",
            en=f"overlaps the plan's session {when}",
        )


def _ensure_fileable(plan: ClassPlan) -> None:
    """What a filed plan must show the department: an active provider approved for the item, and
    enough class hours. Checked again on approval: the approval may have been withdrawn meanwhile."""
    _ensure_institution_active(plan)
    _ensure_item_approved_for_institution(plan)
    hours = selectors.planned_hours(plan)
    if not hours:
        raise RecordError("no_sessions", record=_plan_ref(plan), field="sessions", zh="尚无课次", en="no sessions yet")
    if hours < plan.catalog_item.min_hours:
        raise RecordError(
            "too_few_hours",
            record=_plan_ref(plan),
            field="sessions",
            zh=f"课时合计 {hours}，目录项目要求至少 {plan.catalog_item.min_hours}",
            en=f"{hours} class hours; the catalog item requires at least {plan.catalog_item.min_hours}",
            clause="§4.4.c",
        )


@transaction.atomic
def class_plan_file(*, class_plan: ClassPlan, actor: Any, now: datetime | None = None) -> ClassPlan:
    """File the plan with its department (§4.3.d), before the class starts. A late plan stays a
    draft; only an approver can accept it, with a reason (`class_plan_approve(late_reason=…)`)."""
    now = _now(now)
    plan = _lock_plan(class_plan)
    ref = _plan_ref(plan)
    _ensure_acts_for(actor, plan.institution, record=ref)
    if plan.status not in EDITABLE:
        raise RecordError(
            "invalid_transition",
            record=ref,
            field="status",
            zh=f"计划已{plan.get_status_display()}，不能报备",
            en=f"a {plan.status} plan cannot be filed",
        )
    _ensure_fileable(plan)
    if timezone.localdate(now) >= plan.start_date:
        raise RecordError(
            "late_filing",
            record=ref,
            field="start_date",
            zh=f"开班日期 {plan.start_date} 已到，须在开班前报备；逾期须由审核部门说明理由后批准",
            en=f"the class starts on {plan.start_date}; a plan is filed before it starts, "
            "a late one only accepted by the approver with a reason",
            clause="§4.3.d",
        )
    before = plan.status
    plan.status = ClassPlan.Status.FILED
    plan.filed_by, plan.filed_at = _user(actor), now
    plan.approved_by, plan.approved_at, plan.rejection_reason = None, None, ""
    plan.save(update_fields=["status", "filed_by", "filed_at", "approved_by", "approved_at", "rejection_reason"])
    audit.record(
        actor=actor, action="class_plan.file", target=plan, before={"status": before}, after={"status": "filed"}
    )
    return plan


def _ensure_may_decide(actor: Any, plan: ClassPlan) -> None:
    """谁主管、谁负责 (§4.3.c, §4.3.d): the plan's department, or HR re-checking; never the person who
    drafted or filed the plan."""
    ref = _plan_ref(plan)
    role = role_of(actor)
    if not (role == Role.HR_STAFF or (role == Role.DEPARTMENT_STAFF and actor.organization_id == plan.department_id)):
        raise RecordError(
            "not_permitted",
            record=ref,
            field="department",
            zh="只有主管部门或人社部门可以审核开班计划",
            en="only the plan's department or the HR bureau may decide on a class plan",
            clause="§4.3.d",
        )
    if actor.pk in {plan.filed_by_id, plan.created_by_id}:
        raise RecordError(
            "same_person",
            record=ref,
            field="filed_by",
            zh="编制或报备计划的人不能审核同一计划",
            en="whoever drafted or filed a plan may not decide on it",
            clause="§4.3.d",
        )


def may_decide(actor: Any, plan: ClassPlan) -> bool:
    """Whether `actor` may approve or return `plan` (the rule of `_ensure_may_decide`), so pages
    offer the decision only to those the actions accept."""
    try:
        _ensure_may_decide(actor, plan)
    except RecordError:
        return False
    return plan.status == ClassPlan.Status.FILED or plan.status in EDITABLE


@transaction.atomic
def class_plan_approve(
    *, class_plan: ClassPlan, actor: Any, late_reason: str = "", now: datetime | None = None
) -> ClassPlan:
    """Approve a filed plan. On or after the start date the approver must say why a late plan is
    accepted; with that reason the approver may also accept a draft refused as late filing."""
    now = _now(now)
    plan = _lock_plan(class_plan)
    ref = _plan_ref(plan)
    _ensure_may_decide(actor, plan)
    late = timezone.localdate(now) >= plan.start_date
    late_reason = late_reason.strip()
    if not (plan.status == ClassPlan.Status.FILED or (late and plan.status in EDITABLE)):
        raise RecordError(
            "invalid_transition",
            record=ref,
            field="status",
            zh=f"计划为{plan.get_status_display()}状态，不能批准",
            en=f"a {plan.status} plan cannot be approved",
        )
    _ensure_fileable(plan)
    if late and not late_reason:
        raise RecordError(
            "late_reason_required",
            record=ref,
            field="late_reason",
            zh=f"开班日期 {plan.start_date} 已到，逾期批准须说明理由",
            en=f"the class starts on {plan.start_date}; approving a late plan needs a reason",
            clause="§4.3.d",
        )
    before = plan.status
    if plan.status != ClassPlan.Status.FILED:  # accepted as a late filing
        plan.filed_by, plan.filed_at = None, now
    plan.status = ClassPlan.Status.APPROVED
    plan.approved_by, plan.approved_at = actor, now
    plan.late_reason = late_reason if late else ""
    plan.save(update_fields=["status", "filed_by", "filed_at", "approved_by", "approved_at", "late_reason"])
    audit.record(
        actor=actor,
        action="class_plan.approve",
        target=plan,
        before={"status": before},
        after={"status": "approved", "late": late},
        reason=plan.late_reason,
    )
    return plan


@transaction.atomic
def class_plan_reject(*, class_plan: ClassPlan, actor: Any, reason: str, now: datetime | None = None) -> ClassPlan:
    """Send a filed plan back with the reason; the institution may correct and re-file it."""
    now = _now(now)
    plan = _lock_plan(class_plan)
    ref = _plan_ref(plan)
    _ensure_may_decide(actor, plan)
    if plan.status != ClassPlan.Status.FILED:
        raise RecordError(
            "invalid_transition",
            record=ref,
            field="status",
            zh=f"计划为{plan.get_status_display()}状态，不能退回",
            en=f"a {plan.status} plan cannot be rejected",
        )
    if not reason.strip():
        raise RecordError("reason_required", record=ref, field="reason", zh="退回须说明理由", en="say why")
    plan.status = ClassPlan.Status.REJECTED
    plan.approved_by, plan.approved_at, plan.rejection_reason = actor, now, reason.strip()
    plan.save(update_fields=["status", "approved_by", "approved_at", "rejection_reason"])
    audit.record(
        actor=actor,
        action="class_plan.reject",
        target=plan,
        before={"status": "filed"},
        after={"status": "rejected"},
        reason=reason.strip(),
    )
    return plan


@transaction.atomic
def class_plan_close(*, class_plan: ClassPlan, actor: Any, now: datetime | None = None) -> ClassPlan:
    """Close an approved class after its last day: no more enrolments or attendance."""
    now = _now(now)
    plan = _lock_plan(class_plan)
    ref = _plan_ref(plan)
    _ensure_acts_for(actor, plan.institution, plan.department, record=ref)
    if plan.status != ClassPlan.Status.APPROVED:
        raise RecordError(
            "invalid_transition",
            record=ref,
            field="status",
            zh=f"计划为{plan.get_status_display()}状态，不能结班",
            en=f"a {plan.status} plan cannot be closed",
        )
    if timezone.localdate(now) <= plan.end_date:
        raise RecordError(
            "class_not_ended",
            record=ref,
            field="end_date",
            zh=f"结业日期 {plan.end_date} 之后才能结班",
            en=f"the class runs until {plan.end_date}",
        )
    plan.status = ClassPlan.Status.CLOSED
    plan.save(update_fields=["status"])
    audit.record(
        actor=actor, action="class_plan.close", target=plan, before={"status": "approved"}, after={"status": "closed"}
    )
    return plan
