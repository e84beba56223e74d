"""The enterprise pages' entries in the signed-in navigation (skillfund.web.nav)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from skillfund.accounts.models import Role
from skillfund.accounts.scoping import role_of
from skillfund.web.nav import Entry


def entries(user) -> list[Entry]:
    if role_of(user) != Role.ENTERPRISE_OPERATOR:
        return []
    return [
        Entry(
            _("Training through work (以工代训)"),
            reverse("web:enterprise:employments"),
            _("Employments, monthly on-the-job training records and their claim, at most 6 months (§3.3.g)"),
        ),
        Entry(
            _("Subsidy claims"),
            reverse("web:enterprise:claims"),
            _("Your applications: employee training (§3.1.2) and 以工代训, their review, returns and decisions"),
        ),
    ]
