"""What each role may do, per model: one table, read by the admin and by any other interface.

Which *records* a role sees is decided in `accounts/scoping.py`; this table only says which verbs
(view, add, change, delete) apply to the records it sees. Finance and the auditor read only; the
audit log is never added to, changed or deleted through an interface (only action functions
append to it). Domain records are not deleted from the back office: a person, status or
organization keeps its history, and an organization leaves through its status (§3.2.3 exit).
"""

from __future__ import annotations

from typing import Any

from skillfund.accounts.models import Role
from skillfund.accounts.scoping import role_of

VIEW = frozenset({"view"})
WRITE = frozenset({"view", "add", "change"})
NONE: frozenset[str] = frozenset()

REGISTRY = (
    "registry.person",
    "registry.personstatus",
    "registry.rosterentry",
    "registry.rosterimport",
    "registry.personchangerequest",
    "registry.declaredcategory",
)
REFERENCE = (
    "regions.region",
    "catalog.occupation",
    "catalog.catalogitem",
    "programme.programme",
    "programme.stage",
    "programme.ratiotarget",
    "programme.budgetdeadline",
    "programme.trainingplan",
    "programme.planunit",
    "programme.annextask",
)
TRAINING = (
    "training.classplan",
    "training.classsession",
    "training.teacher",
    "training.enrolment",
    "training.attendance",
    "training.absence",
    "training.assessment",
    "training.certificate",
    "training.employment",
    "training.worktrainingmonth",
)
# Claims, decisions and grants are written only by the actions in claims/actions.py (batch
# evaluation, granting); the back office reads them.
CLAIMS = ("claims.claim", "claims.decision", "claims.grant", "claims.quotatally")
# Applications move only through the review chain's actions (claims/review.py), from the step
# pages of the back office; "add" means gathering a class's claims into an application.
APPLICATIONS = ("claims.application", "claims.applicationevent")

# The special account (§4.2) is written only by the actions in `funds/` (ledger.py, payouts.py,
# recoveries.py): "add" on transactions lets a role book through those actions (finance, §4.1);
# budgets (funds/budgets.py) are reported by each department.
FUNDS = (
    "funds.fundsource",
    "funds.account",
    "funds.transaction",
    "funds.posting",
    "funds.departmentbudget",
    "funds.paymentbatch",
    "funds.paymentline",
)
# Public notices are written only by notices/actions.py (publish, objection); the back office reads.
NOTICES = ("notices.notice", "notices.noticeentry", "notices.objection")
SECURITY = ("otp_totp.totpdevice", "axes.accessattempt", "axes.accesslog", "axes.accessfailurelog")
# Uploaded proofs: added only by `materials.actions.material_upload`, never edited; "change" means
# withdrawing one with a reason (`material_withdraw`). Who sees one follows the record it proves.
MATERIALS = ("materials.material",)
DOMAIN = (*REGISTRY, "organizations.organization", *REFERENCE, *TRAINING, *CLAIMS, *APPLICATIONS, *MATERIALS)


def _all(models: tuple[str, ...], verbs: frozenset[str]) -> dict[str, frozenset[str]]:
    return dict.fromkeys(models, verbs)


ADD = frozenset({"view", "add"})
# Who gathers claims into applications: institutions and enterprises for their classes, HR for
# individual claims (§4.3.d, §4.3.e). Everyone else who reads applications only reads them.
_APPLICANT = {"claims.application": ADD, "claims.applicationevent": VIEW}
_APPLICATION_READER = _all(APPLICATIONS, VIEW)
# Training records are written by the actions in `training/actions/` (the admin's add forms and
# list actions call them); a recorded session, attendance or result is never edited by hand.
# "change" on a class plan means the workflow steps: file, approve, reject, close.
_TRAINING_READER = _all(TRAINING, VIEW)
_CLASS_DELIVERER = {
    **_TRAINING_READER,
    "training.classplan": WRITE,
    "training.classsession": ADD,
    "training.teacher": WRITE,
    "training.enrolment": ADD,
    "training.attendance": ADD,
    "training.absence": ADD,
    "training.assessment": ADD,
    "training.certificate": ADD,
}

# Roster entries and imports are written only by registration and import actions, never by hand.
# "change" on a change request or a declaration means deciding or confirming it through the
# registry's actions, which also check that the user's unit may (the owner, the asserting unit).
_DECIDE = frozenset({"view", "change"})
_REGISTRY_WRITER = {
    "registry.person": WRITE,
    "registry.personstatus": frozenset({"view", "add"}),
    "registry.rosterentry": VIEW,
    "registry.rosterimport": VIEW,
    "registry.personchangerequest": _DECIDE,
    "registry.declaredcategory": _DECIDE,
}
# Institutions and enterprises ask and declare; they decide nothing.
_REGISTRY_ASKER = {**_REGISTRY_WRITER, "registry.personchangerequest": VIEW, "registry.declaredcategory": VIEW}

