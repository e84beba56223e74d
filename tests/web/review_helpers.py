"""The people and applications the review page tests share."""

from __future__ import annotations

from skillfund.accounts.models import Role
from skillfund.claims.actions import claim_decide
from skillfund.claims.models import Application
from skillfund.claims.review import application_create, application_step
from tests.factories import DepartmentFactory, OrganizationFactory, UserFactory
from tests.test_review_chain import _claim


def make_world():
    """A department (and another), an institution, HR staff, an auditor and finance."""
    department, institution = DepartmentFactory(short_name="市退役军人事务局"), OrganizationFactory()
    people = {
        "institution": UserFactory(role=Role.INSTITUTION_OPERATOR, organization=institution),
        "department": UserFactory(role=Role.DEPARTMENT_STAFF, organization=department),
        "other_department": UserFactory(role=Role.DEPARTMENT_STAFF, organization=DepartmentFactory()),
        "hr": UserFactory(role=Role.HR_STAFF),
        "hr_approver": UserFactory(role=Role.HR_STAFF),
        "auditor": UserFactory(role=Role.AUDITOR),
        "finance": UserFactory(role=Role.FINANCE_OFFICER),
    }
    return department, institution, people


def submitted(world, n: int = 1, *, claims: int = 1) -> list[Application]:
    """Applications submitted by the institution, each claim decided by the rules."""
    department, institution, people = world
    made = []
    for _i in range(n):
        lines = [_claim() for _c in range(claims)]
        for claim in lines:
            claim_decide(claim=claim, actor=None)
        application = application_create(
            kind=Application.Kind.PROJECT,
            department=department,
            applicant=institution,
            claims=lines,
            actor=people["institution"],
        )
        made.append(application_step(application=application, step="submit", actor=people["institution"]))
    return made
