"""The institution pages' entries in the signed-in navigation (skillfund.web.nav)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from skillfund.accounts.models import Role
from skillfund.accounts.scoping import role_of
from skillfund.web.nav import Entry


def entries(user) -> list[Entry]:
    if role_of(user) != Role.INSTITUTION_OPERATOR:
        return []
    return [
        Entry(
            _("Class plans"),
            reverse("web:institution:plan_list"),
            _("Plan a class, generate its sessions, file it; then roster, attendance, results (§4.3.d)"),
        ),
        Entry(
            _("Subsidy claims"),
            reverse("web:institution:claims"),
            _("Apply for your classes' certified trainees, add materials, follow the review (§4.3.d)"),
        ),
    ]
