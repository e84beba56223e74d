"""What a worker's electronic training voucher (培训券) shows of their own claims: each claim with
the review status of its application and its latest decision, and the payments made to them
(living allowances, §3.3.f, and individual subsidies paid to the person). Reads only the
person's own records: the caller passes the worker's bound person, never an id from a request.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from skillfund.claims.models import Claim, Decision
from skillfund.claims.selectors import DECIDED
from skillfund.funds.models import PaymentLine
from skillfund.registry.models import Person


def person_claims(person: Person) -> QuerySet[Claim]:
    return (
        Claim.objects.filter(person=person)
        .select_related("application", "catalog_item__occupation", "enrolment__class_plan__institution")
        .order_by("-end_date", "-id")
    )


def latest_decisions(claims: list[Claim]) -> dict[int, Decision]:
    """The latest decision (previews left out) of each claim, in one query."""
    by_id = {c.pk: c for c in claims}
    latest: dict[int, Decision] = {}
    for decision in Decision.objects.filter(claim_id__in=list(by_id), purpose__in=DECIDED).order_by(
        "claim_id", "decided_at", "id"
    ):
        decision.claim = by_id[decision.claim_id]  # decision_lines reads the claim: no query per line
        latest[decision.claim_id] = decision
    return latest


def person_payments(person: Person) -> QuerySet[PaymentLine]:
    """Payment lines whose payee is the person (not cancelled), newest first."""
    return (
        PaymentLine.objects.filter(person=person, cancelled_at__isnull=True)
        .select_related("application", "batch")
        .order_by("-paid_at", "-id")
    )


def claim_payment(claim: Claim) -> PaymentLine | None:
    """The live payment line of the claim's application, whoever the payee (the person, or the
    institution or enterprise that trained them)."""
    if claim.application_id is None:
        return None
    return (
        PaymentLine.objects.filter(application_id=claim.application_id, cancelled_at__isnull=True)
        .order_by("-id")
        .first()
    )


def own_claim(person: Person, pk: Any) -> Claim | None:
    """The person's claim with this id, or None (another person's claim is not found, never shown)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    if not 0 < pk < 2**63:  # beyond any id (and beyond what the database takes as a number)
        return None
    return person_claims(person).filter(pk=pk).first()
