"""What the training actions share: the refusal naming one field of one record, how a plan and
an enrolment are named in it, the clock and the acting user, the checks of who may act and of
dates, and the row locks of a class plan and of an enrolment."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.utils import timezone

from skillfund.accounts.models import ORGANIZATION_SCOPED, Role
from skillfund.accounts.scoping import role_of
from skillfund.core.errors import DomainError
from skillfund.organizations.models import Organization
from skillfund.training.models import ClassPlan, Enrolment


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


def _ensure_item_approved_for_institution(plan: ClassPlan) -> None:
    """目录清单管理 (§4.4.c): a catalog item is delivered only by the institutions approved for it."""
    item = plan.catalog_item
    if not item.approved_institutions.filter(pk=plan.institution_id).exists():
        raise RecordError(
            "institution_not_approved_for_item",
            record=_plan_ref(plan),
            field="catalog_item",
            zh=f"培训机构 {plan.institution} 未获准承担目录项目 {item.code}（{item.title}）",
            en=f"institution {plan.institution} is not approved for catalog item {item.code} ({item.title})",
            clause="§4.4.c",
        )


def _lock_plan(plan: ClassPlan) -> ClassPlan:
    return ClassPlan.objects.select_for_update().select_related("institution", "catalog_item").get(pk=plan.pk)


def _lock_enrolment(enrolment: Enrolment) -> Enrolment:
    return (
        Enrolment.objects.select_for_update()
        .select_related("class_plan__institution", "class_plan__catalog_item", "person")
        .get(pk=enrolment.pk)
    )
