"""Reads of the review chain (§4.3.d): which steps a user may take on an application now, what is
waiting for a user ("my work"), what an application asks for, and what its claim lines decided.

Everything here is derived from the one transition table in claims/workflow.py and the guard the
actions themselves run (claims/review.py), so a button shows exactly when the step would pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from skillfund.accounts.scoping import role_of
from skillfund.claims.models import Application, ApplicationEvent, Claim, Decision, Grant, QuotaTally
from skillfund.claims.review import StepRefused, ensure_step_allowed
from skillfund.claims.workflow import STEPS, Step
from skillfund.funds.models import PaymentLine
from skillfund.notices.models import NoticeEntry, ObjectionGroup

# Steps that move an application forward; returning and rejecting are always side exits.
SIDE_STEPS = frozenset({"return", "reject"})
# The internal steps a page offers, each routed to the action that owns it: "publish" to the notice
# form (notices.actions.notice_publish), "pay" to a payment batch of one (funds/payments.py) —
# never a bare status change. "reopen" belongs to the objection's decision page.
OFFERED_INTERNAL = frozenset({"publish", "pay"})
DECIDED = (Decision.Purpose.DECISION, Decision.Purpose.GRANT)
MONEY = DecimalField(max_digits=14, decimal_places=2)


def steps_available(application: Application, user: Any) -> list[Step]:
    """The steps of the table `user` may take on `application` now, in table order.

    Each is checked by the same guard `application_step` runs (status and path, role, responsible
    department or applicant, segregation of duties), leaving out only the reason, which the step
    page asks for. Of the internal steps only "pay" is offered, and it pays through a batch.
    """
    if role_of(user) is None:
        return []
    return [s for s in STEPS.values() if _offered(s) and step_refusal(application, s.name, user) is None]


def _offered(step: Step) -> bool:
    return not step.internal or step.name in OFFERED_INTERNAL


def step_refusal(application: Application, step: str, user: Any) -> StepRefused | None:
    """Why the review chain's guard would refuse `user` the step now (reason aside), or None; for
    "publish" and "pay", as the notice and the payment would ask it."""
    try:
        ensure_step_allowed(
            application, step, user, reason="(asked on the step page)", internal=step in OFFERED_INTERNAL
        )
    except StepRefused as refused:
        return refused
    return None


def my_work(user: Any, *, today: Any = None) -> Q:
    """A filter for the applications waiting for `user`'s role: those in a status from which the
    table lets the role take a forward step (department: submitted for verification; HR: verified,
    checked, past its notice; finance: approved; an applicant: its drafts and returned ones).

    An approval waits for the notice to close and its objections to be decided, so applications
    still in an open notice or with an undecided objection are left out.
    Scope (which department, which applicant) is the caller's queryset's business.
    """
    found = Q(pk__in=[])
    for step in work_steps(user):
        found |= waiting_for(user, step, today=today)
    return found


def work_steps(user: Any) -> list[str]:
    """The forward steps of the table `user`'s role takes (in table order): one work queue each."""
    role = role_of(user)
    if role is None:
        return []
    return [s.name for s in STEPS.values() if _offered(s) and s.name not in SIDE_STEPS and role in s.roles]


def waiting_for(user: Any, step: str, *, today: Any = None) -> Q:
    """A filter for the applications waiting for `user` to take `step` (one queue of `my_work`):
    in a status the step starts from, past the notice for an approval, and not barred to this
    user by segregation of duties."""
    spec = STEPS.get(step)
    if spec is None or step not in work_steps(user):
        return Q(pk__in=[])
    today = today or timezone.localdate()
    found = Q(pk__in=[])
    for path, sources in spec.sources.items():
        condition = Q(path=path, status__in=sources)
        if step == "submit":
            # Everyone may submit; what waits for a user is what they (or their organization) started.
            mine = Q(created_by=user)
            if getattr(user, "organization_id", None):
                mine |= Q(applicant_id=user.organization_id)
            condition &= mine
        if step == "approve":
            condition &= ~Exists(
                NoticeEntry.objects.filter(application=OuterRef("pk"), notice__closes_on__gte=today)
            ) & ~Exists(ObjectionGroup.objects.filter(application=OuterRef("pk"), decision__isnull=True))
        found |= condition
    if spec.not_after and getattr(user, "pk", None):
        # Segregation of duties: what the user may not take after an earlier step of theirs is
        # not waiting for them (the approver, not the checker who published, sees an approval).
        found &= ~Exists(
            ApplicationEvent.objects.filter(application=OuterRef("pk"), actor=user, step__in=spec.not_after)
        )
    return found


def with_waiting_since(queryset: QuerySet[Application]) -> QuerySet[Application]:
    """Annotate `waiting_since`: when the application came into its status (its latest step's
    time; its creation if no step was taken yet) — how long it has waited in a queue."""
    # status_since is the latest step's time, stored by each step (review._move): a column sorts
    # and filters through an index where a subquery per row did not.
    return queryset.annotate(waiting_since=Coalesce(F("status_since"), F("created_at")))


