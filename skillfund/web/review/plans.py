"""Class plans filed with a department, to approve or return before the class starts (§4.3.d):
the queue, the plan with its sessions and materials, and the decision (training actions/plans.py)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from skillfund.accounts.scoping import class_plans_visible_to, visible
from skillfund.core.errors import DomainError
from skillfund.materials.models import Material
from skillfund.training.actions.plans import class_plan_approve, class_plan_reject, may_decide
from skillfund.training.models import ClassPlan
from skillfund.web.review.common import occupation_name, page_of, query_without_page, reviewer_required, said
from skillfund.web.review.forms import PlanDecisionForm, PlanFilterForm
from skillfund.web.review.queues import districts

FILED, ALL = "filed", "all"
QUEUES = {FILED: _("Filed, waiting for a decision"), ALL: _("All class plans")}


def _plans(user: Any) -> Any:
    return class_plans_visible_to(user).select_related("institution", "catalog_item__occupation", "department")


@reviewer_required
def queue(request: HttpRequest) -> HttpResponse:
    user = request.user
    current = request.GET.get("queue") if request.GET.get("queue") in QUEUES else FILED
    counts = [
        (FILED, QUEUES[FILED], _plans(user).filter(status=ClassPlan.Status.FILED).count()),
        (ALL, QUEUES[ALL], _plans(user).count()),
    ]
    form = PlanFilterForm(request.GET or None, districts=districts())
    filters = form.valid_filters() if request.GET else {}
    listed = _plans(user)
    if "district" in filters:
        listed = listed.filter(region=filters["district"])
    if "since" in filters:
        listed = listed.filter(start_date__gte=filters["since"])
    if "until" in filters:
        listed = listed.filter(start_date__lte=filters["until"])
    if current == FILED:
        listed = listed.filter(status=ClassPlan.Status.FILED).order_by("filed_at", "pk")
    else:
        listed = listed.order_by("-start_date", "code")
    page = page_of(request, listed)
    today = timezone.localdate()
    for plan in page:
        plan.age_days = (today - timezone.localdate(plan.filed_at)).days if plan.filed_at else None
        plan.starts_in = (plan.start_date - today).days
    context = {"queues": counts, "current": current, "form": form, "page": page, "query": query_without_page(request)}
    return render(request, "web/review/plans.html", context)


def _render(request: HttpRequest, plan: ClassPlan, form: PlanDecisionForm, status: int = 200) -> HttpResponse:
    sessions = plan.sessions.aggregate(n=Count("id"), hours=Sum("hours"))
    materials = visible(Material, request.user).filter(
        linked_type=ContentType.objects.get_for_model(ClassPlan), linked_id=plan.pk, withdrawn_at__isnull=True
    )
    context = {
        "plan": plan,
        "occupation": occupation_name(plan.catalog_item.occupation),
        "sessions": sessions,
        "session_list": list(plan.sessions.order_by("starts_at")[:200]),
        "materials": list(materials),
        # A filed plan (a draft accepted late stays the back office's exception).
        "may_decide": plan.status == ClassPlan.Status.FILED and may_decide(request.user, plan),
        "late": timezone.localdate() >= plan.start_date,
        "form": form,
    }
    return render(request, "web/review/plan.html", context, status=status)


@reviewer_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_object_or_404(_plans(request.user), pk=pk)  # another department's plan: 404
    form = PlanDecisionForm(request.POST or None)
    if request.method != "POST":
        return _render(request, plan, form)
    if form.is_valid():
        reason = form.cleaned_data["reason"]
        try:
            if form.cleaned_data["decision"] == "approve":
                class_plan_approve(class_plan=plan, actor=request.user, late_reason=reason)
            else:
                class_plan_reject(class_plan=plan, actor=request.user, reason=reason)
        except DomainError as exc:
            field = getattr(exc, "field", "")
            form.add_error("reason" if field in ("reason", "late_reason") else None, said(exc))
        else:
            messages.success(request, f"{plan.code}: {_('decided')} ✓")
            return redirect("web:review:plans")
    return _render(request, plan, form, status=400)
