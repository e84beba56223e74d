"""The REST API (v1): parse the request, call the domain's actions and selectors, render the result.

Every read goes through `accounts.scoping`; a record outside the user's scope is "not found".
Every write takes an Idempotency-Key (see `api/idempotency.py`).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from skillfund.accounts import scoping
from skillfund.accounts.models import Role
from skillfund.api.idempotency import idempotent
from skillfund.api.pagination import BoundedLimitOffsetPagination
from skillfund.claims.models import Application, ApplicationEvent, Claim
from skillfund.claims.review import application_create, application_step
from skillfund.claims.workflow import STEPS
from skillfund.core.errors import DomainError
from skillfund.funds import payments
from skillfund.funds.models import PaymentBatch, PaymentLine
from skillfund.organizations.models import Organization

REFERENCES_MAX = 5000


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


# ---- rendering -----------------------------------------------------------------------------------


def application_data(application: Application) -> dict[str, Any]:
    person = application.person
    return {
        "reference": application.reference,
        "kind": application.kind,
        "path": application.path,
        "status": application.status,
        "department": application.department.unit_code or application.department.name,
        "applicant": application.applicant.name if application.applicant_id else None,
        "person": {"name": person.name, "id_masked": person.id_masked} if person else None,
        "claims": sorted(c.reference for c in application.claims.all()),
        "events": [
            {
                "step": e.step,
                "from": e.from_status,
                "to": e.to_status,
                "role": e.actor_role,
                "reason": e.reason,
                "at": _iso(e.at),
            }
            for e in application.events.all()
        ],
        "created_at": _iso(application.created_at),
    }


def _applications(user: Any):
    return (
        scoping.applications_visible_to(user)
        .select_related("department", "applicant", "person")
        .prefetch_related(
            Prefetch("claims", queryset=Claim.objects.only("pk", "reference", "application_id")),
            Prefetch("events", queryset=ApplicationEvent.objects.order_by("pk")),
        )
    )


def line_data(line: PaymentLine) -> dict[str, Any]:
    payee = line.payee
    return {
        "id": line.pk,
        "application": line.application.reference,
        "payee": payee.name,
        "payee_id": line.organization.credit_code if line.organization_id else line.person.id_masked,
        "granted": str(line.granted),
        "advance": str(line.advance),
        "amount": str(line.amount),
        "transaction": line.transaction_id,
        "paid_at": _iso(line.paid_at),
        "bank_reference": line.bank_reference,
        "refused": {"code": line.refused_code, "reason": line.refused_reason} if line.refused_code else None,
        "cancelled_at": _iso(line.cancelled_at),
    }


def batch_data(batch: PaymentBatch) -> dict[str, Any]:
    lines = list(batch.lines.select_related("application", "organization", "person").order_by("pk"))
    live = [line for line in lines if line.cancelled_at is None]
    return {
        "reference": batch.reference,
        "status": "completed" if all(line.transaction_id for line in live) else "open",
        "created_at": _iso(batch.created_at),
        "created_by": batch.created_by.username if batch.created_by_id else None,
        "lines": [line_data(line) for line in lines],
        "total": str(sum((line.amount for line in live), start=payments.ZERO)),
        "paid": str(sum((line.amount for line in live if line.transaction_id), start=payments.ZERO)),
    }


def _batches(user: Any):
    return scoping.payment_batches_visible_to(user).select_related("created_by")


# ---- input ---------------------------------------------------------------------------------------


class ApplicationIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Application.Kind.choices)
    department = serializers.CharField(max_length=50, help_text="the responsible department's unit code")
    claims = serializers.ListField(child=serializers.CharField(max_length=60), min_length=1, max_length=REFERENCES_MAX)
    applicant = serializers.CharField(
        max_length=18, required=False, help_text="the applying organization's credit code (staff only)"
    )


class StepIn(serializers.Serializer):
    # Internal steps ("pay", "reopen") are taken only by the payment and the objection decision.
    step = serializers.ChoiceField(choices=sorted(name for name, s in STEPS.items() if not s.internal))
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class BatchIn(serializers.Serializer):
    applications = serializers.ListField(
        child=serializers.CharField(max_length=60), min_length=1, max_length=REFERENCES_MAX
    )


class BankReferenceIn(serializers.Serializer):
    reference = serializers.CharField(max_length=payments.BANK_REFERENCE_MAX)


def _valid(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    # A field the endpoint does not take is refused, not ignored: a client that sends "path" believes
    # it chose the review path, which only the rules decide (§4.3.e).
    unknown = sorted(set(request.data) - set(serializer.fields)) if isinstance(request.data, dict) else []
    if unknown:
        raise serializers.ValidationError({name: ["不接受此字段 / unknown field"] for name in unknown})
    return serializer.validated_data


def _not_found(code: str, what_zh: str, what_en: str, missing: list[str]) -> DomainError:
    return DomainError(
        code, f"未找到{what_zh}：{'、'.join(missing[:5])}", f"{what_en} not found: {', '.join(missing[:5])}"
    )


# ---- applications --------------------------------------------------------------------------------


class ApplicationList(APIView):
    def get(self, request: Request) -> Response:
        qs = _applications(request.user).order_by("-pk")
        if status_filter := request.query_params.get("status"):
            qs = qs.filter(status=status_filter)
        paginator = BoundedLimitOffsetPagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response([application_data(a) for a in page])

    def post(self, request: Request) -> Response:
        """Submit an application of existing claims (by reference): create it and take "submit"."""
        data = _valid(ApplicationIn, request)
        user = request.user

        def submit() -> Response:
            department = Organization.objects.filter(
                kind=Organization.Kind.GOVERNMENT, unit_code=data["department"]
            ).first()
            if department is None:
                raise _not_found("department_not_found", "部门", "department", [data["department"]])
            refs = sorted(set(data["claims"]))
            claims = list(scoping.claims_visible_to(user).filter(reference__in=refs))
            missing = sorted(set(refs) - {c.reference for c in claims})
            if missing:
                raise _not_found("claim_not_found", "补贴明细", "claims", missing)
            applicant = _applicant(user, data.get("applicant"))
            persons = {c.person_id for c in claims}
            person = claims[0].person if len(persons) == 1 else None
            if applicant is None and person is None:
                raise DomainError(
                    "applicant_required",
                    "多人申请须写明申请单位（统一社会信用代码）",
                    "an application for several persons names the applying organization (credit code)",
                )
            application = application_create(
                kind=data["kind"],
                department=department,
                claims=claims,
                actor=user,
                applicant=applicant,
                person=person if data["kind"] == Application.Kind.INDIVIDUAL or applicant is None else None,
                idempotency_key=f"api:{user.pk}:{request.headers.get('Idempotency-Key', '').strip()}"[:100],
            )
            application_step(application=application, step="submit", actor=user)
            return Response(application_data(_applications(user).get(pk=application.pk)), status.HTTP_201_CREATED)

        return idempotent(request, submit)


def _applicant(user: Any, credit_code: str | None) -> Organization | None:
    """An operator applies for its own organization; staff may name one by credit code."""
    if user.role in (Role.INSTITUTION_OPERATOR, Role.ENTERPRISE_OPERATOR):
        if credit_code and credit_code != user.organization.credit_code:
            raise DomainError(
                "not_applicant", "只能以本单位名义申请", "an operator applies only for its own organization"
            )
        return user.organization
    if not credit_code:
        return None
    applicant = scoping.organizations_visible_to(user).filter(credit_code=credit_code).first()
    if applicant is None:
        raise _not_found("applicant_not_found", "申请单位", "applying organization", [credit_code])
    return applicant


class ApplicationDetail(APIView):
    def get(self, request: Request, reference: str) -> Response:
        return Response(application_data(get_object_or_404(_applications(request.user), reference=reference)))


class ApplicationSteps(APIView):
    def post(self, request: Request, reference: str) -> Response:
        """Take one step of the review chain (claims/workflow.py) on an application in scope."""
        user = request.user
        if not scoping.applications_visible_to(user).filter(reference=reference).exists():
            raise Http404
        data = _valid(StepIn, request)

        def step() -> Response:
            application = Application.objects.get(reference=reference)
            application_step(application=application, step=data["step"], actor=user, reason=data["reason"])
            return Response(application_data(_applications(user).get(pk=application.pk)))

        return idempotent(request, step)


# ---- payment batches -----------------------------------------------------------------------------


class BatchList(APIView):
    def get(self, request: Request) -> Response:
        batches = _batches(request.user).order_by("-pk")[:200]
        return Response([batch_data(b) for b in batches])

    def post(self, request: Request) -> Response:
        """Create a batch from approved applications (finance)."""
        data = _valid(BatchIn, request)
        user = request.user

        def create() -> Response:
            refs = sorted(set(data["applications"]))
            found = list(scoping.applications_visible_to(user).filter(reference__in=refs))
            missing = sorted(set(refs) - {a.reference for a in found})
            if missing:
                raise _not_found("application_not_found", "申请", "applications", missing)
            batch = payments.payment_batch_create(applications=found, actor=user)
            return Response(batch_data(batch), status=status.HTTP_201_CREATED)

        return idempotent(request, create)


class BatchDetail(APIView):
    def get(self, request: Request, reference: str) -> Response:
        return Response(batch_data(get_object_or_404(_batches(request.user), reference=reference)))


class BatchPay(APIView):
    def post(self, request: Request, reference: str) -> Response:
        """Pay every unpaid line; each line commits on its own (see funds/payments.py)."""
        user = request.user
        batch = get_object_or_404(_batches(user), reference=reference)

        def pay() -> Response:
            run = payments.payment_batch_pay(batch=batch, actor=user)
            refused = [
                {"line": line_id, "code": exc.code, "zh": exc.zh, "en": exc.en, "clause": exc.clause}
                for line_id, exc in run.refused.items()
            ]
            return Response(
                {**batch_data(batch), "run": {"paid": run.paid, "already_paid": run.already_paid, "refused": refused}}
            )

        return idempotent(request, pay, commits_once=False)


class BatchFile(APIView):
    def get(self, request: Request, reference: str) -> HttpResponse:
        """The payment file for the bank: ?fmt=xlsx (default) or ?fmt=csv."""
        batch = get_object_or_404(_batches(request.user), reference=reference)
        fmt = request.query_params.get("fmt", "xlsx")
        content = payments.payment_file_export(batch=batch, fmt=fmt, actor=request.user)
        kinds = {
            "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "csv": "text/csv; charset=utf-8",
        }
        response = HttpResponse(content, content_type=kinds[fmt])
        response["Content-Disposition"] = f'attachment; filename="{batch.reference}.{fmt}"'
        return response


class LineBankReference(APIView):
    def post(self, request: Request, reference: str, line_id: int) -> Response:
        user = request.user
        batch = get_object_or_404(_batches(user), reference=reference)
        line = get_object_or_404(scoping.payment_lines_visible_to(user), batch=batch, pk=line_id)
        data = _valid(BankReferenceIn, request)

        def record() -> Response:
            payments.payment_record_bank_reference(line=line, reference=data["reference"], actor=user)
            lines = PaymentLine.objects.select_related("application", "organization", "person")
            return Response(line_data(lines.get(pk=line.pk)))

        return idempotent(request, record)
