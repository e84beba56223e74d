"""The review pages' entries in the signed-in navigation (skillfund.web.nav)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from skillfund.accounts.models import Role
from skillfund.accounts.scoping import AUDIT_READERS, role_of
from skillfund.web.nav import Entry


def entries(user) -> list[Entry]:
    role = role_of(user)
    found: list[Entry] = []
    if role == Role.DEPARTMENT_STAFF:
        found += [
            Entry(
                _("Applications to verify"),
                reverse("web:review:queue"),
                _("Applications submitted to your department: verify, return or reject (§4.3.d)"),
            ),
            Entry(
                _("Class plans to approve"),
                reverse("web:review:plans"),
                _("Class plans filed with your department, before the class starts (§4.3.d)"),
            ),
            Entry(
                _("Objections"),
                reverse("web:review:objections"),
                _("Objections to your applications in public notice, and their decisions"),
            ),
        ]
    elif role == Role.HR_STAFF:
        found += [
            Entry(
                _("Review queues"),
                reverse("web:review:queue"),
                _("Check, publish in a public notice, approve after the notice (§4.3.d)"),
            ),
            Entry(
                _("Objections"),
                reverse("web:review:objections"),
                _("Objections with their receipt numbers: decide them with the department"),
            ),
            Entry(_("Class plans"), reverse("web:review:plans"), _("Class plans filed with the departments")),
        ]
    elif role == Role.AUDITOR:
        found += [
            Entry(
                _("Applications"), reverse("web:review:queue"), _("Every application and its review steps (read-only)")
            ),
            Entry(_("Objections"), reverse("web:review:objections"), _("Objections and their decisions (read-only)")),
        ]
    if role in AUDIT_READERS and role != Role.SYSADMIN:
        found.append(
            Entry(_("Audit log"), reverse("web:review:audit"), _("Who did what, when; verify the audit chain (§4.3.c)"))
        )
    return found
