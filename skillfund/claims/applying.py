"""Applying for a class (§4.3.d): the trainees who finished a class with a certificate are claimed
and gathered into applications that enter the review chain. One transaction, audited by the
actions it calls (claim submission, application creation, the "submit" step).

Who applies follows the class's funding mode; the review path is the rules' (claims/paths.py):

- individual (个人申领, §3.3.a): one application per trainee, the institution submitting on the
  trainee's behalf; only a trainee of a special group (or of entrepreneurship training) keeps the
  existing, shorter procedure (§4.3.e), the others take the full chain;
- project-based (项目制, §3.3.h, §3.3.i): one application by the institution, full chain;
- enterprise-run (企业自主培训, §3.1.2): one application by the ordering enterprise (or the
  institution when no enterprise ordered the class), full chain.

以工代训 (§3.3.g) is claimed from an employment's training months, not from a class.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction

from skillfund.accounts.models import Role
from skillfund.accounts.scoping import role_of
from skillfund.claims.actions import claim_from_enrolment
from skillfund.claims.decisions import decide_ids, store_decisions
from skillfund.claims.models import Application, Claim, Decision
from skillfund.claims.review import application_create, application_step
from skillfund.core.errors import DomainError
from skillfund.training.models import ClassPlan, Enrolment

CLAIMABLE = (ClassPlan.Status.APPROVED, ClassPlan.Status.CLOSED)
KIND_OF_MODE = {
    ClassPlan.FundingMode.INDIVIDUAL: Application.Kind.INDIVIDUAL,
    ClassPlan.FundingMode.PROJECT: Application.Kind.PROJECT,
    ClassPlan.FundingMode.ENTERPRISE: Application.Kind.ENTERPRISE,
}


def _refuse(code: str, zh: str, en: str) -> DomainError:
    return DomainError(code, zh, en, clause="§4.3.d")


def applicant_of(class_plan: ClassPlan) -> Any:
    """The organization that applies for the class's subsidies."""
    if class_plan.funding_mode == ClassPlan.FundingMode.ENTERPRISE and class_plan.enterprise_order_id:
        return class_plan.enterprise_order
    return class_plan.institution


def decide_new(claims: list[Claim]) -> None:
    """Decide claims never decided, so every claim line shows its checks (§3.3) from the start."""
    ids = [c.pk for c in claims]
    if ids:
        store_decisions(decide_ids(ids), purpose=Decision.Purpose.DECISION)
        Claim.objects.filter(pk__in=ids, status=Claim.Status.SUBMITTED).update(status=Claim.Status.DECIDED)


@transaction.atomic
def class_claim(
    *, class_plan: ClassPlan, actor: Any, submit: bool = True, today: date | None = None
) -> list[Application]:
    """Claim for the class's certified trainees not claimed yet, gather the claims into
    applications and (by default) submit them. Refused, with nothing written, for a class not
    approved, a user who does not apply for it, a funding mode without class claims, or a class
    with nobody left to claim for."""
    plan = ClassPlan.objects.select_related("institution", "enterprise_order", "department").get(pk=class_plan.pk)
    kind = KIND_OF_MODE.get(plan.funding_mode)
    if kind is None:
        raise _refuse(
            "not_a_class_claim",
            "以工代训按用工月份申请，不按培训班申请",
            "training through work is claimed by month of employment, not by class",
        )
    applicant = applicant_of(plan)
    role = role_of(actor)
    if role != Role.HR_STAFF and not (
        role in (Role.INSTITUTION_OPERATOR, Role.ENTERPRISE_OPERATOR) and actor.organization_id == applicant.pk
    ):
        raise _refuse(
            "not_applicant",
            f"只有{applicant.short_name or applicant.name}（或人社部门代为受理）可以为该班申请补贴",
            f"only {applicant.name} (or the HR bureau on its behalf) applies for this class",
        )
    if plan.status not in CLAIMABLE:
        raise _refuse(
            "class_not_approved",
            f"开班计划处于“{plan.get_status_display()}”状态，不能申请补贴",
            f"the class plan is {plan.status}; only approved or closed classes are claimed for",
        )
    enrolments = (
        Enrolment.objects.filter(class_plan=plan, certificates__isnull=False, claims=None)
        .select_related("class_plan__catalog_item", "class_plan__department", "person")
        .distinct()
        .order_by("pk")
    )
    claims = [claim_from_enrolment(enrolment=e, actor=actor, today=today) for e in enrolments]
    if not claims:
        raise _refuse(
            "nothing_to_claim",
            "该班没有已取得证书且尚未申请补贴的学员",
            "no trainee of this class has a certificate and no claim yet",
        )
    decide_new(claims)
    common = {"department": plan.department, "applicant": applicant, "class_plan": plan, "actor": actor}
    if kind == Application.Kind.INDIVIDUAL:
        applications = [application_create(kind=kind, claims=[c], person=c.person, **common) for c in claims]
    else:
        applications = [application_create(kind=kind, claims=claims, **common)]
    if submit:
        applications = [application_step(application=a, step="submit", actor=actor) for a in applications]
    return applications
