"""What the rules would decide for a trainee joining a class (§3.3), shown at enrolment so nobody
trains expecting a subsidy they cannot get. Same engine as every decision; nothing is stored
here — training.actions.enrolment.enrolment_create stores the result on the enrolment."""

from __future__ import annotations

from typing import Any

import polars as pl

from skillfund.claims.models import Grant
from skillfund.claims.names import item_names, names, occupation_names
from skillfund.policy import engine
from skillfund.policy.explain import Names, explain, yuan
from skillfund.policy.facts import CLAIM_SCHEMA, HISTORY_SCHEMA, STATUS_SCHEMA
from skillfund.policy.parameters import default_parameters
from skillfund.registry.models import PersonStatus


def enrolment_preview(enrolment: Any) -> dict[str, Any]:
    """The decision the class would get if the trainee completes it and obtains its certificate."""
    return class_previews(enrolment.person, [enrolment.class_plan])[0]


def class_previews(person: Any, plans: list[Any]) -> list[dict[str, Any]]:
    """What the rules would decide for `person` in each of `plans` (in order), decided together
    in one frame: two queries (the person's statuses and grants) whatever the number of classes.
    The plans need their catalog item (and its occupation) loaded, e.g. by select_related."""
    if not plans:
        return []
    # Each class is decided as if it were the only one: in one frame the engine would count the
    # earlier rows against the later (§3.3.b's order within a batch), so every row stands for its
    # own copy of the person (ids 1..n), each with the person's statuses and grants.
    copies = range(1, len(plans) + 1)
    claims = [_claim_row(i, plan, person) for i, plan in zip(copies, plans, strict=True)]
    held = list(PersonStatus.objects.filter(person=person).values_list("kind", "valid_from", "valid_to"))
    granted = [
        (g.subject, g.level_key or None, g.end_date)
        for g in Grant.objects.filter(person=person).exclude(kind="work_based")
    ]
    statuses = pl.DataFrame([(i, *s) for i in copies for s in held], schema=STATUS_SCHEMA, orient="row")
    history = pl.DataFrame([(i, *g) for i in copies for g in granted], schema=HISTORY_SCHEMA, orient="row")
    params = default_parameters()
    decided = engine.decide(pl.DataFrame(claims, schema=CLAIM_SCHEMA), statuses, history, params)
    version = engine.rules_version(params)
    by_id = {row["claim_id"]: row for row in decided.iter_rows(named=True)}
    known = occupation_names(p.catalog_item.occupation for p in plans if p.catalog_item.occupation_id)
    named = names(known=known | item_names(p.catalog_item for p in plans if not p.catalog_item.occupation_id))
    return [_preview(by_id[i], version, named) for i in copies]


def _claim_row(copy: int, plan: Any, person: Any) -> dict[str, Any]:
    item = plan.catalog_item
    return {
        "claim_id": copy,
        "person_id": copy,
        "funding_mode": plan.funding_mode if plan.funding_mode != "work_based" else "individual",
        "training_region": plan.region,
        "hukou_region": person.hukou_region,
        "residence_region": person.residence_region,
        "job_region": person.job_region or None,
        "hukou_rural": person.hukou_rural,
        "pension": person.receives_pension,
        "certificate": item.certificate_kind,  # assumed obtained: the preview is about the quota and groups
        "occupation": item.occupation.code if item.occupation_id else f"item:{item.code}",
        "level": item.level,
        "start_date": plan.start_date,
        "end_date": plan.end_date,
        "standard": int(item.standard * 100),
        "fee": None if plan.fee is None else int(plan.fee * 100),
        "employer_kind": None,
        "employer_insured": False,
        "months_claimed": 0,
        "months_already": 0,
    }


def _preview(row: dict[str, Any], version: str, named: Names) -> dict[str, Any]:
    return {
        "eligible": row["eligible"],
        "subsidy": str(yuan(row["subsidy"])),
        "trainee_share": str(yuan(row["trainee_share"])),
        "living_allowance": str(yuan(row["living_allowance"])),
        "rules_version": version,
        "checks": [
            {"clause": line.clause, "status": line.status, "zh": line.zh, "en": line.en}
            for line in explain(row, named)
            if line.status != "not_applicable"
        ],
    }
