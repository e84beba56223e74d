"""Writes to organizations. §3.2.3: quality evaluation and an exit mechanism for institutions."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from skillfund.core import audit
from skillfund.core.errors import DomainError
from skillfund.organizations.models import Organization


@transaction.atomic
def organization_set_status(*, organization: Organization, actor: Any, status: str, reason: str) -> Organization:
    """Activate, suspend or exit an organization, with the reason on record (§3.2.3)."""
    if status not in Organization.Status.values:
        raise DomainError("unknown_status", f"未知状态：{status}", f"unknown status: {status}")
    if not reason.strip():
        raise DomainError("reason_required", "变更状态须说明理由", "say why the status changes", clause="§3.2.3")
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    before = organization.status
    if before == status:
        return organization
    organization.status = status
    organization.status_reason = reason.strip()
    organization.save(update_fields=["status", "status_reason", "updated_at"])
    audit.record(
        actor=actor,
        action="organization.set_status",
        target=organization,
        before={"status": before},
        after={"status": status},
        reason=reason.strip(),
    )
    return organization
