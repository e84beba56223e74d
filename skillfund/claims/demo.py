"""Demo claims: every demo trainee who finished a class claims its subsidy, and the claims are
decided and granted together, so the back office shows decisions that explain themselves."""

from __future__ import annotations

from django.db import transaction

from skillfund.claims.actions import claim_from_enrolment, claims_grant
from skillfund.training.demo import CLASSES
from skillfund.training.models import Enrolment


@transaction.atomic
def load_claims_demo() -> int:
    enrolments = Enrolment.objects.filter(claims=None, class_plan__code__in=[c.code for c in CLASSES]).select_related(
        "class_plan__catalog_item", "person"
    )
    claims = [claim_from_enrolment(enrolment=e, actor=None) for e in enrolments.order_by("pk")]
    if claims:
        claims_grant(claims=claims, actor=None)
    return len(claims)
