"""Reads of public notices: which are open, which an application is in, what the public may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Prefetch, QuerySet, Sum
from django.utils import timezone

from skillfund.notices.models import Notice, NoticeEntry, Objection, ObjectionGroup
from skillfund.notices.pdf import NoticeDocument
from skillfund.organizations.models import Organization
from skillfund.programme.models import Programme
from skillfund.programme.selectors import is_hr_bureau

RECENTLY_CLOSED_DAYS = 30  # the public list also shows notices closed this many days ago or less


def notice_is_open(notice: Notice, *, today: date | None = None) -> bool:
    """Open from publication to the end of its last working day (`closes_on`)."""
    return (today or timezone.localdate()) <= notice.closes_on


def open_notice_count(*, today: date | None = None) -> int:
    """How many notices are open (see `notice_is_open`): the portal's home page says so."""
    return Notice.objects.filter(closes_on__gte=today or timezone.localdate()).count()


# A notice's units, each marked when a programme file names it as HR bureau.
_DEPARTMENTS = Prefetch(
    "departments",
    queryset=Organization.objects.annotate(
        acts_as_hr_bureau=Exists(Programme.objects.filter(hr_bureau=OuterRef("pk")))
    ),
)


def _acts_as_hr_bureau(unit: Organization) -> bool:
    marked = getattr(unit, "acts_as_hr_bureau", None)  # None: not read through _DEPARTMENTS
    return is_hr_bureau(unit) if marked is None else marked


def public_notices(*, today: date | None = None) -> tuple[list[Notice], list[Notice]]:
    """(open notices, notices closed within the last RECENTLY_CLOSED_DAYS), newest first, with
    their entry counts and totals."""
    today = today or timezone.localdate()
    shown = (
        Notice.objects.filter(closes_on__gte=today - timedelta(days=RECENTLY_CLOSED_DAYS))
        .annotate(entry_count=Count("entries"), total=Sum("entries__amount"))
        .prefetch_related(_DEPARTMENTS)
        .order_by("-published_at", "-id")
    )
    notices = list(shown)
    return [n for n in notices if n.closes_on >= today], [n for n in notices if n.closes_on < today]


def notice_for_public(reference: str) -> Notice | None:
    return Notice.objects.filter(reference=reference).prefetch_related(_DEPARTMENTS).first()


def publishing_units(notice: Notice) -> list[str]:
    """The units that publish jointly, departments first and the HR bureau last (§4.3.d)."""
    units = sorted(notice.departments.all(), key=lambda o: (_acts_as_hr_bureau(o), o.short_name or o.name))
    return [o.short_name or o.name for o in units]


def public_entries(notice: Notice) -> QuerySet[NoticeEntry]:
    """Only the frozen, masked columns: nothing else of the entry (or the registry) is read."""
    return notice.entries.order_by("number").only(
        "id", "number", "masked_name", "masked_id", "training", "amount", "department"
    )


@dataclass(frozen=True)
class NoticeTotals:
    entries: int
    amount: Decimal


def notice_totals(notice: Notice) -> NoticeTotals:
    found = notice.entries.aggregate(n=Count("id"), total=Sum("amount"))
    return NoticeTotals(found["n"] or 0, found["total"] or Decimal("0.00"))


def current_notice(application_id: int) -> Notice | None:
    """The latest notice the application was published in (after an objection it may be published
    again, in a later notice)."""
    entry = (
        NoticeEntry.objects.filter(application_id=application_id)
        .select_related("notice")
        .order_by("-notice__published_at", "-notice_id")
        .first()
    )
    return entry.notice if entry else None


def open_notice_of(application_id: int, *, today: date | None = None) -> Notice | None:
    """The application's notice if it has not closed yet: approval waits for it (§4.3.d)."""
    notice = current_notice(application_id)
    return notice if notice is not None and notice_is_open(notice, today=today) else None


def notice_document(notice: Notice, *, objection_url: str = "") -> NoticeDocument:
    """What the PDF shows: the notice's header and its frozen, masked entries."""
    rows = list(
        public_entries(notice).values_list("number", "masked_name", "masked_id", "training", "amount", "department")
    )
    return NoticeDocument(
        reference=notice.reference,
        title=notice.title,
        units=publishing_units(notice),
        published_on=notice.published_on,
        opens_on=notice.opens_on,
        closes_on=notice.closes_on,
        working_days=notice.working_days,
        contact=notice.contact,
        rows=rows,
        total=sum((r[4] for r in rows), Decimal("0.00")),
        objection_url=objection_url,
    )


def accepts_objections(notice: Notice, *, today: date | None = None) -> bool:
    """Objections are taken during the notice period only: from its first working day (`opens_on`)
    to the end of its last day (`closes_on`), Beijing time, both inclusive."""
    return notice.opens_on <= (today or timezone.localdate()) <= notice.closes_on


def undecided_objections(application_id: int) -> int:
    """How many groups of objections to the application await a decision: approval waits for none."""
    return ObjectionGroup.objects.filter(application_id=application_id, decision__isnull=True).count()


def objection_by_receipt(receipt: str) -> Objection | None:
    """The objection for the public look-up: only what the page shows is read (the masked line,
    the notice, the decision's public reasons), never the objection's text or contact."""
    receipt = receipt.strip().upper()
    if not receipt:
        return None
    return (
        Objection.objects.filter(receipt=receipt)
        .select_related("notice", "entry", "group__decision")
        .only(
            "receipt",
            "filed_at",
            "notice__reference",
            "notice__title",
            "entry__number",
            "entry__masked_name",
            "entry__training",
            "group__id",
            "group__decision__upheld",
            "group__decision__reason",
            "group__decision__decided_at",
        )
        .first()
    )


def objection_outcome(objection: Objection) -> str:
    """ "undecided", "upheld" or "dismissed" (an objection from before decisions existed: "reopened")."""
    if objection.group_id is None:
        return "reopened"
    decision = getattr(objection.group, "decision", None)
    if decision is None:
        return "undecided"
    return "upheld" if decision.upheld else "dismissed"


OUTCOME_LABELS = {
    "undecided": ("待处理", "awaiting a decision"),
    "upheld": ("异议成立，退回部门重新审核", "upheld: sent back to the department"),
    "dismissed": ("异议不成立", "dismissed"),
    "reopened": ("已退回部门重新审核", "sent back to the department"),
}


def objection_outcome_label(objection: Objection) -> str:
    zh, en = OUTCOME_LABELS[objection_outcome(objection)]
    return f"{zh} / {en}"
