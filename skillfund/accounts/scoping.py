"""Who sees which records: one selector per model, used by every query path (admin, pages, API).

谁主管、谁负责 (§4.3.c): a department sees the people and work it manages; an institution or
enterprise sees its own roster. The bureau-wide roles (HR, finance, auditor, system administrator)
see everything they are allowed to read. Deny by default: a user without a known role gets an
empty queryset from every selector.

Whether a role may *change* what it sees is decided in `accounts/permissions.py`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, Q, QuerySet

from skillfund.accounts.models import Role, User
from skillfund.catalog.models import CatalogItem, Occupation
from skillfund.claims.models import Application, ApplicationEvent, Claim, Decision, Grant, QuotaTally
from skillfund.core.models import AuditRecord
from skillfund.funds.models import (
    Account,
    BankAccount,
    DepartmentBudget,
    FundSource,
    PaymentBatch,
    PaymentLine,
    Posting,
    Transaction,
)
from skillfund.materials.models import Material
from skillfund.notices.models import Notice, NoticeEntry, Objection
from skillfund.organizations.models import Organization
from skillfund.programme.models import (
    AnnexTask,
    BudgetDeadline,
    PlanUnit,
    Programme,
    RatioTarget,
    Stage,
    TrainingPlan,
    WorkforceFigures,
)
from skillfund.programme.selectors import is_hr_bureau
from skillfund.regions.models import Region
from skillfund.registry.models import (
    DeclaredCategory,
    Person,
    PersonChangeRequest,
    PersonStatus,
    RosterEntry,
    RosterImport,
)
from skillfund.training.models import (
    Absence,
    Assessment,
    Attendance,
    Certificate,
    ClassPlan,
    ClassSession,
    Employment,
    Enrolment,
    Teacher,
    WorkTrainingMonth,
)

# Roles that read every registry, organization, catalog and programme record (§4.1, §4.3.d).
CITY_WIDE = frozenset({Role.HR_STAFF, Role.FINANCE_OFFICER, Role.AUDITOR, Role.SYSADMIN})
# Roles limited to one organization's records.
DEPARTMENT = Role.DEPARTMENT_STAFF
OPERATORS = frozenset({Role.INSTITUTION_OPERATOR, Role.ENTERPRISE_OPERATOR})
# Roles that read the audit log.
AUDIT_READERS = frozenset({Role.AUDITOR, Role.SYSADMIN, Role.HR_STAFF})
# Every role the platform knows; anything else is treated as no role at all.
KNOWN_ROLES = frozenset(Role.values)


def role_of(user: Any) -> str | None:
    """The user's role if it is a known one and the user is signed in and active, else None."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return None
    role = getattr(user, "role", None)
    return role if role in KNOWN_ROLES else None


def _scoped_org(user: Any) -> tuple[str | None, int | None]:
    """(role, own organization id); an organization-scoped role without an organization is no role."""
    role = role_of(user)
    if role in (DEPARTMENT, *OPERATORS):
        org_id = user.organization_id
        return (role, org_id) if org_id is not None else (None, None)
    return role, None


# ---- registry (§4.4.d) ---------------------------------------------------------------------


def persons_visible_to(user: Any) -> QuerySet[Person]:
    """A department: persons on its roster or holding a status it asserted. An operator: its roster."""
    role, org_id = _scoped_org(user)
    if role in CITY_WIDE:
        return Person.objects.all()
    if role == DEPARTMENT:
        return Person.objects.filter(
            Q(pk__in=RosterEntry.objects.filter(organization_id=org_id).values("person_id"))
            | Q(pk__in=PersonStatus.objects.filter(source_org_id=org_id).values("person_id"))
        )
    if role in OPERATORS:
        return Person.objects.filter(pk__in=RosterEntry.objects.filter(organization_id=org_id).values("person_id"))
    return Person.objects.none()


