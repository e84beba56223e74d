"""What the rules would decide for a trainee joining a class (§3.3), shown at enrolment so nobody
trains expecting a subsidy they cannot get. Same engine as every decision; nothing is stored
here — training.actions.enrolment.enrolment_create stores the result on the enrolment."""

from __future__ import annotations

from typing import Any

import polars as pl

from skillfund.claims.models import Grant
from skillfund.policy import engine
from skillfund.policy.explain import explain, yuan
from skillfund.policy.facts import CLAIM_SCHEMA, HISTORY_SCHEMA, STATUS_SCHEMA
from skillfund.policy.parameters import default_parameters
from skillfund.registry.models import PersonStatus


def enrolment_preview(enrolment: Any) -> dict[str, Any]:
    """The decision the class would get if the trainee completes it and obtains its certificate."""
    plan, person = enrolment.class_plan, enrolment.person
    item = plan.catalog_item
    claim = {
        "claim_id": 0,
        "person_id": person.pk,
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
    statuses = pl.DataFrame(
        list(PersonStatus.objects.filter(person=person).values_list("person_id", "kind", "valid_from", "valid_to")),
        schema=STATUS_SCHEMA,
        orient="row",
    )
    history = pl.DataFrame(
        [
            (g.person_id, g.subject, g.level_key or None, g.end_date)
            for g in Grant.objects.filter(person=person).exclude(kind="work_based")
        ],
        schema=HISTORY_SCHEMA,
        orient="row",
    )
    params = default_parameters()
    row = engine.decide(pl.DataFrame([claim], schema=CLAIM_SCHEMA), statuses, history, params).row(0, named=True)
    return {
        "eligible": row["eligible"],
        "subsidy": str(yuan(row["subsidy"])),
        "trainee_share": str(yuan(row["trainee_share"])),
        "living_allowance": str(yuan(row["living_allowance"])),
        "rules_version": engine.rules_version(params),
        "checks": [
            {"clause": line.clause, "status": line.status, "zh": line.zh, "en": line.en}
            for line in explain(row)
            if line.status != "not_applicable"
        ],
    }
