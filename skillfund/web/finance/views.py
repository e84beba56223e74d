"""Finance's payment-batch pages (§4.3.d: "report to finance, which disburses"): choose approved
applications, create a batch, review its lines, confirm with the second factor, pay (a chunk per
request, with the progress shown), download the bank file, record the bank's references, take an
unpaid line out. Each write is one action in funds/payments.py, which checks role and state
itself; these views parse, call and render."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from skillfund.accounts import permissions, scoping
from skillfund.core.errors import DomainError, InvalidInput
from skillfund.funds import bankaccounts, batch_selectors, payments
from skillfund.organizations.models import Organization
from skillfund.web.finance.forms import (
    BankAccountForm,
    BankReferenceForm,
    BatchCreateForm,
    ConfirmForm,
    LineCancelForm,
    PayableFilter,
    ReferencesUploadForm,
)

PAGE_SIZE = 50
PROBLEMS_SHOWN = 200
FILE_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def may_pay(user) -> bool:
    """The pages are finance's: the same permission the actions check."""
    return permissions.allowed(user, "funds.paymentbatch", "add")


def finance_only(view):
    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not may_pay(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def refusal(exc: DomainError) -> str:
    """A domain refusal in the user's language, with its clause."""
    text = exc.zh if (get_language() or "").startswith("zh") else exc.en
    return f"{text} ({exc.clause})" if exc.clause else text


def _batch(request: HttpRequest, pk: int):
    return get_object_or_404(batch_selectors.batches(request.user), pk=pk)


def _to_batch(batch) -> HttpResponse:
    return redirect(reverse("web:finance:batch", args=[batch.pk]))


# ---- approved applications ready to pay ----------------------------------------------------------


@finance_only
def payable(request: HttpRequest) -> HttpResponse:
    departments = list(Organization.objects.filter(kind=Organization.Kind.GOVERNMENT).order_by("name"))
    filters = PayableFilter(request.GET or None, departments=departments)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    applications = batch_selectors.payable_applications(
        request.user, department=chosen.get("department"), kind=chosen.get("kind", ""), q=chosen.get("q", "")
    )
    count, total = batch_selectors.payable_totals(applications)
    paginator = Paginator(applications, PAGE_SIZE)
    paginator.count = count  # counted with the total above: no second COUNT query
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filters": filters,
        "page": page,
        "count": count,
        "total": total,
        "page_total": sum((a.granted for a in page), payments.ZERO),
        "query": query.urlencode(),
        "form": BatchCreateForm(),
    }
    return render(request, "web/finance/payable.html", context)


@finance_only
@require_POST
def batch_create(request: HttpRequest) -> HttpResponse:
    form = BatchCreateForm(request.POST, applications=scoping.applications_visible_to(request.user))
    if not form.is_valid():
        for error in form.errors.get("applications", []):
            messages.error(request, error)
        return redirect("web:finance:payable")
    try:
        batch = payments.payment_batch_create(
            applications=list(form.cleaned_data["applications"]), actor=request.user, confirmation_required=True
        )
    except DomainError as exc:
        messages.error(request, refusal(exc))
        return redirect("web:finance:payable")
    messages.success(request, _("Payment batch %(ref)s created. Review its lines, then confirm.") % {"ref": batch})
    return _to_batch(batch)


# ---- batches ------------------------------------------------------------------------------------


