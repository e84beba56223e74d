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

from calendar import monthrange
from collections.abc import Collection
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from skillfund.accounts.models import Role
from skillfund.accounts.scoping import role_of
from skillfund.catalog.models import CatalogItem
from skillfund.claims.actions import claim_from_enrolment, claim_submit
from skillfund.claims.checks import months_problem, unclaimed_months
from skillfund.claims.decisions import decide_ids, store_decisions
from skillfund.claims.models import Application, Claim, Decision
from skillfund.claims.review import application_create, application_step
from skillfund.claims.workflow import Status
from skillfund.core.errors import DomainError
from skillfund.materials.actions import material_upload, material_withdraw
from skillfund.programme.selectors import programme_for
from skillfund.training.models import ClassPlan, Employment, Enrolment

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


def claimable_enrolments(class_plan: ClassPlan) -> QuerySet[Enrolment]:
    """The class's trainees with a certificate and no claim yet: those `class_claim` claims for."""
    return (
        Enrolment.objects.filter(class_plan=class_plan, certificates__isnull=False, claims=None)
        .select_related("class_plan__catalog_item", "class_plan__department", "person")
        .distinct()
        .order_by("pk")
    )


@transaction.atomic
def class_claim(
    *,
    class_plan: ClassPlan,
    actor: Any,
    submit: bool = True,
    today: date | None = None,
    enrolment_ids: Collection[int] | None = None,
) -> list[Application]:
    """Claim for the class's certified trainees not claimed yet (or, with `enrolment_ids`, for those
    of them chosen), gather the claims into applications and (by default) submit them. Refused,
    with nothing written, for a class not approved, a user who does not apply for it, a funding
    mode without class claims, a chosen trainee who is not claimable, or a class with nobody left
    to claim for."""
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
    enrolments = claimable_enrolments(plan)
    if enrolment_ids is not None:
        chosen = {int(pk) for pk in enrolment_ids}
        enrolments = enrolments.filter(pk__in=chosen)
        if not chosen or len(enrolments) != len(chosen):
            raise _refuse(
                "enrolment_not_claimable",
                "所选学员中有人不属于该班、尚未取得证书或已申请过补贴",
                "a chosen trainee is not in this class, has no certificate, or was already claimed for",
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


# ---- 以工代训 (§3.3.g) ----------------------------------------------------------------------------


def work_months_claimable(employment: Employment, *, today: date | None = None) -> list[date]:
    """The employment's recorded training months (first days) not claimed yet and already over by
    `today`: what `work_claim` claims for (§3.3.g; the rules subsidize at most the parameter's months)."""
    today = today or timezone.localdate()
    claimed = Claim.objects.filter(employment=employment, kind=Claim.Kind.WORK_BASED).exclude(
        status=Claim.Status.REFUSED
    )
    recorded = [m for m in employment.training_months.values_list("month", flat=True) if _month_end(m) <= today]
    if not recorded:
        return []
    return unclaimed_months(
        recorded,
        start=min(recorded),
        end=_month_end(max(recorded)),
        claimed=claimed.values_list("start_date", "end_date"),
    )


def _month_end(month: date) -> date:
    return month.replace(day=monthrange(month.year, month.month)[1])


@transaction.atomic
def work_claim(
    *,
    employment: Employment,
    catalog_item: CatalogItem,
    actor: Any,
    submit: bool = True,
    today: date | None = None,
) -> Application:
    """The employer's 以工代训 claim (§3.3.g) for an employment's recorded months not claimed yet:
    one claim, decided at once, in one application of the employer's, responsible department the
    HR bureau of the employer's programme (以工代训 is the HR bureau's own task), submitted by
    default. Refused, with nothing written, for a user who does not act for the employer (HR may,
    on its behalf), or an employment with no month left to claim."""
    employment = Employment.objects.select_related("employer", "person").get(pk=employment.pk)
    employer = employment.employer
    role = role_of(actor)
    if role != Role.HR_STAFF and not (role == Role.ENTERPRISE_OPERATOR and actor.organization_id == employer.pk):
        raise DomainError(
            "not_applicant",
            f"只有{employer.short_name or employer.name}（或人社部门代为受理）可以为该用工申请以工代训补贴",
            f"only {employer.name} (or the HR bureau on its behalf) claims for this employment",
            clause="§3.3.g",
        )
    today = today or timezone.localdate()
    months = work_months_claimable(employment, today=today)
    problem = months_problem(months, None)
    if problem is not None:
        raise DomainError(problem.code, problem.zh, problem.en, clause=problem.clause)
    start, end = months[0], _month_end(months[-1])
    programme = programme_for(region=employer.region, year=end.year)
    if programme is None or programme.hr_bureau_id is None:
        raise DomainError(
            "no_programme",
            f"{employer}所在地区{end.year}年没有已加载的实施方案（人社部门），不能申请以工代训补贴",
            f"no programme with an HR bureau is loaded for {employer}'s region in {end.year}",
            clause="§3.3.g",
        )
    claim = claim_submit(
        actor=actor,
        person=employment.person,
        catalog_item=catalog_item,
        training_region=employer.region,
        start_date=start,
        end_date=end,
        kind=Claim.Kind.WORK_BASED,
        months=len(months),
        department=programme.hr_bureau,
        employment=employment,
        today=today,
    )
    decide_new([claim])
    application = application_create(
        kind=Application.Kind.WORK_BASED,
        department=programme.hr_bureau,
        applicant=employer,
        claims=[claim],
        actor=actor,
    )
    if submit:
        application = application_step(application=application, step="submit", actor=actor)
    return application


# ---- the applicant's materials ---------------------------------------------------------------------

# An applicant adds proofs while the application is its own to change: before it is submitted, and
# when a reviewer returned it for correction. Once submitted, the reviewers judge what was sent.
MATERIALS_OPEN = (Status.DRAFT, Status.RETURNED)


def applicant_may_change(application: Application, actor: Any) -> DomainError | None:
    """Why `actor` may not add materials to `application` now (None: they may)."""
    role = role_of(actor)
    if role not in (Role.INSTITUTION_OPERATOR, Role.ENTERPRISE_OPERATOR) or (
        actor.organization_id != application.applicant_id
    ):
        return _refuse("not_applicant", "只能为本单位的申请上传材料", "only the applying organization adds materials")
    if application.status not in MATERIALS_OPEN:
        return _refuse(
            "application_not_open",
            f"申请处于“{Status(application.status).label}”状态，不能再补充材料",
            f"an application that is {application.status} takes no more materials",
        )
    return None


def application_material_upload(*, application: Application, file: Any, kind: str, actor: Any) -> Any:
    """The applicant attaches a proof (materials.actions.material_upload: type checked by content,
    checksummed, audited) to its own application while it is a draft or returned for correction."""
    application = Application.objects.get(pk=application.pk)
    refusal = applicant_may_change(application, actor)
    if refusal is not None:
        raise refusal
    return material_upload(file=file, linked_to=application, kind=kind, actor=actor)


def application_material_withdraw(*, application: Application, material: Any, actor: Any, reason: str) -> Any:
    """The applicant withdraws a proof it attached by mistake (it stays on record, with the reason:
    materials.actions.material_withdraw), while the application is a draft or returned."""
    application = Application.objects.get(pk=application.pk)
    refusal = applicant_may_change(application, actor)
    if refusal is not None:
        raise refusal
    if material.linked_type.model_class() is not Application or material.linked_id != application.pk:
        raise _refuse("material_not_attached", "该材料不属于本申请", "the material is not attached to this application")
    return material_withdraw(material=material, actor=actor, reason=reason)
