"""Public pages of the notices (公示): no sign-in. They show only the frozen, masked entries a
notice stores, take objections through `actions.objection_file` (which holds every rule, the rate
limits included) behind an offline challenge (django-simple-captcha), and let an objector follow
the outcome by receipt number."""

from __future__ import annotations

from axes.helpers import get_client_ip_address
from captcha.fields import CaptchaField
from django import forms
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from skillfund.core.errors import DomainError
from skillfund.notices import limits, pdf, selectors
from skillfund.notices.actions import CONTACT_MAX_CHARS, OBJECTION_MAX_CHARS, objection_file
from skillfund.notices.models import Notice

ENTRIES_PER_PAGE = 100


class ObjectionForm(forms.Form):
    entry = forms.TypedChoiceField(label=_("Which line"), coerce=int)
    text = forms.CharField(
        label=_("Your objection"), max_length=OBJECTION_MAX_CHARS, widget=forms.Textarea(attrs={"rows": 4})
    )
    contact = forms.CharField(
        label=_("Your contact (optional)"),
        max_length=CONTACT_MAX_CHARS,
        required=False,
        help_text=_("A telephone number or address, if you want an answer"),
    )
    captcha = CaptchaField(label=_("Type the characters in the picture"))

    def __init__(self, *args, entries: list[tuple[int, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["entry"].choices = [("", "—"), *entries]


def _message(error: DomainError) -> str:
    return error.en if (get_language() or "").startswith("en") else error.zh


def _notice_or_404(reference: str) -> Notice:
    notice = selectors.notice_for_public(reference)
    if notice is None:
        raise Http404
    return notice


@require_GET
def notice_list(request: HttpRequest) -> HttpResponse:
    open_notices, closed = selectors.public_notices()
    for notice in (*open_notices, *closed):
        notice.units = selectors.publishing_units(notice)
    return render(request, "notices/list.html", {"open_notices": open_notices, "closed_notices": closed})


@require_http_methods(["GET", "POST"])
def notice_detail(request: HttpRequest, reference: str) -> HttpResponse:
    notice = _notice_or_404(reference)
    entries = selectors.public_entries(notice)
    is_open = selectors.notice_is_open(notice)
    accepting = selectors.accepts_objections(notice)
    choices = (
        [(e.pk, f"{e.number}. {e.masked_name} · {e.training} · {e.department}") for e in entries] if accepting else []
    )
    form = ObjectionForm(request.POST or None, entries=choices)
    error, status = None, 200
    if request.method == "POST" and form.is_valid():
        entry = entries.filter(pk=form.cleaned_data["entry"]).first()
        try:
            objection = objection_file(
                notice=notice,
                entry=entry,
                text=form.cleaned_data["text"],
                contact=form.cleaned_data["contact"],
                # The client address as sign-in finds it (behind our proxies too: SKILLFUND_PROXY_COUNT).
                source=limits.source_of(get_client_ip_address(request) or ""),
            )
        except DomainError as exc:
            error, status = _message(exc), 429 if exc.code == "too_many_objections" else 400
        else:
            return redirect(reverse("notices:objection_lookup") + f"?receipt={objection.receipt}&filed=1")
    elif request.method == "POST" and not accepting:
        error, status = _message(_not_accepting(notice)), 400
    elif request.method == "POST":
        status = 400  # the form's errors (a wrong challenge answer among them) say why
    page = Paginator(entries, ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "notice": notice,
        "is_open": is_open,
        "accepting": accepting,
        "units": selectors.publishing_units(notice),
        "totals": selectors.notice_totals(notice),
        "page": page,
        "form": form,
        "error": error,
        "today": timezone.localdate(),
    }
    return render(request, "notices/detail.html", context, status=status)


def _not_accepting(notice: Notice) -> DomainError:
    if timezone.localdate() < notice.opens_on:
        return DomainError(
            "notice_not_open",
            "公示期尚未开始，暂不受理异议",
            "the notice period has not started; objections are not accepted yet",
        )
    return DomainError(
        "notice_closed", "公示期已结束，不再受理异议", "the notice has closed; objections are no longer accepted"
    )


@require_GET
def objection_lookup(request: HttpRequest) -> HttpResponse:
    """Follow an objection by its receipt number: the line objected to (masked), and the decision
    with its public reasons once made — nothing of the objection's text or the objector."""
    receipt = request.GET.get("receipt", "")[:40]
    objection = selectors.objection_by_receipt(receipt)
    if receipt and objection is None:
        return render(request, "notices/objection.html", {"receipt": receipt, "not_found": True}, status=404)
    context = {
        "receipt": receipt,
        "objection": objection,
        "outcome": selectors.objection_outcome(objection) if objection else None,
        "decision": getattr(objection.group, "decision", None) if objection and objection.group_id else None,
        "filed": request.GET.get("filed") == "1",
    }
    return render(request, "notices/objection.html", context)


@require_GET
def notice_pdf(request: HttpRequest, reference: str) -> HttpResponse:
    notice = _notice_or_404(reference)
    url = request.build_absolute_uri(reverse("notices:detail", args=[notice.reference]))
    data = pdf.render(selectors.notice_document(notice, objection_url=url))
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{notice.reference}.pdf"'
    return response
