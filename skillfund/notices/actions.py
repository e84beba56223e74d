"""Actions of the public notice (公示, §4.3.d): publish checked applications, file an objection.
Each runs in one transaction and leaves an audit record."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from skillfund.accounts.models import Role
from skillfund.claims.decisions import decide_ids, store_decisions
from skillfund.claims.models import Application, Claim, Decision
from skillfund.claims.review import application_step
from skillfund.claims.workflow import Path, Status
from skillfund.core import audit
from skillfund.core.errors import DomainError
from skillfund.notices.masking import mask_name
from skillfund.notices.models import Notice, NoticeEntry, Objection
from skillfund.notices.selectors import current_notice, notice_is_open
from skillfund.notices.workdays import add_working_days
from skillfund.organizations.models import Organization
from skillfund.policy.parameters import ParameterNotInForce, default_parameters

HR_BUREAU_UNIT = "hrss"  # the HR bureau's unit code in the programme file: it co-publishes every notice
OBJECTION_MAX_CHARS = 2000
CONTACT_MAX_CHARS = 100


class NoticeRefused(DomainError):
    def __init__(self, code: str, zh: str, en: str) -> None:
        super().__init__(code, zh, en, clause="§4.3.d")


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
    opens_on, closes_on = add_working_days(on, 1), add_working_days(on, int(days.value))

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
    )
    units = {a.department_id for a in locked}
    hr_bureau = (
        actor.organization_id
        or Organization.objects.filter(unit_code=HR_BUREAU_UNIT).values_list("pk", flat=True).first()
    )
    notice.departments.set(units | ({hr_bureau} if hr_bureau else set()))
    for entry in entries:
        entry.notice = notice
    NoticeEntry.objects.bulk_create(entries, batch_size=2000)
    for application in locked:
        application_step(application=application, step="publish", actor=actor, reason=notice.reference)
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


@transaction.atomic
def objection_file(
    *,
    notice: Notice,
    application: Application | None = None,
    entry: NoticeEntry | None = None,
    text: str,
    contact: str = "",
    now: datetime | None = None,
) -> Objection:
    """Anyone may object to a line of an open notice; the objection reopens the application for its
    department to verify again (the review chain's public "object" step).

    Refused, with nothing written: after the notice closed (`notice_closed`), for an application or
    entry not in this notice (`not_in_notice`), without a text (`objection_text_required`).
    """
    now = now or timezone.now()
    notice = Notice.objects.get(pk=notice.pk)
    if not notice_is_open(notice, today=timezone.localdate(now)):
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
    target = Application.objects.select_for_update().get(pk=found.application_id)
    current = current_notice(target.pk)
    # A second objection to an application already sent back is recorded, but there is nothing left
    # to reopen; nor may an old notice's objection move an application published again later.
    reopens = target.status == Status.IN_NOTICE and current is not None and current.pk == notice.pk
    if reopens:
        application_step(application=target, step="object", actor=None, reason=text)
    objection = Objection.objects.create(
        notice=notice,
        entry=found,
        application=target,
        text=text,
        contact=contact,
        filed_at=now,
        reopened=reopens,
    )
    audit.record(
        actor=None,
        action="notice.object",
        target=objection,
        after={"notice": notice.reference, "entry": found.number, "reopened": reopens},
    )
    return objection