def person_statuses_visible_to(user: Any) -> QuerySet[PersonStatus]:
    """An organization sees only the statuses it asserted itself (source_org)."""
    role, org_id = _scoped_org(user)
    if role in CITY_WIDE:
        return PersonStatus.objects.all()
    if role == DEPARTMENT or role in OPERATORS:
        return PersonStatus.objects.filter(source_org_id=org_id)
    return PersonStatus.objects.none()


def roster_entries_visible_to(user: Any) -> QuerySet[RosterEntry]:
    role, org_id = _scoped_org(user)
    if role in CITY_WIDE:
        return RosterEntry.objects.all()
    if role == DEPARTMENT or role in OPERATORS:
        return RosterEntry.objects.filter(organization_id=org_id)
    return RosterEntry.objects.none()


def roster_imports_visible_to(user: Any) -> QuerySet[RosterImport]:
    role, org_id = _scoped_org(user)
    if role in CITY_WIDE:
        return RosterImport.objects.all()
    if role == DEPARTMENT or role in OPERATORS:
        return RosterImport.objects.filter(organization_id=org_id)
    return RosterImport.objects.none()


def person_change_requests_visible_to(user: Any) -> QuerySet[PersonChangeRequest]:
    """A department: requests about the records it owns (the HR bureau's unit also those with no
    owner) and those it made. An operator: those it made."""
    role, org_id = _scoped_org(user)
    if role in CITY_WIDE:
        return PersonChangeRequest.objects.all()
    if role == DEPARTMENT:
        owned = Q(person__owner_id=org_id)
        if is_hr_bureau(user.organization):
            owned |= Q(person__owner__isnull=True)
        return PersonChangeRequest.objects.filter(owned | Q(organization_id=org_id))
    if role in OPERATORS:
        return PersonChangeRequest.objects.filter(organization_id=org_id)
    return PersonChangeRequest.objects.none()


def declared_categories_visible_to(user: Any) -> QuerySet[DeclaredCategory]:
    """A department: declarations of the kinds it may confirm (registry/assertion.py), and its own.
    An operator: the declarations its rosters carried."""
    from skillfund.registry import assertion

    role, org_id = _scoped_org(user)
    if role in CITY_WIDE:
        return DeclaredCategory.objects.all()
    if role == DEPARTMENT:
        kinds = sorted(assertion.kinds_for(user.organization.unit_code))
        return DeclaredCategory.objects.filter(Q(kind__in=kinds) | Q(declared_by_id=org_id))
    if role in OPERATORS:
        return DeclaredCategory.objects.filter(declared_by_id=org_id)
    return DeclaredCategory.objects.none()


# ---- organizations -------------------------------------------------------------------------


def organizations_visible_to(user: Any) -> QuerySet[Organization]:
    """A department also sees training providers and employers: public reference data it needs
    to check the classes it supervises (§4.3.d). An operator sees only itself."""
    role, org_id = _scoped_org(user)
    if role in CITY_WIDE:
        return Organization.objects.all()
    if role == DEPARTMENT:
        public_kinds = [*Organization.TRAINING_PROVIDERS, *Organization.EMPLOYERS]
        return Organization.objects.filter(Q(pk=org_id) | Q(kind__in=public_kinds))
    if role in OPERATORS:
        return Organization.objects.filter(pk=org_id)
    return Organization.objects.none()


# ---- catalog, programme, regions: reference data every role reads -------------------------------


def _reference(model: type[Model]) -> Callable[[Any], QuerySet]:
    def visible_to(user: Any) -> QuerySet:
        return model.objects.all() if role_of(user) else model.objects.none()

    visible_to.__name__ = f"{model._meta.model_name}_visible_to"
    visible_to.__doc__ = f"Every role reads {model._meta.verbose_name_plural}; no role, nothing."
    return visible_to


