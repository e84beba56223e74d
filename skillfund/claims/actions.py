"""Writes on claims: submit, decide, grant. Each is one transaction with an audit record.

Granting is where the §3.3.b quota is held against concurrent approvals by any department: the
persons concerned are locked in a fixed order (by id), every claim is re-decided on the facts
read under those locks, and the database backs the result with a unique constraint (never the
same occupation and level twice) and a check constraint (a year's tally never above its cap).
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import DecimalField, F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from skillfund.catalog.models import CatalogItem, CertificateKind
from skillfund.claims.checks import (
    certificate_key,
    certificate_problem,
    months_problem,
    recorded_for,
    unclaimed_months,
)
from skillfund.claims.decisions import decide_ids, decision_from_row
from skillfund.claims.models import Application, Claim, Decision, Grant, QuotaTally
from skillfund.core import audit
from skillfund.core.errors import DomainError
from skillfund.policy.parameters import default_parameters
from skillfund.regions.codes import is_valid_region_code
from skillfund.registry.models import Person
from skillfund.training.models import Certificate, Employment


def subject_of(item: CatalogItem) -> str:
    """What §3.3.b counts: the occupation, or the catalog item for trainings without one."""
    return item.occupation.code if item.occupation_id else f"item:{item.code}"


@transaction.atomic
def claim_submit(
    *,
    actor: Any,
    person: Person,
    catalog_item: CatalogItem,
    training_region: str,
    start_date: date,
    end_date: date,
    kind: str = Claim.Kind.INDIVIDUAL,
    certificate_kind: str = "",
    certificate_number: str = "",
    fee: Decimal | None = None,
    months: int = 0,
    department: Any = None,
    enrolment: Any = None,
    employment: Any = None,
    reference: str | None = None,
    today: date | None = None,
) -> Claim:
    today = today or timezone.localdate()
    if end_date < start_date:
        raise DomainError("claim_dates", "结束日期早于开始日期", "the training ends before it starts")
    if end_date > today:
        raise DomainError("claim_future", "培训尚未结束，不能申请补贴", f"the training ends on {end_date}, after today")
    if not is_valid_region_code(training_region):
        raise DomainError(
            "claim_region", f"培训地{training_region}不是有效的行政区划代码", f"{training_region} is not a region code"
        )
    if kind not in Claim.Kind.values:
        raise DomainError("claim_kind", "补贴类型无效", f"unknown claim kind {kind}")
    # The engine judges a claim on the parameters in force on its end date: refused now, with the
    # parameter and the date named, rather than a claim no decision can ever be made on.
    default_parameters().require_in_force(end_date)
    certificate_number = certificate_number.strip()
    if certificate_kind and certificate_kind not in CertificateKind.values:
        raise DomainError("claim_certificate", "证书类型无效", f"unknown certificate kind {certificate_kind}")
    # Training through work is decided without a certificate (§3.3.g): not compared with its item.
    compared = None if kind == Claim.Kind.WORK_BASED else catalog_item
    _ensure_certificate(compared, person=person, kind=certificate_kind, number=certificate_number)
    months = _work_training_months(
        kind, person=person, employment=employment, start=start_date, end=end_date, given=months
    )
    claim = Claim(
        reference=reference or f"C{uuid.uuid4().hex[:12].upper()}",
        kind=kind,
        person=person,
        department=department,
        enrolment=enrolment,
        employment=employment,
        catalog_item=catalog_item,
        training_region=training_region,
        start_date=start_date,
        end_date=end_date,
        certificate_kind=certificate_kind,
        certificate_number=certificate_number,
        subject=subject_of(catalog_item),
        level=catalog_item.level,
        standard=catalog_item.standard,
        fee=fee,
        months=months,
        submitted_by=actor if getattr(actor, "pk", None) else None,
    )
    try:
        with transaction.atomic():
            claim.save(force_insert=True)
    except IntegrityError:  # a concurrent claim took the reference or the certificate number
        raise DomainError(
            "claim_conflict",
            "同时提交的另一申请已使用该申请编号或证书编号",
            "a claim submitted meanwhile took this reference or certificate number",
        ) from None
    audit.record(actor=actor, action="claim.submit", target=claim, after={"kind": kind, "item": catalog_item.code})
    return claim


def _ensure_certificate(item: CatalogItem | None, *, person: Person, kind: str, number: str) -> None:
    """§3.3.a: the certificate is the item's, the recorded one if its number is on record, and
    not claimed before (the partial unique constraint on claims backs the last)."""
    recorded, claimed_by = None, None
    if number:
        occupation_id = item.occupation_id if item is not None else None
        recorded = recorded_for(
            Certificate.objects.filter(number=number), kind=kind, occupation_id=occupation_id, person_id=person.pk
        )
        subject = subject_of(item) if item is not None else ""
        claimed = Claim.objects.filter(certificate_number=number).values_list(
            "reference", "certificate_kind", "subject"
        )
        claimed_by = next(
            (r for r, k, s in claimed if certificate_key(k, number, s) == certificate_key(kind, number, subject)), None
        )
    problem = certificate_problem(
        item=item, person_id=person.pk, kind=kind, number=number, recorded=recorded, claimed_by=claimed_by
    )
    if problem is not None:
        raise DomainError(problem.code, problem.zh, problem.en, clause=problem.clause)


def ensure_certificates_match(claims: list[Claim]) -> None:
    """Before claims go to review (any path, the API's too): each certificate is still its catalog
    item's and, if on record, the claimant's (§3.3.a) — a claim from before these checks, or
    written around them, is refused naming its reference."""
    items = CatalogItem.objects.in_bulk({c.catalog_item_id for c in claims if c.catalog_item_id})
    numbers = {c.certificate_number for c in claims if c.certificate_number}
    recorded: dict[str, list[Certificate]] = {}
    for c in Certificate.objects.filter(number__in=numbers) if numbers else ():
        recorded.setdefault(c.number, []).append(c)
    for claim in claims:
        item = items.get(claim.catalog_item_id)
        problem = certificate_problem(
            item=None if claim.kind == Claim.Kind.WORK_BASED else item,
            person_id=claim.person_id,
            kind=claim.certificate_kind,
            number=claim.certificate_number,
            recorded=recorded_for(
                recorded.get(claim.certificate_number, ()),
                kind=claim.certificate_kind,
                occupation_id=item.occupation_id if item is not None else None,
                person_id=claim.person_id,
            ),
        )
        if problem is not None:
            raise DomainError(
                problem.code,
                f"明细{claim.reference}：{problem.zh}",
                f"claim {claim.reference}: {problem.en}",
                clause=problem.clause,
            )


def _work_training_months(
    kind: str, *, person: Person, employment: Employment | None, start: date, end: date, given: int
) -> int:
    """§3.3.g: the months of a 以工代训 claim are the employment's recorded months in the period not
    claimed before; a number given must equal them. Other claims carry no months."""
    if kind != Claim.Kind.WORK_BASED:
        if given:
            raise DomainError("claim_months", "仅以工代训申请填写月数", "only training through work claims months")
        return 0
    if employment is None or employment.person_id != person.pk:
        raise DomainError(
            "claim_employment", "以工代训须指明本人的用工记录", "training through work names the person's employment"
        )
    # Locked, so two claims for one employment cannot count the same months.
    employment = Employment.objects.select_for_update().get(pk=employment.pk)
    claimed = Claim.objects.filter(employment=employment, kind=Claim.Kind.WORK_BASED).exclude(
        status=Claim.Status.REFUSED
    )
    counted = unclaimed_months(
        employment.training_months.values_list("month", flat=True),
        start=start,
        end=end,
        claimed=claimed.values_list("start_date", "end_date"),
    )
    problem = months_problem(counted, given)
    if problem is not None:
        raise DomainError(problem.code, problem.zh, problem.en, clause=problem.clause)
    return len(counted)


@transaction.atomic
def claim_from_enrolment(*, enrolment: Any, actor: Any, today: date | None = None) -> Claim:
    """A claim for a trainee's class: the class's dates, place, item and fee, and the certificate
    the trainee obtained (none recorded = §3.3.a will fail, and say so)."""
    plan = enrolment.class_plan
    certificate = enrolment.certificates.order_by("issue_date").first()
    return claim_submit(
        actor=actor,
        person=enrolment.person,
        catalog_item=plan.catalog_item,
        training_region=plan.region,
        start_date=plan.start_date,
        end_date=plan.end_date,
        kind=plan.funding_mode if plan.funding_mode in Claim.Kind.values else Claim.Kind.INDIVIDUAL,
        certificate_kind=certificate.kind if certificate else "",
        certificate_number=certificate.number if certificate else "",
        fee=plan.fee,
        department=plan.department,
        enrolment=enrolment,
        today=today,
    )


@transaction.atomic
def claim_decide(*, claim: Claim, actor: Any) -> Decision:
    """Decide one claim now, on the facts in the database (the online path)."""
    params = default_parameters()
    row = decide_ids([claim.pk], params).row(0, named=True)
    decision = decision_from_row(row, purpose=Decision.Purpose.DECISION, params=params, claim=claim)
    decision.save()
    Claim.objects.filter(pk=claim.pk).update(status=Claim.Status.DECIDED)
    audit.record(
        actor=actor,
        action="claim.decide",
        target=claim,
        after={"eligible": decision.eligible, "subsidy": decision.subsidy, "rules": decision.rules_version},
    )
    return decision


@transaction.atomic
def claims_grant(*, claims: list[Claim], actor: Any) -> list[Decision]:
    """Approve claims: re-decide them together under the persons' locks and grant the eligible.

    Claims of one person in one call are taken in order of end date (as the engine does), so two
    claims for the same occupation and level get one grant.
    """
    claims = list(Claim.objects.filter(pk__in=[c.pk for c in claims]).select_for_update().order_by("pk"))
    if any(c.status == Claim.Status.GRANTED for c in claims):
        raise DomainError("claim_already_granted", "申请已批准，不能重复批准", "a claim in the set is already granted")
    # A fixed lock order (person ids ascending) so concurrent approvals cannot deadlock.
    person_ids = sorted({c.person_id for c in claims})
    list(Person.objects.select_for_update().filter(pk__in=person_ids).order_by("pk").values_list("pk", flat=True))

    params = default_parameters()
    decided = decide_ids([c.pk for c in claims], params)
    now = timezone.now()
    by_id = {c.pk: c for c in claims}
    decisions, grants, per_year = [], [], Counter()
    for row in decided.iter_rows(named=True):
        claim = by_id[row["claim_id"]]
        decision = decision_from_row(row, purpose=Decision.Purpose.GRANT, params=params, claim=claim)
        decisions.append(decision)
        if decision.eligible:
            work = claim.kind == Claim.Kind.WORK_BASED
            grants.append(
                Grant(
                    person_id=claim.person_id,
                    claim=claim,
                    decision=decision,
                    kind=claim.kind,
                    subject=claim.subject,
                    level_key=claim.level or 0,
                    year=claim.end_date.year,
                    end_date=claim.end_date,
                    months=decision.months_subsidized,
                    amount=decision.subsidy,
                    granted_by=actor if getattr(actor, "pk", None) else None,
                    granted_at=now,
                )
            )
            if not work:
                per_year[(claim.person_id, claim.end_date.year, row["p_annual_cap"])] += 1
    Decision.objects.bulk_create(decisions)
    count_against_tallies(per_year)
    Grant.objects.bulk_create(grants)  # the unique constraint refuses a repeat even if all else failed
    store_granted({c.application_id for c in claims if c.application_id})
    granted = {g.claim_id for g in grants}
    Claim.objects.filter(pk__in=granted).update(status=Claim.Status.GRANTED)
    Claim.objects.filter(pk__in=set(by_id) - granted).update(status=Claim.Status.REFUSED)
    audit.record(
        actor=actor,
        action="claims.grant",
        after={
            "claims": len(claims),
            "granted": len(granted),
            "rules": decisions[0].rules_version if decisions else "",
        },
    )
    return decisions


def granted_of_application() -> Any:
    """Σ (grant amount + its decision's living allowance) over an application's granted claims, as
    a correlated subquery on the application (what a payment line pays before any advance)."""
    money = DecimalField(max_digits=14, decimal_places=2)

    def total(field: str) -> Coalesce:
        rows = (
            Grant.objects.filter(claim__application_id=OuterRef("pk"))
            .order_by()
            .values("claim__application_id")
            .annotate(total=Sum(field))
            .values("total")
        )
        return Coalesce(Subquery(rows, output_field=money), Value(Decimal("0.00")), output_field=money)

    return total("amount") + total("decision__living_allowance")


def store_granted(application_ids: set[int]) -> None:
    """Keep `Application.granted` (what the payable list shows and sums) equal to its grants."""
    if application_ids:
        Application.objects.filter(pk__in=application_ids).update(granted=granted_of_application())


def count_against_tallies(per_year: Counter) -> None:
    """Add the grants to each person's yearly tally; the check constraint refuses going over the cap."""
    if not per_year:
        return
    keys = {(person, year): cap for person, year, cap in per_year}
    existing = {
        (t.person_id, t.year)
        for t in QuotaTally.objects.select_for_update().filter(
            person_id__in={p for p, _ in keys}, year__in={y for _, y in keys}
        )
    }
    QuotaTally.objects.bulk_create(
        QuotaTally(person_id=p, year=y, used=0, cap=cap) for (p, y), cap in keys.items() if (p, y) not in existing
    )
    for (person, year, _cap), n in per_year.items():
        QuotaTally.objects.filter(person_id=person, year=year).update(used=F("used") + n)


def claim_grant(*, claim: Claim, actor: Any) -> Decision:
    (decision,) = claims_grant(claims=[claim], actor=actor)
    return decision
