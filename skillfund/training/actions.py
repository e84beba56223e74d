"""Writes to training delivery. Each is one transaction with one audit record; every check runs
before the first write, so a refusal leaves nothing behind.

`actor=None` is the platform itself (device feeds, imports, the demo loader); approving or
rejecting a class plan always needs a person. `now` is the clock (default: the real one); tests
and back-dated demo data pass it. Row locks are taken in one order: person, then class plan, then
enrolment.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation

from skillfund.accounts.models import ORGANIZATION_SCOPED, Role
from skillfund.accounts.scoping import role_of
from skillfund.catalog.models import LEVELLED_CERTIFICATES, CatalogItem, CertificateKind, Occupation
from skillfund.core import audit
from skillfund.core.errors import DomainError
from skillfund.organizations.models import Organization
from skillfund.programme.models import AnnexTask
from skillfund.registry.models import Person
from skillfund.training import selectors
from skillfund.training.models import (
    Assessment,
    Attendance,
    Certificate,
    ClassPlan,
    ClassSession,
    Employment,
    Enrolment,
    Teacher,
    WorkTrainingMonth,
)

# A plan can be edited (sessions added) and filed from these; a rejected plan is corrected and re-filed.
EDITABLE = (ClassPlan.Status.DRAFT, ClassPlan.Status.REJECTED)
# Results and certificates are recorded for a class that ran, closed or not.
RAN = (ClassPlan.Status.APPROVED, ClassPlan.Status.CLOSED)


class RecordError(DomainError):
    """A refusal about one field of one record; both are named in every language."""

    def __init__(
        self, code: str, *, record: tuple[str, str], field: str, zh: str, en: str, clause: str | None = None
    ) -> None:
        self.record, self.field = record, field
        super().__init__(code, f"{record[0]}（{field}）：{zh}", f"{record[1]}, {field}: {en}", clause=clause)


def _plan_ref(plan: ClassPlan) -> tuple[str, str]:
    return f"开班计划 {plan.code}", f"class plan {plan.code}"


def _enrolment_ref(enrolment: Enrolment) -> tuple[str, str]:
    return (
        f"开班计划 {enrolment.class_plan.code} 学员 {enrolment.person.name}",
        f"class plan {enrolment.class_plan.code}, trainee {enrolment.person.name}",
    )


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _user(actor: Any) -> Any:
    """The actor as a foreign-key value: a signed user, or None for the platform."""
    return actor if getattr(actor, "pk", None) else None


def _ensure_acts_for(actor: Any, *organizations: Organization | None, record: tuple[str, str]) -> None:
    """HR staff act for every organization (§4.3.d re-check); an organization-scoped user only for
    its own; the platform (actor None) for all."""
    if actor is None:
        return
    role = role_of(actor)
    if role == Role.HR_STAFF:
        return
    if role in ORGANIZATION_SCOPED and actor.organization_id in {o.pk for o in organizations if o is not None}:
        return
    raise RecordError(
        "not_permitted",
        record=record,
        field="actor",
        zh=f"用户 {getattr(actor, 'username', '')} 无权为该机构办理此事项",
        en=f"user {getattr(actor, 'username', '')} may not act for this organization",
        clause="§4.3.c",
    )


def _ensure_aware(value: datetime, *, record: tuple[str, str], field: str) -> None:
    if timezone.is_naive(value):
        raise RecordError(
            "naive_datetime", record=record, field=field, zh="时间须带时区", en="the time has no timezone"
        )


def _ensure_not_future(value: date | datetime, *, today: date | datetime, record, field: str) -> None:
    if value > today:
        raise RecordError(
            "future_date", record=record, field=field, zh=f"{value} 晚于当前时间", en=f"{value} is in the future"
        )


def _ensure_institution_active(plan: ClassPlan) -> None:
    if not plan.institution.can_deliver_training:
        raise RecordError(
            "institution_not_active",
            record=_plan_ref(plan),
            field="institution",
            zh=f"培训机构 {plan.institution} 状态为{plan.institution.get_status_display()}，不能开展培训",
            en=f"institution {plan.institution} is {plan.institution.status} and may not deliver training",
            clause="§3.2.3",
        )


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


def _lock_plan(plan: ClassPlan) -> ClassPlan:
    return ClassPlan.objects.select_for_update().select_related("institution", "catalog_item").get(pk=plan.pk)


def _lock_enrolment(enrolment: Enrolment) -> Enrolment:
    return (
        Enrolment.objects.select_for_update()
        .select_related("class_plan__institution", "class_plan__catalog_item", "person")
        .get(pk=enrolment.pk)
    )


# ---- class plans (开班计划, §4.3.d) ---------------------------------------------------------------


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
    _full_clean(plan, record=ref, exclude=["code", "created_by"])
    if not code:
        raise RecordError("required", record=ref, field="code", zh="须填写班级编号", en="a class code is required")
    if ClassPlan.objects.filter(code=code).exists():
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
    if end_date < start_date:
        raise RecordError(
            "dates_ordered",
            record=ref,
            field="end_date",
            zh="结业日期早于开班日期",
            en="the class ends before it starts",
        )
    if capacity <= 0:
        raise RecordError("capacity", record=ref, field="capacity", zh="班额须大于0", en="capacity must be positive")
    if fee is not None and fee < 0:
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
    if catalog_item.year != start_date.year:
        raise RecordError(
            "catalog_year",
            record=ref,
            field="catalog_item",
            zh=f"{start_date.year}年开班须选用{start_date.year}年目录项目（所选为{catalog_item.year}年）",
            en=f"a class starting in {start_date.year} needs an item of that year's catalog, not {catalog_item.year}",
            clause="§4.4.c",
        )
    plan.save(force_insert=True)
    plan.teachers.set(list(teachers))
    audit.record(
        actor=actor,
        action="class_plan.create",
        target=plan,
        after={
            "institution": institution.pk,
            "catalog_item": catalog_item.pk,
            "department": department.pk,
            "annex_task": getattr(annex_task, "pk", None),
            "funding_mode": funding_mode,
            "start_date": start_date,
            "end_date": end_date,
            "capacity": capacity,
            "teachers": sorted(t.pk for t in teachers),
        },
    )
    return plan


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
    if plan.status not in EDITABLE:
        raise RecordError(
            "plan_not_editable",
            record=ref,
            field="status",
            zh=f"计划已{plan.get_status_display()}，不能再增加课次",
            en=f"the plan is {plan.status}; sessions can no longer be added",
        )
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
    clash = plan.sessions.filter(starts_at__lt=ends_at, ends_at__gt=starts_at).first()
    if clash is not None:
        raise RecordError(
            "session_overlap",
            record=ref,
            field="starts_at",
            zh=f"与本班已有课次 {clash} 时间重叠",
            en=f"overlaps the plan's session {clash}",
        )
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


def _ensure_fileable(plan: ClassPlan) -> None:
    """What a filed plan must show the department: an active provider and enough class hours."""
    _ensure_institution_active(plan)
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
    now = _now(now)
    # Fixed lock order, person then class: two enrolments of one person serialise on the person,
    # two enrolments into one class on the class (capacity).
    person = Person.objects.select_for_update().get(pk=person.pk)
    plan = _lock_plan(class_plan)
    ref = (f"开班计划 {plan.code} 学员 {person.name}", f"class plan {plan.code}, trainee {person.name}")
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


# ---- assessment and certificates (§3.3.a) --------------------------------------------------------


@transaction.atomic
def assessment_record(
    *,
    enrolment: Enrolment,
    result: str,
    assessed_on: date,
    actor: Any,
    note: str = "",
    now: datetime | None = None,
) -> Assessment:
    """The result of the end-of-class assessment. An enrolment whose attendance reaches the
    threshold in force on the last class day becomes completed."""
    today = timezone.localdate(_now(now))
    enrolment = _lock_enrolment(enrolment)
    plan = enrolment.class_plan
    ref = _enrolment_ref(enrolment)
    _ensure_acts_for(actor, plan.institution, plan.department, record=ref)
    if enrolment.status == Enrolment.Status.WITHDRAWN or plan.status not in RAN:
        raise RecordError(
            "not_enrolled",
            record=ref,
            field="enrolment",
            zh="学员已退学或班级未获批准",
            en="the trainee withdrew or the class was not approved",
        )
    if result not in Assessment.Result.values:
        raise RecordError("invalid_input", record=ref, field="result", zh=f"未知结果 {result}", en=f"unknown {result}")
    _ensure_not_future(assessed_on, today=today, record=ref, field="assessed_on")
    if assessed_on < plan.end_date:
        raise RecordError(
            "before_class_end",
            record=ref,
            field="assessed_on",
            zh=f"考核日期 {assessed_on} 早于结业日期 {plan.end_date}",
            en=f"assessed on {assessed_on}, before the class ends on {plan.end_date}",
        )
    if Assessment.objects.filter(enrolment=enrolment).exists():
        raise RecordError("already_assessed", record=ref, field="enrolment", zh="已有考核结果", en="already assessed")
    assessment = Assessment.objects.create(enrolment=enrolment, result=result, assessed_on=assessed_on, note=note)
    completed = selectors.completed(enrolment, on=plan.end_date)
    if completed and enrolment.status != Enrolment.Status.COMPLETED:
        enrolment.status = Enrolment.Status.COMPLETED
        enrolment.save(update_fields=["status"])
    audit.record(
        actor=actor,
        action="assessment.record",
        target=enrolment,
        after={"result": result, "assessed_on": assessed_on, "completed": completed},
    )
    return assessment


@transaction.atomic
def certificate_record(
    *,
    person: Person,
    kind: str,
    number: str,
    issue_date: date,
    issuing_body: str,
    actor: Any,
    occupation: Occupation | None = None,
    level: int | None = None,
    enrolment: Enrolment | None = None,
    now: datetime | None = None,
) -> Certificate:
    """A certificate (§3.3.a). Linked to an enrolment, it must be the one the class's catalog item
    leads to — same kind, occupation and level — and follow a passed assessment."""
    today = timezone.localdate(_now(now))
    number = number.strip()
    ref = (f"证书 {number}（{person.name}）", f"certificate {number} of {person.name}")
    if enrolment is not None:
        enrolment = _lock_enrolment(enrolment)
        _ensure_acts_for(actor, enrolment.class_plan.institution, enrolment.class_plan.department, record=ref)
    else:
        _ensure_acts_for(actor, record=ref)
    if not number:
        raise RecordError("required", record=ref, field="number", zh="须填写证书编号", en="a number is required")
    if not issuing_body.strip():
        raise RecordError(
            "required", record=ref, field="issuing_body", zh="须填写发证机构", en="the issuer is required"
        )
    if kind not in CertificateKind.values:
        raise RecordError("invalid_input", record=ref, field="kind", zh=f"未知证书类型 {kind}", en=f"unknown {kind}")
    if (kind in LEVELLED_CERTIFICATES) != (level is not None):
        raise RecordError(
            "level_for_kind",
            record=ref,
            field="level",
            zh="职业资格和技能等级证书须有等级，其他证书不得有等级",
            en="qualification and skill-level certificates carry a level; the others do not",
            clause="§3.3.a",
        )
    _ensure_not_future(issue_date, today=today, record=ref, field="issue_date")
    if Certificate.objects.filter(number=number).exists():
        raise RecordError(
            "certificate_number_taken",
            record=ref,
            field="number",
            zh="证书编号已登记",
            en="this number is already on record",
        )
    if enrolment is not None:
        _ensure_certificate_matches_class(
            enrolment, person=person, kind=kind, occupation=occupation, level=level, issue_date=issue_date, ref=ref
        )
    certificate = Certificate.objects.create(
        person=person,
        enrolment=enrolment,
        kind=kind,
        number=number,
        occupation=occupation,
        level=level,
        issue_date=issue_date,
        issuing_body=issuing_body.strip(),
    )
    audit.record(
        actor=actor,
        action="certificate.record",
        target=certificate,
        after={
            "person": person.pk,
            "enrolment": getattr(enrolment, "pk", None),
            "kind": kind,
            "occupation": getattr(occupation, "pk", None),
            "level": level,
            "issue_date": issue_date,
        },
    )
    return certificate


def _ensure_certificate_matches_class(
    enrolment: Enrolment,
    *,
    person: Person,
    kind: str,
    occupation: Occupation | None,
    level: int | None,
    issue_date: date,
    ref: tuple[str, str],
) -> None:
    plan = enrolment.class_plan
    item = plan.catalog_item
    if enrolment.person_id != person.pk:
        raise RecordError(
            "person_mismatch", record=ref, field="person", zh="证书持有人不是该学员", en="the holder is not the trainee"
        )
    if enrolment.status == Enrolment.Status.WITHDRAWN:
        raise RecordError("not_enrolled", record=ref, field="enrolment", zh="学员已退学", en="the trainee withdrew")
    expected = {
        "kind": (kind, item.certificate_kind, item.get_certificate_kind_display()),
        "occupation": (getattr(occupation, "pk", None), item.occupation_id, str(item.occupation or "—")),
        "level": (level, item.level, item.get_level_display() if item.level else "—"),
    }
    for field, (given, wanted, label) in expected.items():
        if given != wanted:
            raise RecordError(
                f"certificate_{field}_mismatch",
                record=ref,
                field=field,
                zh=f"与开班计划 {plan.code} 的目录项目不符（应为 {label}）",
                en=f"does not match class {plan.code}'s catalog item {item.code} (expected {label})",
                clause="§3.3.a",
            )
    if issue_date < plan.end_date:
        raise RecordError(
            "issued_before_class_end",
            record=ref,
            field="issue_date",
            zh=f"发证日期 {issue_date} 早于结业日期 {plan.end_date}",
            en=f"issued on {issue_date}, before the class ended on {plan.end_date}",
        )
    assessment = Assessment.objects.filter(enrolment=enrolment).first()
    if assessment is None or assessment.result != Assessment.Result.PASS:
        raise RecordError(
            "not_passed",
            record=ref,
            field="enrolment",
            zh="该学员没有考核合格记录",
            en="the trainee has no passed assessment",
            clause="§3.3.a",
        )


# ---- 以工代训 (§3.3.g) ----------------------------------------------------------------------------


@transaction.atomic
def employment_create(
    *,
    employer: Organization,
    person: Person,
    start_date: date,
    actor: Any,
    end_date: date | None = None,
    now: datetime | None = None,
) -> Employment:
    """An employer (enterprise, cooperative, poverty-alleviation workshop) employs a person it
    trains on the job. Who qualifies for the subsidy is the rules engine's to judge."""
    today = timezone.localdate(_now(now))
    ref = (f"{employer} 用工 {person.name}", f"employment of {person.name} at {employer}")
    _ensure_acts_for(actor, employer, record=ref)
    if employer.kind not in Organization.EMPLOYERS:
        raise RecordError(
            "not_an_employer",
            record=ref,
            field="employer",
            zh=f"{employer} 不是企业、合作社或扶贫车间",
            en=f"{employer} is not an enterprise, cooperative or poverty-alleviation workshop",
            clause="§3.3.g",
        )
    _ensure_not_future(start_date, today=today, record=ref, field="start_date")
    if end_date is not None and end_date < start_date:
        raise RecordError("dates_ordered", record=ref, field="end_date", zh="离职早于入职", en="ends before it starts")
    if Employment.objects.filter(employer=employer, person=person, start_date=start_date).exists():
        raise RecordError("employment_exists", record=ref, field="start_date", zh="已登记", en="already on record")
    employment = Employment.objects.create(employer=employer, person=person, start_date=start_date, end_date=end_date)
    audit.record(
        actor=actor,
        action="employment.create",
        target=employment,
        after={"employer": employer.pk, "person": person.pk, "start_date": start_date, "end_date": end_date},
    )
    return employment