occupations_visible_to = _reference(Occupation)
catalog_items_visible_to = _reference(CatalogItem)
programmes_visible_to = _reference(Programme)
stages_visible_to = _reference(Stage)
ratio_targets_visible_to = _reference(RatioTarget)
budget_deadlines_visible_to = _reference(BudgetDeadline)
training_plans_visible_to = _reference(TrainingPlan)
plan_units_visible_to = _reference(PlanUnit)
regions_visible_to = _reference(Region)


def annex_tasks_visible_to(user: Any) -> QuerySet[AnnexTask]:
    """A department sees its own annual task (Annex). An institution or enterprise sees every task:
    the Annex is published (the disclosure lists each department's task), and a class plan names the
    task of the department it is filed with (class_plan_create checks the pair)."""
    role, org_id = _scoped_org(user)
    if role in CITY_WIDE or role in OPERATORS:
        return AnnexTask.objects.all()
    if role == DEPARTMENT:
        return AnnexTask.objects.filter(unit_id=org_id)
    return AnnexTask.objects.none()


def workforce_figures_visible_to(user: Any) -> QuerySet[WorkforceFigures]:
    """§2.b's yearly base is the city's statistics: the city-wide roles read it (the HR bureau
    records it, programme/actions.py); a department's dashboard shows only its own rows."""
    return WorkforceFigures.objects.all() if role_of(user) in CITY_WIDE else WorkforceFigures.objects.none()


# ---- training delivery (§4.3.d) -------------------------------------------------------------------


def class_plans_visible_to(user: Any) -> QuerySet[ClassPlan]:
    """A department: the plans filed with it. An institution: its own plans. An enterprise: the
    plans it ordered (订单式培训, §3.2.4)."""
    role, org_id = _scoped_org(user)
    if role in CITY_WIDE:
        return ClassPlan.objects.all()
    if role == DEPARTMENT:
        return ClassPlan.objects.filter(department_id=org_id)
    if role == Role.INSTITUTION_OPERATOR:
        return ClassPlan.objects.filter(institution_id=org_id)
    if role == Role.ENTERPRISE_OPERATOR:
        return ClassPlan.objects.filter(enterprise_order_id=org_id)
    return ClassPlan.objects.none()


def class_sessions_visible_to(user: Any) -> QuerySet[ClassSession]:
    return ClassSession.objects.filter(class_plan__in=class_plans_visible_to(user))


def teachers_visible_to(user: Any) -> QuerySet[Teacher]:
    """An organization: its own teachers. A department: those teaching the classes it supervises."""
    role, org_id = _scoped_org(user)
    if role in CITY_WIDE:
        return Teacher.objects.all()
    if role == DEPARTMENT:
        return Teacher.objects.filter(class_plans__department_id=org_id).distinct()
    if role in OPERATORS:
        return Teacher.objects.filter(organization_id=org_id)
    return Teacher.objects.none()


def _trainee_plans(user: Any) -> QuerySet[ClassPlan]:
    """Plans whose trainees' records the user reads: an ordering enterprise sees the class, not
    the trainees' attendance and results."""
    if role_of(user) == Role.ENTERPRISE_OPERATOR:
        return ClassPlan.objects.none()
    return class_plans_visible_to(user)


def enrolments_visible_to(user: Any) -> QuerySet[Enrolment]:
    return Enrolment.objects.filter(class_plan__in=_trainee_plans(user))


def attendances_visible_to(user: Any) -> QuerySet[Attendance]:
    return Attendance.objects.filter(enrolment__class_plan__in=_trainee_plans(user))


def absences_visible_to(user: Any) -> QuerySet[Absence]:
    return Absence.objects.filter(enrolment__class_plan__in=_trainee_plans(user))


def assessments_visible_to(user: Any) -> QuerySet[Assessment]:
    return Assessment.objects.filter(enrolment__class_plan__in=_trainee_plans(user))


