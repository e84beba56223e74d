"""Work queues of the review chain (§4.3.d): per role, the applications waiting for each of its
steps (claims.selectors.waiting_for), with filters, counts, the days each has waited, and bulk
verify / check / approve / publish after a confirmation page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from skillfund.accounts.scoping import applications_visible_to, organizations_visible_to
from skillfund.claims import selectors
from skillfund.claims.models import Application, Claim
from skillfund.claims.review import applications_approve, applications_step, steps_refused
from skillfund.claims.workflow import STEPS
from skillfund.core.errors import DomainError
from skillfund.notices.actions import notice_publish
from skillfund.organizations.models import Organization
from skillfund.programme.selectors import home_region
from skillfund.regions.models import Region
from skillfund.web.review.common import PAGE_SIZE, query_without_page, reviewer_required, said
from skillfund.web.review.forms import BulkForm, PublishForm, QueueFilterForm, chosen_ids

ALL = "all"
QUEUE_LABELS = {
    "submit": _("To submit (drafts and returned)"),
    "verify": _("To verify"),
    "check": _("To check"),
    "publish": _("To publish in a notice"),
    "approve": _("To approve after the notice"),
    "pay": _("To pay"),
    ALL: _("All applications"),
}
# Steps a queue takes for many applications at once, each with the existing bulk action.
BULK_STEPS = ("verify", "check", "approve", "publish")
BULK_LIMIT = 500


def queues_of(user: Any) -> list[str]:
    """The queues a user works: one per forward step of the role (the auditor has none), then all."""
    steps = [s for s in selectors.work_steps(user) if s != "pay"]
    # Submitting is the applicant's step: a reviewer's own drafts come after the review queues.
    return [s for s in steps if s != "submit"] + [s for s in steps if s == "submit"] + [ALL]


def queue_queryset(user: Any, queue: str) -> QuerySet[Application]:
    visible = applications_visible_to(user)
    return visible if queue == ALL else visible.filter(selectors.waiting_for(user, queue))


def districts() -> list[tuple[str, str]]:
    """The banners and districts of the deployment's city (GB/T 2260 county level)."""
    region = home_region() or ""
    prefix = region.rstrip("0")[:4] if region else ""
    if len(prefix) < 2:
        return []
    rows = Region.objects.filter(level=Region.Level.COUNTY, code__startswith=prefix).order_by("code")
    return [(r.code, r.name) for r in rows.only("code", "name")]


def _departments(user: Any) -> QuerySet[Organization]:
    return organizations_visible_to(user).filter(kind=Organization.Kind.GOVERNMENT).order_by("name")


def _filtered(queryset: QuerySet[Application], filters: dict[str, Any]) -> QuerySet[Application]:
    if "kind" in filters:
        queryset = queryset.filter(kind=filters["kind"])
    if "department" in filters:
        queryset = queryset.filter(department=filters["department"])
    if "status" in filters:
        queryset = queryset.filter(status=filters["status"])
    if "district" in filters:
        queryset = queryset.filter(
            Exists(Claim.objects.filter(application_id=OuterRef("pk"), training_region=filters["district"]))
        )
    if "since" in filters:
        queryset = queryset.filter(waiting_since__date__gte=filters["since"])
    if "until" in filters:
        queryset = queryset.filter(waiting_since__date__lte=filters["until"])
    return queryset


def _rows(page: Any) -> None:
    today = timezone.localdate()
    for application in page:
        application.age_days = (today - timezone.localdate(application.waiting_since)).days


