"""The demo's workers (accounts/workers.py): one already bound to a mobile number, so a newcomer
signs in with the number and the code the console prints, and one registered person whose name
and ID number setup_demo prints, to try the first sign-in's real-name binding with another
number. Runs after the claims demo; binding goes through the real action. Idempotent."""

from __future__ import annotations

from django.utils import timezone

from skillfund.accounts import mobile
from skillfund.accounts.models import User
from skillfund.accounts.workers import _proof, worker_bind
from skillfund.claims.models import Application
from skillfund.registry import idnumbers
from skillfund.registry.models import Person

DEMO_MOBILE = "13900000001"  # bound at setup to a trainee with a grant this year
FIRST_SIGN_IN_MOBILE = "13900000002"  # not bound: bind it to the person printed by setup_demo


def _trainee_of(reference: str) -> Person | None:
    application = Application.objects.filter(reference=reference).first()
    claim = application.claims.order_by("pk").first() if application else None
    return claim.person if claim else None


def load_workers_demo() -> list[tuple[str, str, str]]:
    """Bind the demo worker; return the lines setup_demo prints (login, secret, label)."""
    year = timezone.localdate().year
    bound = _trainee_of(f"YS{year}-XM-01")  # approved this year: one subsidy used, waiting for payment
    unbound = _trainee_of(f"YS{year}-GR-01")  # an individual claim in review
    lines = []
    existing = User.objects.filter(mobile_index=mobile.index(DEMO_MOBILE)).select_related("person").first()
    if existing is None and bound is not None and not User.objects.filter(person=bound).exists():
        existing = worker_bind(
            proof=_proof(DEMO_MOBILE), id_number=idnumbers.decrypt(bound.id_cipher), name=bound.name, source="demo"
        )
    if existing is not None:  # bound now, or by an earlier year's setup
        label = f"劳动者 {existing.person.name}（/me/login/，验证码见控制台）/ worker: sign in at /me/login/"
        lines.append((DEMO_MOBILE, "SMS code", label))
    if unbound is not None and not User.objects.filter(person=unbound).exists():
        label = f"首次登录实名绑定 / first sign-in, bind to: {unbound.name} {idnumbers.decrypt(unbound.id_cipher)}"
        lines.append((FIRST_SIGN_IN_MOBILE, "SMS code", label))
    return lines