PERMISSIONS: dict[str, dict[str, frozenset[str]]] = {
    Role.HR_STAFF: {
        **_APPLICANT,
        **_all(CLAIMS, VIEW),
        **_all(NOTICES, VIEW),
        **_all(FUNDS, VIEW),
        **_all(MATERIALS, WRITE),
        **_REGISTRY_WRITER,
        "organizations.organization": WRITE,
        **_all(REFERENCE, WRITE),
        "core.auditrecord": VIEW,
        "accounts.user": VIEW,
        **_CLASS_DELIVERER,
        "training.employment": ADD,
        "training.worktrainingmonth": ADD,
    },
    Role.DEPARTMENT_STAFF: {
        **_APPLICATION_READER,
        **_all(CLAIMS, VIEW),
        **_all(NOTICES, VIEW),
        **_all(MATERIALS, WRITE),
        **_REGISTRY_WRITER,
        "organizations.organization": VIEW,
        **_all(REFERENCE, VIEW),
        **_TRAINING_READER,
        "training.classplan": frozenset({"view", "change"}),
        "training.assessment": ADD,
        "training.employment": NONE,
        "training.worktrainingmonth": NONE,
        "funds.departmentbudget": WRITE,
    },
    Role.INSTITUTION_OPERATOR: {
        **_APPLICANT,
        **_all(CLAIMS, VIEW),
        **_all(MATERIALS, WRITE),
        **_REGISTRY_ASKER,
        "registry.personstatus": VIEW,
        "organizations.organization": VIEW,
        **_all(REFERENCE, VIEW),
        **_CLASS_DELIVERER,
        "training.employment": NONE,
        "training.worktrainingmonth": NONE,
    },
    Role.ENTERPRISE_OPERATOR: {
        **_APPLICANT,
        **_all(CLAIMS, VIEW),
        **_all(MATERIALS, WRITE),
        **_REGISTRY_ASKER,
        "registry.personstatus": VIEW,
        "organizations.organization": VIEW,
        **_all(REFERENCE, VIEW),
        "training.classplan": VIEW,
        "training.classsession": VIEW,
        "training.employment": ADD,
        "training.worktrainingmonth": ADD,
    },
    Role.FINANCE_OFFICER: {
        **_all(DOMAIN, VIEW),
        **_all(FUNDS, VIEW),
        "funds.transaction": ADD,
        "funds.departmentbudget": WRITE,
        # Payments (funds/payments.py): "add" creates and pays batches, "change" records the bank's
        # reference or cancels an unpaid line.
        "funds.paymentbatch": WRITE,
        "funds.paymentline": WRITE,
    },
    Role.AUDITOR: {
        **_all(DOMAIN, VIEW),
        **_all(NOTICES, VIEW),
        **_all(FUNDS, VIEW),
        "core.auditrecord": VIEW,
        "accounts.user": VIEW,
        **_all(SECURITY, VIEW),
    },
    Role.SYSADMIN: {
        **_APPLICATION_READER,
        **_all(CLAIMS, VIEW),
        **_all(MATERIALS, VIEW),
        **_REGISTRY_ASKER,
        "organizations.organization": WRITE,
        **_all(REFERENCE, WRITE),
        "core.auditrecord": VIEW,
        "accounts.user": WRITE,
        **_TRAINING_READER,
        **_all(SECURITY, VIEW),
        # Deleting a device makes its owner enrol again (audited by record_delete). Login records
        # are never deleted: unlocking is `accounts.actions.account_unlock`, with a reason.
        "otp_totp.totpdevice": frozenset({"view", "delete"}),
        "axes.accessattempt": frozenset({"view", "unlock"}),
    },
}

# The audit log is append-only for everyone, whatever the table above says.
_APPEND_ONLY = frozenset({"core.auditrecord"})


def allowed(user: Any, label: str, verb: str) -> bool:
    """May `user` perform `verb` on model `label` (e.g. "registry.person")? Unknown role: no."""
    role = role_of(user)
    if role is None:
        return False
    if label in _APPEND_ONLY and verb != "view":
        return False
    return verb in PERMISSIONS.get(role, {}).get(label, NONE)


def any_allowed(user: Any, label: str) -> bool:
    role = role_of(user)
    return bool(role and PERMISSIONS.get(role, {}).get(label))