def certificates_visible_to(user: Any) -> QuerySet[Certificate]:
    """City-wide roles: all. Others: certificates earned in the classes they see trainees of."""
    if role_of(user) in CITY_WIDE:
        return Certificate.objects.all()
    return Certificate.objects.filter(enrolment__class_plan__in=_trainee_plans(user))


def employments_visible_to(user: Any) -> QuerySet[Employment]:
    """以工代训 (§3.3.g): the employer sees its own; the city-wide roles see all."""
    role, org_id = _scoped_org(user)
    if role in CITY_WIDE:
        return Employment.objects.all()
    if role == Role.ENTERPRISE_OPERATOR:
        return Employment.objects.filter(employer_id=org_id)
    return Employment.objects.none()


def work_training_months_visible_to(user: Any) -> QuerySet[WorkTrainingMonth]:
    return WorkTrainingMonth.objects.filter(employment__in=employments_visible_to(user))


# ---- claims and decisions (§3.3, §4.3.c) -------------------------------------------------------


def claims_visible_to(user: Any) -> QuerySet[Claim]:
    """A department: the claims it is responsible for. An institution: its trainees' claims. An
    enterprise: its 以工代训 claims and those of the classes it ordered."""
    role, org_id = _scoped_org(user)
    if role in CITY_WIDE:
        return Claim.objects.all()
    if role == DEPARTMENT:
        return Claim.objects.filter(department_id=org_id)
    if role == Role.INSTITUTION_OPERATOR:
        return Claim.objects.filter(enrolment__class_plan__institution_id=org_id)
    if role == Role.ENTERPRISE_OPERATOR:
        return Claim.objects.filter(
            Q(employment__employer_id=org_id) | Q(enrolment__class_plan__enterprise_order_id=org_id)
        )
    return Claim.objects.none()


def decisions_visible_to(user: Any) -> QuerySet[Decision]:
    return Decision.objects.filter(claim__in=claims_visible_to(user))


def grants_visible_to(user: Any) -> QuerySet[Grant]:
    """A grant follows its claim; a history grant (a past subsidy, no claim) follows its person,
    since whoever sees the person needs to know what §3.3.b already counts for them."""
    return Grant.objects.filter(
        Q(claim__in=claims_visible_to(user)) | Q(origin=Grant.Origin.HISTORY, person__in=persons_visible_to(user))
    )


def quota_tallies_visible_to(user: Any) -> QuerySet[QuotaTally]:
    """The per-person yearly tallies span every department: city-wide roles only."""
    return QuotaTally.objects.all() if role_of(user) in CITY_WIDE else QuotaTally.objects.none()


def applications_visible_to(user: Any) -> QuerySet[Application]:
    """The review chain (§4.3.d): a department reads the applications it is responsible for, an
    institution or enterprise the ones it applies for; HR, finance and the auditor read all."""
    role, org_id = _scoped_org(user)
    if role in CITY_WIDE:
        return Application.objects.all()
    if role == DEPARTMENT:
        return Application.objects.filter(department_id=org_id)
    if role in OPERATORS:
        return Application.objects.filter(applicant_id=org_id)
    return Application.objects.none()


def application_events_visible_to(user: Any) -> QuerySet[ApplicationEvent]:
    return ApplicationEvent.objects.filter(application__in=applications_visible_to(user))


# ---- the special account (§4.2) ----------------------------------------------------------------

# Finance keeps the special account; HR and the auditor read it (§4.1, §4.3.a).
FUNDS_READERS = frozenset({Role.FINANCE_OFFICER, Role.HR_STAFF, Role.AUDITOR})


def _funds(model: type[Model]) -> Callable[[Any], QuerySet]:
    def visible_to(user: Any) -> QuerySet:
        return model.objects.all() if role_of(user) in FUNDS_READERS else model.objects.none()

    visible_to.__name__ = f"{model._meta.model_name}_visible_to"
    visible_to.__doc__ = f"Finance, HR and the auditor read {model._meta.verbose_name_plural}; nobody else."
    return visible_to


