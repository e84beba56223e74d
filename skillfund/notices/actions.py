"""Actions of the public notice (公示, §4.3.d): publish checked applications, file an objection,
decide an objection. Each runs in one transaction and leaves an audit record."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from skillfund.accounts.models import Role
from skillfund.claims.decisions import decide_ids, store_decisions
from skillfund.claims.models import Application, Claim, Decision
from skillfund.claims.review import application_reopen, applications_published
from skillfund.claims.workflow import Path, Status
from skillfund.core import audit
from skillfund.core.errors import DomainError
from skillfund.notices import limits
from skillfund.notices.masking import mask_name
from skillfund.notices.models import Notice, NoticeEntry, Objection, ObjectionDecision, ObjectionGroup
from skillfund.notices.selectors import accepts_objections, current_notice
from skillfund.notices.workdays import notice_period
from skillfund.organizations.models import Organization
from skillfund.policy.parameters import ParameterNotInForce, default_parameters
from skillfund.programme.selectors import programme_for

OBJECTION_MAX_CHARS = 2000
CONTACT_MAX_CHARS = 100


class NoticeRefused(DomainError):
    def __init__(self, code: str, zh: str, en: str) -> None:
        super().__init__(code, zh, en, clause="§4.3.d")


def _hr_bureau_of(department: Organization | None, year: int) -> int | None:
    """The unit the department's programme file names as HR bureau: it co-publishes the notice."""
    programme = department and programme_for(region=department.region, year=year)
    return programme.hr_bureau_id if programme else None


@transaction.atomic
def notice_publish(
    *, applications: Iterable[Application], actor: Any, title: str, contact: str, on: date | None = None
) -> Notice:
    """Publish checked applications in one notice, jointly by their departments and the HR bureau.

    Every application must be on the full path and checked by the HR bureau. Each claim line the
    engine finds eligible becomes an entry with a masked, frozen snapshot; each application takes
    the review chain's "publish" step. The period is the parameter `notice_working_days` in force on
    the publication date, counted on the working-day calendar from the next working day.
    """
    if getattr(actor, "role", None) != Role.HR_STAFF:
        raise NoticeRefused("role_not_allowed", "只有人社部门可以发布公示", "only the HR bureau publishes notices")
    title, contact = title.strip(), contact.strip()
    if not title:
        raise NoticeRefused("notice_title_required", "公示须有标题", "a notice needs a title")
    if not contact:
        raise NoticeRefused(
            "notice_contact_required", "公示须写明异议受理方式（电话、地址）", "say how to object (telephone, address)"
        )
    ids = sorted({a.pk for a in applications})
    if not ids:
        raise NoticeRefused("notice_empty", "没有要公示的申请", "there is no application to publish")
    on = on or timezone.localdate()

    locked = list(Application.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    not_ready = [a.reference for a in locked if a.path != Path.FULL or a.status != Status.CHECKED]
    if not_ready:
        raise NoticeRefused(
            "not_checked",
            f"申请{'、'.join(not_ready[:5])}尚未经人社部门复核，不能公示",
            f"not checked by the HR bureau on the full path, so not published: {', '.join(not_ready[:5])}",
        )
    try:
        days = default_parameters()["notice_working_days"].at(on)
    except ParameterNotInForce:
        raise NoticeRefused(
            "notice_period_not_in_force", f"{on}没有有效的公示期参数", f"no notice period is in force on {on}"
        ) from None
    # A year missing from the calendar is counted Monday–Friday: said on the notice, not refused.
    opens_on, closes_on, fallback_years = notice_period(on, int(days.value))

    claims = list(
        Claim.objects.filter(application_id__in=ids)
        .select_related("person", "catalog_item", "application__department")
        .order_by("application_id", "pk")
    )
    decisions, decided_now = _latest_decisions(claims)
    entries, published = [], set()
    for claim in claims:
        decision = decisions[claim.pk]
        if not decision.eligible:  # refused lines are not announced: approval will refuse them too
            continue
        department = claim.application.department
        published.add(claim.application_id)
        entries.append(
            NoticeEntry(
                number=len(entries) + 1,
                application_id=claim.application_id,
                claim=claim,
                masked_name=mask_name(claim.person.name),
                masked_id=claim.person.id_masked,  # masked at registration: first 6, last 4
                training=(claim.catalog_item.title if claim.catalog_item else claim.subject)[:120],
                amount=decision.subsidy + decision.living_allowance,
                department=department.short_name or department.name,
            )
        )
    empty = [a.reference for a in locked if a.pk not in published]
    if empty:
        raise NoticeRefused(
            "nothing_eligible",
            f"申请{'、'.join(empty[:5])}没有符合条件的补贴明细，不能公示",
            f"no eligible claim line to publish in {', '.join(empty[:5])}",
        )

    notice = Notice.objects.create(
        reference=f"GS-{on:%Y%m%d}-{uuid.uuid4().hex[:6].upper()}",
        title=title,
        published_by=actor,
        published_at=timezone.now(),
        published_on=on,
        opens_on=opens_on,
        closes_on=closes_on,
        working_days=int(days.value),
        contact=contact,
        calendar_fallback_years=fallback_years,
    )
    units = {a.department_id for a in locked}
    hr_bureau = actor.organization_id or _hr_bureau_of(locked[0].department, on.year)
    notice.departments.set(units | ({hr_bureau} if hr_bureau else set()))
    for entry in entries:
        entry.notice = notice
    NoticeEntry.objects.bulk_create(entries, batch_size=2000)
    applications_published(applications=locked, actor=actor, notice=notice)
    audit.record(
        actor=actor,
        action="notice.publish",
        target=notice,
        after={
            "applications": len(locked),
            "entries": len(entries),
            "amount": sum((e.amount for e in entries), Decimal("0.00")),
            "opens_on": opens_on,
            "closes_on": closes_on,
            "working_days": int(days.value),
            "period_clause": days.clause,
            "calendar_fallback_years": fallback_years,
            "claims_decided_now": decided_now,
        },
    )
    return notice


def _latest_decisions(claims: list[Claim]) -> tuple[dict[int, Decision], int]:
    """Each claim's latest decision (not a preview). A claim never decided is decided now, on the
    facts in the database, and the decision stored, so every published amount has a decision."""
    ids = [c.pk for c in claims]
    purposes = (Decision.Purpose.DECISION, Decision.Purpose.GRANT)

    def latest() -> dict[int, Decision]:
        found: dict[int, Decision] = {}
        rows = Decision.objects.filter(claim_id__in=ids, purpose__in=purposes).order_by("claim_id", "decided_at", "id")
        for decision in rows.only("claim_id", "eligible", "subsidy", "living_allowance"):
            found[decision.claim_id] = decision  # the last one wins
        return found

    found = latest()
    missing = [pk for pk in ids if pk not in found]
    if missing:
        store_decisions(decide_ids(missing), purpose=Decision.Purpose.DECISION)
        Claim.objects.filter(pk__in=missing, status=Claim.Status.SUBMITTED).update(status=Claim.Status.DECIDED)
        found = latest()
    return found, len(missing)


RECEIPT_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read over the telephone


def _receipt(now: datetime) -> str:
    """YY-XXXX-XXXX-XXXX: the year, then 60 random bits (unguessable, so a receipt is its own key)."""
    body = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(12))
    return f"{timezone.localtime(now):%y}-{body[:4]}-{body[4:8]}-{body[8:]}"


