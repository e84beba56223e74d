"""What each audit action is called on the page (the log keeps the stable code, e.g. application.pay)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from skillfund.claims.workflow import STEPS
from skillfund.web.review.common import english

LEDGER = _("ledger transaction")
NAMES = {
    "account.unlock": _("account unlocked"),
    "application.create": _("application created"),
    "assessment.record": _("assessment recorded"),
    "attendance.record": _("attendance recorded"),
    "audit.export": _("audit log exported"),
    "budget.approve": _("budget approved"),
    "budget.resubmit": _("budget resubmitted"),
    "budget.submit": _("budget submitted"),
    "catalog.load": _("catalog loaded"),
    "catalog.occupations_load": _("occupations loaded"),
    "certificate.record": _("certificate recorded"),
    "claim.decide": _("claim decided by the rules"),
    "claim.submit": _("claim submitted"),
    "claims.evaluate": _("claims evaluated in a batch"),
    "claims.grant": _("claims granted (quota consumed)"),
    "class_plan.add_session": _("class session added"),
    "class_plan.approve": _("class plan approved"),
    "class_plan.close": _("class plan closed"),
    "class_plan.create": _("class plan created"),
    "class_plan.file": _("class plan filed"),
    "class_plan.reject": _("class plan returned"),
    "declaration.confirm": _("declared category confirmed"),
    "employment.create": _("employment recorded"),
    "enrolment.create": _("trainee enrolled"),
    "enrolment.withdraw": _("trainee withdrawn"),
    "grants.history_import": _("past subsidies imported"),
    "material.download": _("material downloaded"),
    "material.upload": _("material uploaded"),
    "material.withdraw": _("material withdrawn"),
    "notice.object": _("objection filed"),
    "notice.publish": _("public notice published"),
    "objection.decide": _("objection decided"),
    "organization.set_status": _("organization status changed"),
    "payment.bank_reference": _("bank reference recorded"),
    "payment.batch_create": _("payment batch created"),
    "payment.line_cancel": _("payment line taken out"),
    "person.change_accept": _("change to a person's record accepted"),
    "person.change_reject": _("change to a person's record rejected"),
    "person.change_request": _("change to a person's record requested"),
    "person.register": _("person registered"),
    "person.register_existing": _("known person linked to a roster"),
    "person.reveal_id": _("full ID number revealed"),
    "person.status_add": _("status recorded"),
    "person.update": _("person's record updated"),
    "programme.load": _("programme loaded"),
    "regions.load": _("regions loaded"),
    "roster.import": _("roster imported"),
    "user.create": _("user created"),
    "user.role_change": _("user's role changed"),
    "user.set_password": _("password set"),
    "user.totp_enrol": _("second factor enrolled"),
    "user.update": _("user updated"),
    "work_training_month.record": _("training-through-work month recorded"),
}


def action_name(code: str) -> str:
    """The action's name in the user's language; the code itself when it has none."""
    if code in NAMES:
        return str(NAMES[code])
    area, _dot, verb = code.partition(".")
    if area == "application" and verb in STEPS:
        step = STEPS[verb]
        return step.en if english() else step.zh
    if area == "funds":
        return f"{LEDGER}: {verb}"
    return code
