"""Which steps a user may take on a class plan now — read from the same checks the actions make
(`_ensure_acts_for`, the plan's status, the decider rule), so a page never offers what the action
would refuse. The actions still check everything themselves."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone

from skillfund.core.errors import DomainError
from skillfund.training.actions._shared import _ensure_acts_for
from skillfund.training.actions.plans import EDITABLE, may_decide
from skillfund.training.actions.results import RAN
from skillfund.training.models import ClassPlan

EDIT = "edit"  # change the plan's fields (class_plan_update)
SCHEDULE = "schedule"  # generate, edit or delete sessions (class_plan_schedule, class_session_update/delete)
FILE = "file"  # file with the department (class_plan_file)
DECIDE = "decide"  # approve or return (the department's pages)
ENROL = "enrol"  # enrol trainees, import a roster (enrolment_create)
ATTENDANCE = "attendance"  # the attendance sheet of a session (session_attendance_record)
RESULTS = "results"  # assessments and certificates (assessment_record, certificate_record)


def _acts_for(user: Any, *organizations: Any) -> bool:
    try:
        _ensure_acts_for(user, *organizations, record=("", ""))
    except DomainError:
        return False
    return True


def plan_steps(*, user: Any, plan: ClassPlan, today: date | None = None) -> frozenset[str]:
    """The steps `user` may take on `plan` today (`user` is a signed-in person, never the platform)."""
    if getattr(user, "pk", None) is None:
        return frozenset()
    today = today or timezone.localdate()
    steps: set[str] = set()
    delivers = _acts_for(user, plan.institution)
    if delivers and plan.status in EDITABLE:
        steps |= {EDIT, SCHEDULE}
        if today < plan.start_date:
            steps.add(FILE)
    if plan.status == ClassPlan.Status.FILED and may_decide(user, plan):
        steps.add(DECIDE)
    if delivers and plan.status == ClassPlan.Status.APPROVED:
        steps.add(ATTENDANCE)
        if today <= plan.end_date:
            steps.add(ENROL)
    if plan.status in RAN and _acts_for(user, plan.institution, plan.department):
        steps.add(RESULTS)
    return frozenset(steps)