fund_sources_visible_to = _funds(FundSource)
ledger_accounts_visible_to = _funds(Account)
ledger_transactions_visible_to = _funds(Transaction)
postings_visible_to = _funds(Posting)


# Payment batches and their lines (funds/payments.py): finance pays them; HR and the auditor read.
payment_batches_visible_to = _funds(PaymentBatch)
payment_lines_visible_to = _funds(PaymentLine)


def bank_accounts_visible_to(user: Any) -> QuerySet[BankAccount]:
    """Payees' bank accounts (masked; funds/bankaccounts.py): finance, HR and the auditor all; an
    operator its own organization's; a department those of the persons whose record it owns."""
    role, org_id = _scoped_org(user)
    if role in FUNDS_READERS:
        return BankAccount.objects.all()
    if role in OPERATORS:
        return BankAccount.objects.filter(organization_id=org_id)
    if role == DEPARTMENT:
        return BankAccount.objects.filter(person__owner_id=org_id)
    return BankAccount.objects.none()


def department_budgets_visible_to(user: Any) -> QuerySet[DepartmentBudget]:
    """A department reads its own budget reports (§4.2.b); finance, HR and the auditor all."""
    role, org_id = _scoped_org(user)
    if role in FUNDS_READERS:
        return DepartmentBudget.objects.all()
    if role == DEPARTMENT:
        return DepartmentBudget.objects.filter(department_id=org_id)
    return DepartmentBudget.objects.none()


# ---- public notices (公示, §4.3.d) ------------------------------------------------------------

# The notice itself is public; in the back office HR and the auditor read every notice, a department
# those it published jointly. Objections (with the objector's contact) only for its own applications.
NOTICE_READERS = frozenset({Role.HR_STAFF, Role.AUDITOR})


def notices_visible_to(user: Any) -> QuerySet[Notice]:
    role, org_id = _scoped_org(user)
    if role in NOTICE_READERS:
        return Notice.objects.all()
    if role == DEPARTMENT:
        return Notice.objects.filter(
            pk__in=Notice.departments.through.objects.filter(organization_id=org_id).values("notice_id")
        )
    return Notice.objects.none()


def notice_entries_visible_to(user: Any) -> QuerySet[NoticeEntry]:
    return NoticeEntry.objects.filter(notice__in=notices_visible_to(user))


def objections_visible_to(user: Any) -> QuerySet[Objection]:
    role, org_id = _scoped_org(user)
    if role in NOTICE_READERS:
        return Objection.objects.all()
    if role == DEPARTMENT:
        return Objection.objects.filter(application__department_id=org_id)
    return Objection.objects.none()


# ---- audit log and accounts -----------------------------------------------------------------


def audit_records_visible_to(user: Any) -> QuerySet[AuditRecord]:
    return AuditRecord.objects.all() if role_of(user) in AUDIT_READERS else AuditRecord.objects.none()


def users_visible_to(user: Any) -> QuerySet[User]:
    """The system administrator manages accounts; the auditor and HR read who holds which role.
    Everyone else sees only their own account."""
    role = role_of(user)
    if role in (Role.SYSADMIN, Role.AUDITOR, Role.HR_STAFF):
        return User.objects.all()
    if role is not None:
        return User.objects.filter(pk=user.pk)
    return User.objects.none()


def _security_records(model: type[Model], *, own_field: str | None) -> Callable[[Any], QuerySet]:
    """Second-factor devices and login-failure records: the administrator and auditor see all."""

    def visible_to(user: Any) -> QuerySet:
        role = role_of(user)
        if role in (Role.SYSADMIN, Role.AUDITOR):
            return model.objects.all()
        if role is not None and own_field:
            return model.objects.filter(**{own_field: user.pk})
        return model.objects.none()

    return visible_to


# ---- materials (uploaded proofs) ---------------------------------------------------------------