@transaction.atomic
def work_training_month_record(
    *,
    employment: Employment,
    month: date,
    hours: Decimal,
    content: str,
    actor: Any,
    now: datetime | None = None,
) -> WorkTrainingMonth:
    """One month of on-the-job training; `month` is the month's first day."""
    today = timezone.localdate(_now(now))
    employment = Employment.objects.select_for_update().select_related("employer", "person").get(pk=employment.pk)
    ref = (f"{employment} 以工代训 {month:%Y-%m}", f"{employment}, training month {month:%Y-%m}")
    _ensure_acts_for(actor, employment.employer, record=ref)
    if month.day != 1:
        raise RecordError(
            "month_not_first_day", record=ref, field="month", zh="须为当月1日", en="use the month's 1st day"
        )
    if month < employment.start_date.replace(day=1):
        raise RecordError(
            "before_employment_start",
            record=ref,
            field="month",
            zh=f"早于入职日期 {employment.start_date}",
            en=f"before the employment started on {employment.start_date}",
            clause="§3.3.g",
        )
    if employment.end_date is not None and month > employment.end_date:
        raise RecordError(
            "after_employment_end",
            record=ref,
            field="month",
            zh=f"晚于离职日期 {employment.end_date}",
            en=f"after the employment ended on {employment.end_date}",
            clause="§3.3.g",
        )
    _ensure_not_future(month, today=today.replace(day=1), record=ref, field="month")
    if hours <= 0:
        raise RecordError("hours", record=ref, field="hours", zh="学时须大于0", en="hours must be positive")
    if not content.strip():
        raise RecordError("required", record=ref, field="content", zh="须填写培训内容", en="describe the training")
    if WorkTrainingMonth.objects.filter(employment=employment, month=month).exists():
        raise RecordError(
            "month_exists", record=ref, field="month", zh="该月已登记", en="this month is already on record"
        )
    row = WorkTrainingMonth.objects.create(
        employment=employment, month=month, hours=hours, content=content.strip(), recorded_by=_user(actor)
    )
    audit.record(
        actor=actor,
        action="work_training_month.record",
        target=employment,
        after={"month": month, "hours": hours},
    )
    return row