@finance_only
def batch_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(batch_selectors.batches(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "web/finance/batches.html", {"page": page})


def _detail_context(request: HttpRequest, batch, **forms) -> dict:
    page = Paginator(batch_selectors.batch_lines(batch), PAGE_SIZE).get_page(request.GET.get("page"))
    lines = batch_selectors.with_accounts(list(page))
    for line in lines:
        line.clauses = " ".join(batch_selectors.line_clauses(line))
    code_needed = payments.second_factor_needed(request.user)
    return {
        "batch": batch,
        "page": page,
        "lines": lines,
        "progress": batch_selectors.progress(batch),
        "confirm_form": forms.get("confirm_form") or ConfirmForm(code_needed=code_needed),
        "code_needed": code_needed,
        "reference_form": BankReferenceForm(),
        "cancel_form": LineCancelForm(),
        "form_errors": forms.get("form_errors") or {},
        "upload_form": forms.get("upload_form") or ReferencesUploadForm(),
        "problems": forms.get("problems", [])[:PROBLEMS_SHOWN],
        "problem_count": len(forms.get("problems", [])),
    }


@finance_only
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    return render(request, "web/finance/batch.html", _detail_context(request, batch))


@finance_only
@require_POST
def batch_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    form = ConfirmForm(request.POST, code_needed=payments.second_factor_needed(request.user))
    if form.is_valid():
        try:
            payments.payment_batch_confirm(batch=batch, actor=request.user, code=form.cleaned_data["code"])
        except DomainError as exc:
            field = "code" if exc.code.startswith("second_factor") else None
            form.add_error(field, refusal(exc))
        else:
            messages.success(request, _("Batch confirmed. You may pay it now."))
            return _to_batch(batch)
    context = _detail_context(request, _batch(request, pk), confirm_form=form)
    return render(request, "web/finance/batch.html", context, status=400)


def _progress(request: HttpRequest, batch, *, running: bool, refused: list[str] = ()) -> HttpResponse:
    progress = batch_selectors.progress(batch)
    context = {
        "batch": batch,
        "progress": progress,
        "running": running and progress.state == "paying",
        "partial": True,
        "refused": refused,
    }
    return render(request, "web/finance/_progress.html", context)


@finance_only
@require_POST
def batch_pay(request: HttpRequest, pk: int) -> HttpResponse:
    """Pay the batch. From the page (htmx) one chunk per request: the answer shows the progress and,
    while lines remain, asks for the next chunk. Without JavaScript every line at once. A second
    click, or a reload, pays nothing twice (each line's booking is idempotent)."""
    batch = _batch(request, pk)
    htmx = request.headers.get("HX-Request") == "true"
    step = request.POST.get("step") == "next"  # the progress bar's own requests: refused lines stay
    try:
        run = payments.payment_batch_pay(
            batch=batch, actor=request.user, max_chunks=1 if htmx else None, skip_refused=htmx and step
        )
    except DomainError as exc:
        if htmx:
            return _progress(request, batch, running=False, refused=[refusal(exc)])
        messages.error(request, refusal(exc))
        return _to_batch(batch)
    refused = [refusal(exc) for exc in run.refused.values()]
    if htmx:
        return _progress(request, batch, running=True, refused=refused)
    for text in refused:
        messages.error(request, text)
    if run.paid:
        messages.success(request, _("%(n)s lines paid.") % {"n": len(run.paid)})
    return _to_batch(batch)


@finance_only
def batch_progress(request: HttpRequest, pk: int) -> HttpResponse:
    return _progress(request, _batch(request, pk), running=False)


@finance_only
def batch_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The bank file, with the payees' full account numbers (its generation is audit-logged)."""
    batch = _batch(request, pk)
    fmt = request.GET.get("fmt", "xlsx")
    if fmt not in FILE_TYPES:
        return HttpResponseBadRequest(_("Unknown file format; choose xlsx or csv."))
    content = payments.payment_file_export(batch=batch, fmt=fmt, actor=request.user)
    response = HttpResponse(content, content_type=FILE_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{batch.reference}.{fmt}"'
    return response


def _line(request: HttpRequest, batch, line_id: int):
    return get_object_or_404(scoping.payment_lines_visible_to(request.user), batch=batch, pk=line_id)


@finance_only
@require_POST
def line_reference(request: HttpRequest, pk: int, line_id: int) -> HttpResponse:
    batch = _batch(request, pk)
    line = _line(request, batch, line_id)
    form = BankReferenceForm(request.POST)
    if form.is_valid():
        try:
            payments.payment_record_bank_reference(
                line=line, reference=form.cleaned_data["reference"], actor=request.user
            )
        except DomainError as exc:
            form.add_error("reference", refusal(exc))
        else:
            messages.success(request, _("Bank reference recorded for %(app)s.") % {"app": line.application})
            return _to_batch(batch)
    context = _detail_context(request, batch, form_errors={line.pk: form.errors.get("reference")})
    return render(request, "web/finance/batch.html", context, status=400)


@finance_only
@require_POST
def references_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """The bank's references for many lines at once, all or nothing."""
    batch = _batch(request, pk)
    form = ReferencesUploadForm(request.POST, request.FILES)
    problems: list = []
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            recorded = payments.payment_bank_references_import(
                batch=batch, file=upload, actor=request.user, file_name=upload.name
            )
        except InvalidInput as exc:
            problems = exc.problems
        except DomainError as exc:
            form.add_error("file", refusal(exc))
        else:
            messages.success(request, _("%(n)s bank references recorded.") % {"n": recorded})
            return _to_batch(batch)
    context = _detail_context(request, batch, upload_form=form, problems=problems)
    return render(request, "web/finance/batch.html", context, status=400)


@finance_only
@require_POST
def line_cancel(request: HttpRequest, pk: int, line_id: int) -> HttpResponse:
    batch = _batch(request, pk)
    line = _line(request, batch, line_id)
    form = LineCancelForm(request.POST)
    if form.is_valid():
        try:
            payments.payment_line_cancel(line=line, actor=request.user, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            form.add_error("reason", refusal(exc))
        else:
            messages.success(
                request, _("%(app)s taken out of the batch; it can be batched again.") % {"app": line.application}
            )
            return _to_batch(batch)
    context = _detail_context(request, batch, form_errors={line.pk: form.errors.get("reason")})
    return render(request, "web/finance/batch.html", context, status=400)


# ---- the payee's own account (institutions' and enterprises' operators) ---------------------------


def may_set_own_account(user) -> bool:
    """An operator whom the action lets set its own organization's account (HR sets accounts too,
    but for any payee: not through this page)."""
    organization = getattr(user, "organization", None)
    return (
        scoping.role_of(user) in scoping.OPERATORS
        and organization is not None
        and bankaccounts.may_set(user, organization)
    )


@login_required
def own_account(request: HttpRequest) -> HttpResponse:
    """An institution's or enterprise's operator keeps the account its subsidies are paid to; the
    page shows it masked, and a new number replaces it (`funds.bankaccounts.bank_account_set`)."""
    user = request.user
    if not may_set_own_account(user):
        raise PermissionDenied
    organization = user.organization
    current = scoping.bank_accounts_visible_to(user).filter(organization=organization).first()
    form = BankAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            bankaccounts.bank_account_set(party=organization, actor=user, **form.cleaned_data)
        except DomainError as exc:
            field = {
                "bank_account_invalid": "number",
                "account_name_invalid": "account_name",
                "bank_name_invalid": "bank_name",
            }.get(exc.code)
            form.add_error(field, refusal(exc))
        else:
            messages.success(request, _("The bank account is saved; bank files generated from now on carry it."))
            return redirect("web:finance:own_account")
    status = 400 if form.errors else 200
    context = {"form": form, "current": current, "organization": organization}
    return render(request, "web/finance/own_account.html", context, status=status)