def materials_visible_to(user: Any) -> QuerySet[Material]:
    """A proof is seen by whoever sees the record it proves: one clause per kind of record that
    carries materials, each reading that record's own selector."""
    if role_of(user) is None:
        return Material.objects.none()
    linked = Q()
    for type_id in Material.objects.order_by().values_list("linked_type", flat=True).distinct():
        model = ContentType.objects.get_for_id(type_id).model_class()
        if model is not None and model is not Material:
            linked |= Q(linked_type_id=type_id, linked_id__in=visible(model, user).values("pk"))
    return Material.objects.filter(linked) if linked else Material.objects.none()


def _third_party_selectors() -> dict[str, Callable[[Any], QuerySet]]:
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return {
        "otp_totp.totpdevice": _security_records(TOTPDevice, own_field="user_id"),
        "axes.accessattempt": _security_records(AccessAttempt, own_field=None),
        "axes.accesslog": _security_records(AccessLog, own_field=None),
        "axes.accessfailurelog": _security_records(AccessFailureLog, own_field=None),
    }


SELECTORS: dict[str, Callable[[Any], QuerySet]] = {
    "registry.person": persons_visible_to,
    "registry.personstatus": person_statuses_visible_to,
    "registry.rosterentry": roster_entries_visible_to,
    "registry.rosterimport": roster_imports_visible_to,
    "registry.personchangerequest": person_change_requests_visible_to,
    "registry.declaredcategory": declared_categories_visible_to,
    "organizations.organization": organizations_visible_to,
    "catalog.occupation": occupations_visible_to,
    "catalog.catalogitem": catalog_items_visible_to,
    "programme.programme": programmes_visible_to,
    "programme.stage": stages_visible_to,
    "programme.ratiotarget": ratio_targets_visible_to,
    "programme.budgetdeadline": budget_deadlines_visible_to,
    "programme.trainingplan": training_plans_visible_to,
    "programme.planunit": plan_units_visible_to,
    "programme.annextask": annex_tasks_visible_to,
    "programme.workforcefigures": workforce_figures_visible_to,
    "regions.region": regions_visible_to,
    "training.classplan": class_plans_visible_to,
    "training.classsession": class_sessions_visible_to,
    "training.teacher": teachers_visible_to,
    "training.enrolment": enrolments_visible_to,
    "training.attendance": attendances_visible_to,
    "training.absence": absences_visible_to,
    "training.assessment": assessments_visible_to,
    "training.certificate": certificates_visible_to,
    "training.employment": employments_visible_to,
    "training.worktrainingmonth": work_training_months_visible_to,
    "claims.claim": claims_visible_to,
    "claims.decision": decisions_visible_to,
    "claims.grant": grants_visible_to,
    "claims.quotatally": quota_tallies_visible_to,
    "claims.application": applications_visible_to,
    "claims.applicationevent": application_events_visible_to,
    "notices.notice": notices_visible_to,
    "notices.noticeentry": notice_entries_visible_to,
    "notices.objection": objections_visible_to,
    "materials.material": materials_visible_to,
    "funds.fundsource": fund_sources_visible_to,
    "funds.account": ledger_accounts_visible_to,
    "funds.transaction": ledger_transactions_visible_to,
    "funds.posting": postings_visible_to,
    "funds.departmentbudget": department_budgets_visible_to,
    "funds.paymentbatch": payment_batches_visible_to,
    "funds.paymentline": payment_lines_visible_to,
    "funds.bankaccount": bank_accounts_visible_to,
    "core.auditrecord": audit_records_visible_to,
    "accounts.user": users_visible_to,
    **_third_party_selectors(),
}


def visible(model: type[Model], user: Any) -> QuerySet:
    """The records of `model` that `user` may read. A model without a selector: nothing."""
    selector = SELECTORS.get(model._meta.label_lower)
    return selector(user) if selector else model._default_manager.none()
