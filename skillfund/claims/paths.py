"""Which review path an application takes (§4.3.e), decided by the rules and never by the submitter.

§4.3.d sets the chain (department verifies → HR checks → public notice → approval → finance pays);
§4.3.e lets "individual claims by special groups, and entrepreneurship-training claims, keep their
existing procedure" — the short path without department verification or notice. So:

- project-based, enterprise-run and 以工代训 applications (a unit's claim for a class or for
  employment months) always take the full chain;
- an individual application (individual subsidy, living allowance, skill-upgrading subsidy) takes
  the short path when it is for entrepreneurship training, or when every claimant belongs to a
  special group on the training's end date (the date the engine judges statuses on);
- everything else takes the full chain.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from skillfund.catalog.models import CatalogItem, TrainingType
from skillfund.claims.workflow import Path
from skillfund.registry.models import PersonStatus, StatusKind

INDIVIDUAL_KINDS = frozenset({"individual", "living_allowance", "skill_upgrading"})
# The groups of §3.3.d (free training), §3.3.f (living allowance) and §3.3.i (project-based
# training): poor labourers and their children, 两后生, transfer workers, the unemployed and
# transferred, capacity-cut workers, veterans, disabled persons, the hard-to-employ, zero-employment
# and urban 低保 families. Graduates and employees (§3.3.e, §3.1.2) are paid "per the rules".
SPECIAL_GROUPS = frozenset(
    {
        StatusKind.POOR_LABOURER,
        StatusKind.POOR_FAMILY_CHILD,
        StatusKind.SCHOOL_LEAVER,
        StatusKind.RURAL_TRANSFER,
        StatusKind.UNEMPLOYED,
        StatusKind.TRANSFERRED_WORKER,
        StatusKind.CAPACITY_CUT,
        StatusKind.VETERAN,
        StatusKind.DISABLED,
        StatusKind.HARD_TO_EMPLOY,
        StatusKind.ZERO_EMPLOYMENT_FAMILY,
        StatusKind.URBAN_DIBAO_FAMILY,
    }
)


def review_path(*, kind: str, claimant_statuses: Iterable[set[str]], training_types: set[str]) -> str:
    """§4.3.e: the short path for individual claims of special groups or of entrepreneurship
    training; the full chain (§4.3.d) for everything else. `claimant_statuses` holds one set of
    statuses per claimant, as held on the training date."""
    if kind not in INDIVIDUAL_KINDS:
        return Path.FULL
    if training_types == {TrainingType.ENTREPRENEURSHIP}:
        return Path.SHORT
    statuses = list(claimant_statuses)
    if statuses and all(held & SPECIAL_GROUPS for held in statuses):
        return Path.SHORT
    return Path.FULL


def path_of(*, kind: str, claims: list) -> str:
    """The path for an application of `kind` gathering `claims`: each claimant's statuses on the
    claim's end date and the claims' kinds of training, read in two queries."""
    if kind not in INDIVIDUAL_KINDS or not claims:
        return Path.FULL
    statuses = PersonStatus.objects.filter(person_id__in={c.person_id for c in claims})
    periods: dict[int, list[tuple[str, date, date | None]]] = {}
    for person_id, status, valid_from, valid_to in statuses.values_list("person_id", "kind", "valid_from", "valid_to"):
        periods.setdefault(person_id, []).append((status, valid_from, valid_to))
    held = [
        {
            s
            for s, start, end in periods.get(c.person_id, ())
            if start <= c.end_date and (end is None or end >= c.end_date)
        }
        for c in claims
    ]
    types = dict(
        CatalogItem.objects.filter(pk__in={c.catalog_item_id for c in claims}).values_list("pk", "training_type")
    )
    return review_path(
        kind=kind, claimant_statuses=held, training_types={types.get(c.catalog_item_id, "") for c in claims}
    )