@reviewer_required
def queue(request: HttpRequest) -> HttpResponse:
    user = request.user
    queues = queues_of(user)
    current = request.GET.get("queue") or queues[0]
    if current not in queues:
        current = queues[0]
    form = QueueFilterForm(
        request.GET or None, departments=_departments(user), districts=districts(), with_status=current == ALL
    )
    filters = form.valid_filters() if request.GET else {}
    counts = [(q, QUEUE_LABELS[q], queue_queryset(user, q).count()) for q in queues]
    listed = _filtered(selectors.with_waiting_since(queue_queryset(user, current)), filters)
    listed = listed.select_related("department", "applicant", "person")
    order = ("-waiting_since", "-pk") if current == ALL else ("waiting_since", "pk")  # a queue: oldest first
    paginator = Paginator(listed.order_by(*order), PAGE_SIZE)
    if not filters:  # the queue's count above, not a second COUNT of the same rows
        paginator.count = next(n for q, _label, n in counts if q == current)
    page = paginator.get_page(request.GET.get("page"))
    selectors.set_amounts(list(page))  # the page's rows only, not those its OFFSET skips
    _rows(page)
    context = {
        "queues": counts,
        "current": current,
        "current_label": QUEUE_LABELS[current],
        "form": form,
        "page": page,
        "query": query_without_page(request),
        "bulk_step": current if current in BULK_STEPS else "",
        "bulk_label": STEPS[current].zh if current in STEPS else "",
    }
    return render(request, "web/review/queue.html", context)


def _chosen(request: HttpRequest) -> list[Application]:
    ids = chosen_ids(request.POST.getlist("ids"), BULK_LIMIT)
    found = (
        applications_visible_to(request.user)
        .filter(pk__in=ids)
        .select_related("department", "applicant", "person")
        .order_by("pk")
    )
    return list(selectors.with_amounts(found))


@require_POST
@reviewer_required
def bulk(request: HttpRequest, step: str) -> HttpResponse:
    """Confirm, then take one step for the chosen applications with the bulk actions (all or
    nothing: the page first names any application the action would refuse)."""
    if step not in BULK_STEPS:
        raise Http404
    user = request.user
    chosen = _chosen(request)
    back = reverse("web:review:queue") + f"?queue={step}"
    if not chosen:
        messages.warning(request, _("Choose at least one application."))
        return redirect(back)
    confirming = request.POST.get("confirm") == "1"
    form = (PublishForm if step == "publish" else BulkForm)(
        request.POST if confirming else None, initial=_publish_initial(user, chosen) if step == "publish" else None
    )
    # What the action would refuse, read now (the action reads it again under the row locks).
    refusals = steps_refused(applications=chosen, step=step, actor=user, internal=step == "publish")
    refused = {pk: said(exc) for pk, exc in refusals.items()}
    if confirming and form.is_valid() and not refused:
        try:
            done = _take(step, chosen, user, form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, said(exc))
        else:
            messages.success(request, done)
            return redirect(back)
    for application in chosen:
        application.refusal = refused.get(application.pk, "")
    context = {
        "step": step,
        "step_label": QUEUE_LABELS[step],
        "chosen": chosen,
        "refused": len(refused),
        "form": form,
        "back": back,
    }
    return render(request, "web/review/bulk_confirm.html", context, status=400 if form.errors else 200)


def _publish_initial(user: Any, chosen: list[Application]) -> dict[str, str]:
    units = sorted({a.department.short_name or a.department.name for a in chosen})
    office = user.organization
    phone = getattr(office, "contact_phone", "") if office else ""
    return {
        "title": f"职业技能培训补贴公示（{'、'.join(units)}）",
        "contact": f"{office.name} 电话 {phone}" if office is not None and phone else "",
    }


def _take(step: str, chosen: list[Application], user: Any, data: dict[str, Any]) -> str:
    if step == "publish":
        notice = notice_publish(applications=chosen, actor=user, title=data["title"], contact=data["contact"])
        return _("Published %(reference)s: open %(opens)s to %(closes)s.") % {
            "reference": notice.reference,
            "opens": notice.opens_on,
            "closes": notice.closes_on,
        }
    if step == "approve":
        applications_approve(applications=chosen, actor=user, reason=data["reason"])
    else:
        applications_step(applications=chosen, step=step, actor=user, reason=data["reason"])
    return _("%(step)s: %(count)d applications.") % {"step": QUEUE_LABELS[step], "count": len(chosen)}
