"""The worker pages' entries in the signed-in navigation (skillfund.web.nav): a worker's own
voucher, the classes open to them and their claims; nothing for staff."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from skillfund.accounts.models import Role
from skillfund.web.nav import Entry


def entries(user) -> list[Entry]:
    if getattr(user, "role", None) != Role.WORKER:
        return []
    return [
        Entry(
            _("My training voucher"), reverse("web:worker:home"), _("Your statuses and the subsidies left this year")
        ),
        Entry(
            _("Classes for me"), reverse("web:worker:classes"), _("Open classes near you, with what the rules decide")
        ),
        Entry(_("My claims"), reverse("web:worker:claims"), _("Claims, decisions with their clauses, and payments")),
    ]
