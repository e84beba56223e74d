"""The finance pages' entries in the signed-in navigation (skillfund.web.nav)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from skillfund.web.nav import Entry


def entries(user) -> list[Entry]:
    from skillfund.web.finance.views import may_pay, may_set_own_account

    if may_set_own_account(user):
        return [
            Entry(
                _("Bank account for subsidies"),
                reverse("web:finance:own_account"),
                _("The account your organization's subsidies are paid to (shown masked)"),
            )
        ]
    if not may_pay(user):
        return []
    return [
        Entry(
            _("Ready to pay"),
            reverse("web:finance:payable"),
            _("Approved applications waiting for payment: choose some and create a payment batch (§4.3.d)"),
        ),
        Entry(
            _("Payment batches"),
            reverse("web:finance:batches"),
            _("Review, confirm with the second factor, pay, download the bank file, record bank references"),
        ),
    ]
