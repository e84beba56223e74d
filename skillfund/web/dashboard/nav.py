"""The dashboard pages' entries in the signed-in navigation (skillfund.web.nav)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from skillfund.programme.actions import may_record_workforce
from skillfund.reports.progress import city_wide, may_read
from skillfund.web.nav import Entry


def entries(user) -> list[Entry]:
    if not may_read(user):
        return []
    found = [
        Entry(
            _("Targets and progress"),
            reverse("web:dashboard:progress"),
            _("Person-times against the stage, annex and §2.b targets, with the year-end forecast")
            if city_wide(user)
            else _("Your department's person-times against its annual task (Annex)"),
        )
    ]
    if city_wide(user):
        found.append(
            Entry(
                _("Employed-person figures"),
                reverse("web:dashboard:workforce"),
                _("The yearly base of the §2.b skill ratios")
                if may_record_workforce(user)
                else _("The yearly base of the §2.b skill ratios (read-only)"),
            )
        )
    return found