@transaction.atomic
def objection_file(
    *,
    notice: Notice,
    application: Application | None = None,
    entry: NoticeEntry | None = None,
    text: str,
    contact: str = "",
    source: str,
    now: datetime | None = None,
) -> Objection:
    """Anyone may object to a line of a notice during its period; the objection gets a receipt
    number and joins its group (the same source, by `limits.source_of`, or the same text, on the
    same line), which holds the application's approval until people decide it (`objection_decide`).
    It moves no application by itself.

    Refused, with nothing written: before the period (`notice_not_open`) or after it
    (`notice_closed`), for an application or entry not in this notice (`not_in_notice`), without a
    text (`objection_text_required`), over the rate limits (`too_many_objections`).
    """
    now = now or timezone.now()
    notice = Notice.objects.get(pk=notice.pk)
    today = timezone.localdate(now)
    if today < notice.opens_on:
        raise NoticeRefused(
            "notice_not_open",
            f"公示期自{notice.opens_on:%Y年%m月%d日}开始，届时方可提出异议",
            f"the notice period starts on {notice.opens_on}; objections are accepted from then",
        )
    if not accepts_objections(notice, today=today):
        raise NoticeRefused(
            "notice_closed",
            f"公示期已于{notice.closes_on:%Y年%m月%d日}结束，不再受理异议",
            f"the notice closed on {notice.closes_on}; objections are no longer accepted",
        )
    entries = notice.entries.all()
    if entry is not None:
        entries = entries.filter(pk=entry.pk)
    if application is not None:
        entries = entries.filter(application_id=application.pk)
    found = entries.order_by("number").first() if (entry or application) else None
    if found is None:
        raise NoticeRefused("not_in_notice", "该申请不在本次公示中", "this application is not in this notice")
    text, contact = text.strip(), contact.strip()
    if not text:
        raise NoticeRefused("objection_text_required", "请写明异议内容", "write what the objection is")
    if len(text) > OBJECTION_MAX_CHARS or len(contact) > CONTACT_MAX_CHARS:
        raise NoticeRefused(
            "objection_too_long",
            f"异议内容不超过{OBJECTION_MAX_CHARS}字，联系方式不超过{CONTACT_MAX_CHARS}字",
            f"at most {OBJECTION_MAX_CHARS} characters of objection and {CONTACT_MAX_CHARS} of contact",
        )
    if not limits.objection_allowed(source=source, notice_id=notice.pk):
        raise NoticeRefused(
            "too_many_objections",
            "提交过于频繁，请稍后再试，或按公示所列方式联系受理单位",
            "too many objections from here; try again later, or contact the office named in the notice",
        )
    # The application's row lock serialises grouping: two repeats at once join one group.
    target = Application.objects.select_for_update().get(pk=found.application_id)
    key = limits.text_key(text)
    group = (
        ObjectionGroup.objects.filter(entry=found)
        .filter(Q(source_hash=source) | Q(text_key=key))
        .order_by("pk")
        .first()
    )
    if group is None:
        group = ObjectionGroup.objects.create(
            notice=notice, entry=found, application=target, source_hash=source, text_key=key, created_at=now
        )
    objection = Objection.objects.create(
        notice=notice,
        entry=found,
        application=target,
        receipt=_receipt(now),
        group=group,
        source_hash=source,
        text=text,
        contact=contact,
        filed_at=now,
    )
    audit.record(
        actor=None,
        action="notice.object",
        target=objection,
        after={"notice": notice.reference, "entry": found.number, "group": group.pk, "receipt": objection.receipt},
    )
    return objection


