"""The worker's own pages (/me/), made for a phone: the electronic training voucher (培训券).

Every page reads the signed-in worker's bound person (request.user.person) and nothing else: no
id in a URL can name another person's record (a claim id that is not theirs is a 404).
"""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from skillfund.accounts.models import Role
from skillfund.catalog.models import SkillLevel
from skillfund.claims import quota, voucher
from skillfund.claims.decisions import decision_lines
from skillfund.claims.preview import class_previews
from skillfund.core.errors import DomainError
from skillfund.regions.models import Region
from skillfund.registry.models import PersonStatus
from skillfund.training import selectors as training
from skillfund.training.actions.enrolment import worker_enrol
from skillfund.training.models import ClassPlan, Enrolment

PAGE = 10
# Open classes decided for a worker at once: the whole city's open classes are a few hundred at
# most; beyond this the nearest are shown.
CANDIDATES = 300


def worker_required(view):
    """Signed in as a worker: else the worker sign-in (anonymous) or 403 (staff)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("web:worker:login"))
        if user.role != Role.WORKER or user.person_id is None:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _english() -> bool:
    return (get_language() or "").startswith("en")


def _text(zh: str, en: str) -> str:
    return en if _english() else zh


def _region_names(codes: set[str]) -> dict[str, str]:
    rows = Region.objects.filter(code__in=codes).values_list("code", "name", "name_en")
    return {code: (name_en or name) if _english() else name for code, name, name_en in rows}


def _level(level: int | None) -> str:
    return str(dict(SkillLevel.choices).get(level, "")) if level else ""


@worker_required
def home(request: HttpRequest) -> HttpResponse:
    person = request.user.person
    today = timezone.localdate()
    statuses = list(PersonStatus.objects.filter(person=person).select_related("source_org").order_by("-valid_from"))
    for status in statuses:
        status.current = status.valid_from <= today and (status.valid_to is None or status.valid_to >= today)
    enrolments = list(
        Enrolment.objects.filter(person=person, status=Enrolment.Status.ENROLLED, class_plan__end_date__gte=today)
        .select_related("class_plan__catalog_item", "class_plan__institution")
        .order_by("class_plan__start_date")
    )
    context = {
        "person": person,
        "statuses": statuses,
        "quota": quota.year_quota(person, on=today),
        "subsidized": quota.subsidized(person),
        "enrolments": enrolments,
        "today": today,
    }
    return render(request, "web/worker/home.html", context)


@worker_required
def classes(request: HttpRequest) -> HttpResponse:
    """Open classes near the worker, each with what the rules would decide for them; those they
    are eligible for first (all of them with ?show=all)."""
    person = request.user.person
    today = timezone.localdate()
    show_all = request.GET.get("show") == "all"
    plans = list(training.classes_open_to(person, today=today)[:CANDIDATES])
    decided = [_Offer(plan, preview) for plan, preview in zip(plans, class_previews(person, plans), strict=True)]
    eligible = [o for o in decided if o.preview["eligible"]]
    shown = decided if show_all else eligible
    page = Paginator(shown, PAGE).get_page(request.GET.get("page"))
    names = _region_names({o.plan.region for o in page.object_list})
    for offer in page.object_list:
        offer.region_name = names.get(offer.plan.region, offer.plan.region)
    context = {
        "page": page,
        "eligible_count": len(eligible),
        "open_count": len(decided),
        "show_all": show_all,
        "english": _english(),
    }
    return render(request, "web/worker/classes.html", context)


class _Offer:
    def __init__(self, plan: ClassPlan, preview: dict[str, Any]) -> None:
        self.plan, self.preview = plan, preview
        self.places_left = plan.capacity - plan.taken
        self.level = _level(plan.catalog_item.level)
        self.region_name = plan.region
        english = _english()
        self.checks = [
            {"clause": c["clause"], "status": c["status"], "text": c["en"] if english else c["zh"]}
            for c in preview["checks"]
        ]
        self.failed = [c for c in self.checks if c["status"] == "fail"]


@require_POST
@worker_required
def enrol(request: HttpRequest, pk: int) -> HttpResponse:
    plan = ClassPlan.objects.filter(pk=pk).first() if 0 < pk < 2**63 else None
    if plan is None:
        raise Http404
    try:
        worker_enrol(class_plan=plan, actor=request.user)
    except DomainError as exc:
        # A training refusal names the record and field for staff ("开班计划 X 学员 Y（person）：…");
        # the worker is shown the class and the reason.
        zh, en = exc.zh.split("：", 1)[-1], exc.en.split(": ", 1)[-1]
        messages.error(request, f"{plan.code}：{_text(zh, en)}" if not _english() else f"{plan.code}: {en}")
        return redirect("web:worker:classes")
    messages.success(
        request, _("You are enrolled in %(code)s. The institution will contact you.") % {"code": plan.code}
    )
    return redirect("web:worker:home")


@worker_required
def claims(request: HttpRequest) -> HttpResponse:
    person = request.user.person
    page = Paginator(voucher.person_claims(person), PAGE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    latest = voucher.latest_decisions(rows)
    items = [{"claim": c, "decision": latest.get(c.pk), "level": _level(c.level)} for c in rows]
    payments = list(voucher.person_payments(person)[:PAGE])
    context = {"page": page, "items": items, "payments": payments}
    return render(request, "web/worker/claims.html", context)


@worker_required
def claim(request: HttpRequest, pk: int) -> HttpResponse:
    person = request.user.person
    found = voucher.own_claim(person, pk)
    if found is None:
        raise Http404
    decision = voucher.latest_decisions([found]).get(found.pk)
    english = _english()
    lines = []
    if decision is not None:
        lines = [
            {"clause": line.clause, "status": line.status, "text": line.en if english else line.zh}
            for line in decision_lines(decision)
            if line.status != "not_applicable"
        ]
    events = []
    if found.application_id is not None:
        events = list(found.application.events.order_by("at", "id").values("step", "to_status", "at"))
        statuses = dict(found.application._meta.get_field("status").choices)
        for event in events:
            event["status_name"] = statuses.get(event["to_status"], event["to_status"])
    context = {
        "claim": found,
        "decision": decision,
        "lines": lines,
        "events": events,
        "payment": voucher.claim_payment(found),
        "level": _level(found.level),
    }
    return render(request, "web/worker/claim.html", context)
