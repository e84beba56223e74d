"""The review chain of §4.3.d as one table: which step moves an application from which status to
which, who may take it, and what no one may do twice on the same application.

    submitted → verified (the responsible department: authenticity of class plan, attendance,
    materials) → checked (the HR bureau: completeness and procedure) → in public notice → approved
    → paid (the finance bureau). A step may return the application for correction or reject it,
    with reasons; an objection during the notice reopens it for the department to verify again.

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
    public: bool = False  # anyone may take it, signed in or not (an objection to a public notice)
    zh: str = ""
    en: str = ""


_BOTH = (Path.FULL, Path.SHORT)


def _from(*statuses: str, paths: tuple[str, ...] = _BOTH) -> dict[str, tuple[str, ...]]:
    return {p: statuses for p in paths}


APPLICANTS = frozenset({Role.INSTITUTION_OPERATOR, Role.ENTERPRISE_OPERATOR, Role.DEPARTMENT_STAFF, Role.HR_STAFF})
REVIEWERS = frozenset({Role.DEPARTMENT_STAFF, Role.HR_STAFF})

STEPS: dict[str, Step] = {
    s.name: s
    for s in (
        Step(
            "submit",
            _from(Status.DRAFT, Status.RETURNED),
            Status.SUBMITTED,
            APPLICANTS,
            "§4.3.d",
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
            zh="部门审核真实性",
            en="verify authenticity (department)",
        ),
        Step(
            "check",
            {Path.FULL: (Status.VERIFIED,), Path.SHORT: (Status.SUBMITTED,)},
            Status.CHECKED,
            frozenset({Role.HR_STAFF}),
            "§4.3.d",
            not_after=("verify",),
            zh="人社部门复核完整性和程序性",
            en="check completeness and procedure (HR bureau)",
        ),
        Step(
            "publish",
            _from(Status.CHECKED, paths=(Path.FULL,)),
            Status.IN_NOTICE,
            frozenset({Role.HR_STAFF}),
            "§4.3.d",
            zh="公示",
            en="publish in the public notice",
        ),
        Step(
            "object",
            _from(Status.IN_NOTICE, paths=(Path.FULL,)),
            Status.SUBMITTED,
            frozenset(Role.values),
            "§4.3.d",
            reason_required=True,
            public=True,
            zh="公示期内提出异议，退回部门重新审核",
            en="objection during the notice: back to the department",
        ),
        Step(
            "approve",
            {Path.FULL: (Status.IN_NOTICE,), Path.SHORT: (Status.CHECKED,)},
            Status.APPROVED,
            frozenset({Role.HR_STAFF}),
            "§4.3.d",
            zh="批准",
            en="approve",
        ),
        Step(
            "pay",
            _from(Status.APPROVED),
            Status.PAID,
            frozenset({Role.FINANCE_OFFICER}),
            "§4.3.d",
            not_after=("check",),
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