@transaction.atomic
def objection_decide(
    *,
    objection: Objection,
    actor: Any,
    upheld: bool,
    reason: str,
    department_opinion: str,
    now: datetime | None = None,
) -> ObjectionDecision:
    """The HR bureau, with the responsible department, decides an objection — and with it every
    objection of its group (§4.3.d: the two publish jointly). Upheld, the application goes back to
    the department to verify again (the review chain's "reopen" step, if it is still in this
    notice); dismissed, the review goes on. The reasons are public under the receipt number; the
    department's opinion is recorded for the back office.

    Refused, with nothing written: for anyone but HR staff (`role_not_allowed`), without reasons
    (`reason_required`) or the department's opinion (`department_opinion_required`), for a group
    already decided (`objection_decided`).
    """
    if getattr(actor, "role", None) != Role.HR_STAFF:
        raise NoticeRefused(
            "role_not_allowed",
            "异议由人社部门会同责任部门处理，由人社部门记录处理决定",
            "the HR bureau records the decision on an objection, with the department",
        )
    reason, department_opinion = reason.strip(), department_opinion.strip()
    if not reason:
        raise NoticeRefused("reason_required", "处理决定须说明理由", "say why (the objector reads it)")
    if not department_opinion:
        raise NoticeRefused(
            "department_opinion_required", "须记录责任部门的意见", "record the responsible department's opinion"
        )
    objection = Objection.objects.get(pk=objection.pk)
    if objection.group_id is None:
        raise NoticeRefused(
            "objection_decided", "该异议已按原程序退回部门重新审核", "this objection already sent the application back"
        )
    group = ObjectionGroup.objects.select_for_update().get(pk=objection.group_id)
    if ObjectionDecision.objects.filter(group=group).exists():
        raise NoticeRefused("objection_decided", "该异议已作出处理决定", "this objection has been decided")
    application = Application.objects.select_for_update().get(pk=group.application_id)
    current = current_notice(application.pk)
    reopens = (
        upheld and application.status == Status.IN_NOTICE and current is not None and current.pk == group.notice_id
    )
    if reopens:
        application_reopen(application=application, actor=actor, reason=f"{objection.receipt}：{reason}")
    decision = ObjectionDecision.objects.create(
        group=group,
        upheld=upheld,
        reason=reason,
        department_opinion=department_opinion,
        decided_by=actor,
        decided_at=now or timezone.now(),
        reopened=reopens,
    )
    audit.record(
        actor=actor,
        action="objection.decide",
        target=decision,
        after={"group": group.pk, "upheld": upheld, "reopened": reopens, "objections": group.objections.count()},
        reason=reason,
    )
    return decision
