"""The review chain of §4.3.d as one table: which step moves an application from which status to
which, who may take it, and what no one may do twice on the same application.

    submitted → verified (the responsible department: authenticity of class plan, attendance,
    materials) → checked (the HR bureau: completeness and procedure) → in public notice → approved
    → paid (the finance bureau). A step may return the application for correction or reject it,
    with reasons. An objection during the notice is not a step: it holds the approval until the HR
    bureau, with the department, decides it (skillfund/notices); an upheld one sends the
    application back to the department ("reopen").

No one takes two of the deciding steps (DECIDING) on one application; whoever published the notice
does not approve. "publish", "pay" and "reopen" are internal: only the notice that is published
(notices.actions.notice_publish), the payment that books the ledger (funds/payments.py) and an
upheld objection's decision (notices.actions.objection_decide) take them.

Individual claims of special groups and entrepreneurship claims keep their existing, shorter
procedure (§4.3.e): submitted → checked → approved → paid, without department verification or
public notice. Every action reads this table; nothing else decides whether a step is allowed.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from skillfund.accounts.models import Role


class Status(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted")
    VERIFIED = "verified", _("verified by the department")
    CHECKED = "checked", _("checked by the HR bureau")
    IN_NOTICE = "in_notice", _("in public notice")
    APPROVED = "approved", _("approved")
    PAID = "paid", _("paid")
    RETURNED = "returned", _("returned for correction")
    REJECTED = "rejected", pgettext_lazy("review", "rejected")


class Path(models.TextChoices):
    FULL = "full", _("department → HR → notice → finance (§4.3.d)")
    SHORT = "short", _("existing procedure for special groups and entrepreneurship (§4.3.e)")


@dataclass(frozen=True)
class Step:
    name: str
    sources: dict[str, tuple[str, ...]]  # path → statuses the step starts from
    target: str
    roles: frozenset[str]
    clause: str
    own_department: bool = False  # the actor must belong to the application's department
    not_after: tuple[str, ...] = ()  # segregation of duties: not by whoever took these steps
    reason_required: bool = False
    internal: bool = False  # taken only by the one action named in the module docstring, never by a page or the API
    zh: str = ""
    en: str = ""


_BOTH = (Path.FULL, Path.SHORT)


def _from(*statuses: str, paths: tuple[str, ...] = _BOTH) -> dict[str, tuple[str, ...]]:
    return {p: statuses for p in paths}


APPLICANTS = frozenset({Role.INSTITUTION_OPERATOR, Role.ENTERPRISE_OPERATOR, Role.DEPARTMENT_STAFF, Role.HR_STAFF})
REVIEWERS = frozenset({Role.DEPARTMENT_STAFF, Role.HR_STAFF})
# The deciding steps: one person takes at most one of them on one application.
DECIDING = ("submit", "verify", "check", "approve", "pay")


def _others(step: str, *also: str) -> tuple[str, ...]:
    return tuple(s for s in DECIDING if s != step) + also


STEPS: dict[str, Step] = {
    s.name: s
    for s in (
        Step(
            "submit",
            _from(Status.DRAFT, Status.RETURNED),
            Status.SUBMITTED,
            APPLICANTS,
            "§4.3.d",
            not_after=_others("submit"),
            zh="提交申请",
            en="submit",
        ),
        Step(
            "verify",
            _from(Status.SUBMITTED, paths=(Path.FULL,)),
            Status.VERIFIED,
            frozenset({Role.DEPARTMENT_STAFF}),
            "§4.3.d",
            own_department=True,
            not_after=_others("verify"),
            zh="部门审核真实性",
            en="verify authenticity (department)",
        ),
        Step(
            "check",
            {Path.FULL: (Status.VERIFIED,), Path.SHORT: (Status.SUBMITTED,)},
            Status.CHECKED,
            frozenset({Role.HR_STAFF}),
            "§4.3.d",
            not_after=_others("check"),
            zh="人社部门复核完整性和程序性",
            en="check completeness and procedure (HR bureau)",
        ),
        Step(
            "publish",
            _from(Status.CHECKED, paths=(Path.FULL,)),
            Status.IN_NOTICE,
            frozenset({Role.HR_STAFF}),
            "§4.3.d",
            # Belongs with the check: the checker may publish. The approver cannot have published,
            # since approval comes after the notice (approve's not_after names "publish").
            internal=True,
            zh="公示",
            en="publish in the public notice",
        ),
        Step(
            "reopen",
            _from(Status.IN_NOTICE, paths=(Path.FULL,)),
            Status.SUBMITTED,
            frozenset({Role.HR_STAFF}),
            "§4.3.d",
            reason_required=True,
            internal=True,
            zh="异议成立，退回部门重新审核",
            en="objection upheld: back to the department",
        ),
        Step(
            "approve",
            {Path.FULL: (Status.IN_NOTICE,), Path.SHORT: (Status.CHECKED,)},
            Status.APPROVED,
            frozenset({Role.HR_STAFF}),
            "§4.3.d",
            not_after=_others("approve", "publish"),
            zh="批准",
            en="approve",
        ),
        Step(
            "pay",
            _from(Status.APPROVED),
            Status.PAID,
            frozenset({Role.FINANCE_OFFICER}),
            "§4.3.d",
            not_after=_others("pay"),
            internal=True,
            zh="财政核拨",
            en="pay (finance bureau)",
        ),
        Step(
            "return",
            _from(Status.SUBMITTED, Status.VERIFIED, Status.CHECKED),
            Status.RETURNED,
            REVIEWERS,
            "§4.3.d",
            reason_required=True,
            zh="退回补正",
            en="return for correction",
        ),
        Step(
            "reject",
            _from(Status.SUBMITTED, Status.VERIFIED, Status.CHECKED, Status.IN_NOTICE),
            Status.REJECTED,
            REVIEWERS,
            "§4.3.d",
            reason_required=True,
            zh="不予通过",
            en="reject",
        ),
    )
}
