"""Objections to public notices (§4.3.d): by group, with their receipt numbers and outcomes; the
HR bureau records the decision with the department's opinion (notices.actions.objection_decide)."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from skillfund.accounts.models import Role
from skillfund.accounts.scoping import objections_visible_to, role_of
from skillfund.core.errors import DomainError
from skillfund.notices import selectors as notice_selectors
from skillfund.notices.actions import objection_decide
from skillfund.web.review.common import page_of, query_without_page, reviewer_required, said
from skillfund.web.review.forms import ObjectionDecideForm

OUTCOMES = {
    "undecided": _("Awaiting a decision"),
    "decided": _("Decided"),
    "all": _("All objections"),
}


def _filter(queryset, outcome: str):
    if outcome == "undecided":
        return queryset.filter(group__isnull=False, group__decision__isnull=True)
    if outcome == "decided":
        return queryset.filter(Q(group__isnull=True) | Q(group__decision__isnull=False))
    return queryset


@reviewer_required
def queue(request: HttpRequest) -> HttpResponse:
    user = request.user
    outcome = request.GET.get("outcome") if request.GET.get("outcome") in OUTCOMES else "undecided"
    visible = objections_visible_to(user)
    counts = [(key, label, _filter(visible, key).count()) for key, label in OUTCOMES.items()]
    listed = (
        _filter(visible, outcome)
        .select_related("notice", "entry", "application", "group__decision")
        .annotate(group_size=Count("group__objections"))
        .order_by("group_id", "filed_at", "pk")
    )
    page = page_of(request, listed)
    today = timezone.localdate()
    for objection in page:
        objection.age_days = (today - timezone.localdate(objection.filed_at)).days
        objection.outcome = notice_selectors.objection_outcome_label(objection)
        objection.undecided = notice_selectors.objection_outcome(objection) == "undecided"
    context = {
        "queues": counts,
        "current": outcome,
        "page": page,
        "query": query_without_page(request),
        "may_decide": role_of(user) == Role.HR_STAFF,
    }
    return render(request, "web/review/objections.html", context)


@reviewer_required
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    """The objection and its group; for the HR bureau, the decision form (the action refuses anyone
    else, a missing reason or opinion, and a group already decided)."""
    user = request.user
    objection = get_object_or_404(
        objections_visible_to(user).select_related("notice", "entry", "application", "group__decision"), pk=pk
    )
    group = list(objection.group.objections.order_by("filed_at")) if objection.group_id else [objection]
    undecided = notice_selectors.objection_outcome(objection) == "undecided"
    may_decide = role_of(user) == Role.HR_STAFF and undecided
    form = ObjectionDecideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            objection_decide(objection=objection, actor=user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error("reason" if exc.code == "reason_required" else None, said(exc))
        else:
            messages.success(request, f"{objection.receipt}: {_('decided')} ✓")
            return redirect("web:review:objections")
    context = {
        "objection": objection,
        "group": group,
        "outcome": notice_selectors.objection_outcome_label(objection),
        "decision": getattr(objection.group, "decision", None) if objection.group_id else None,
        "may_decide": may_decide,
        "form": form,
    }
    return render(request, "web/review/objection.html", context, status=400 if form.errors else 200)