def with_amounts(queryset: QuerySet[Application]) -> QuerySet[Application]:
    """Annotate `amount`: the subsidy and living allowance of each claim line's latest decision
    (previews left out), summed over the application — what it asks for now."""
    latest = Decision.objects.filter(claim_id=OuterRef("claim_id"), purpose__in=DECIDED).order_by("-decided_at", "-id")
    per_application = (
        Decision.objects.filter(claim__application_id=OuterRef("pk"), purpose__in=DECIDED)
        .filter(pk=Subquery(latest.values("pk")[:1]))
        .order_by()
        .values("claim__application_id")
        .annotate(total=Sum(F("subsidy") + F("living_allowance"), output_field=MONEY))
        .values("total")
    )
    return queryset.annotate(amount=Coalesce(Subquery(per_application, output_field=MONEY), Value(Decimal("0.00"))))


def set_amounts(applications: list[Application]) -> list[Application]:
    """Set `amount` (as `with_amounts` annotates it) on a page of applications, in one query. For a
    paginated list: annotated on the list's query, the subquery ran for every row the page's OFFSET
    skips too (page 1,500 of 50,000 applications took 30 s)."""
    found = with_amounts(Application.objects.filter(pk__in=[a.pk for a in applications]))
    amounts = dict(found.order_by().values_list("pk", "amount"))
    for application in applications:
        application.amount = amounts.get(application.pk, Decimal("0.00"))
    return applications


@dataclass(frozen=True)
class ClaimLine:
    claim: Claim
    decision: Decision | None


def claim_lines(application: Application) -> list[ClaimLine]:
    """Each claim of the application with its latest decision (None if never decided)."""
    claims = list(
        application.claims.select_related("person", "catalog_item", "enrolment__class_plan", "employment").order_by(
            "pk"
        )
    )
    latest: dict[int, Decision] = {}
    decisions = Decision.objects.filter(claim_id__in=[c.pk for c in claims], purpose__in=DECIDED).order_by(
        "claim_id", "decided_at", "id"
    )
    by_id = {c.pk: c for c in claims}
    for decision in decisions:
        decision.claim = by_id[decision.claim_id]  # decision_lines reads the claim: no query per line
        latest[decision.claim_id] = decision
    return [ClaimLine(c, latest.get(c.pk)) for c in claims]


def live_payment_line(application: Application) -> PaymentLine | None:
    """An unpaid, uncancelled payment line of the application (left by a refused payment)."""
    return (
        PaymentLine.objects.filter(application=application, cancelled_at__isnull=True, transaction__isnull=True)
        .select_related("batch")
        .first()
    )


# ---- a person's history beside a claim under review (§3.3.b) ------------------------------------

HISTORY_SHOWN = 20  # grants and earlier claims listed per person: the newest; the counts say the rest


@dataclass(frozen=True)
class Quota:
    """Subsidies counted against §3.3.b's yearly cap for one person and year; `cap` None when no
    cap is in force in that year."""

    year: int
    used: int
    cap: int | None

    @property
    def left(self) -> int | None:
        return None if self.cap is None else max(self.cap - self.used, 0)


@dataclass(frozen=True)
class PersonHistory:
    grants: list[Grant]
    grant_count: int
    claims: list[Claim]
    claim_count: int
    quota: Quota


def yearly_cap(year: int) -> int | None:
    """The §3.3.b cap in force at the end of `year` (None if none is)."""
    from skillfund.policy.parameters import ParameterNotInForce, default_parameters

    try:
        return int(default_parameters()["annual_cap"].at(date(year, 12, 31)).value)
    except ParameterNotInForce:
        return None


def person_histories(
    user: Any, person_ids: list[int], *, year: int, exclude_application: int | None = None
) -> dict[int, PersonHistory]:
    """For each person: the grants (decided here or recorded from before) and the earlier claims
    `user` may see, newest first, and the yearly tally of `year`. The tally is a count across
    departments — the number the annual_cap check itself states to whoever reads a decision — so
    it is shown to every reviewer, while the grants and claims behind it follow the user's scope.
    A constant number of queries for any number of persons."""
    from skillfund.accounts.scoping import claims_visible_to, grants_visible_to

    ids = sorted(set(person_ids))
    grants: dict[int, list[Grant]] = {pk: [] for pk in ids}
    for grant in grants_visible_to(user).filter(person_id__in=ids).order_by("person_id", "-end_date", "-id"):
        grants[grant.person_id].append(grant)
    earlier = claims_visible_to(user).filter(person_id__in=ids).select_related("application", "catalog_item")
    if exclude_application is not None:
        earlier = earlier.exclude(application_id=exclude_application)
    claims: dict[int, list[Claim]] = {pk: [] for pk in ids}
    for claim in earlier.order_by("person_id", "-end_date", "-id"):
        claims[claim.person_id].append(claim)
    tallies = {
        pk: (used, cap)
        for pk, used, cap in QuotaTally.objects.filter(person_id__in=ids, year=year).values_list(
            "person_id", "used", "cap"
        )
    }
    cap_in_force = yearly_cap(year)
    return {
        pk: PersonHistory(
            grants=grants[pk][:HISTORY_SHOWN],
            grant_count=len(grants[pk]),
            claims=claims[pk][:HISTORY_SHOWN],
            claim_count=len(claims[pk]),
            quota=Quota(year, *tallies.get(pk, (0, cap_in_force))),
        )
        for pk in ids
    }
