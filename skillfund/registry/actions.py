"""Writes to the real-name registry (§4.4.d). Each is one transaction with one audit record.

The master record belongs to its owner: registering or importing a known number never overwrites
it; a difference becomes a PersonChangeRequest that the HR bureau or the owning department
decides. Audit records name persons by id and mask and hold field names, never names, phones or
ID numbers, so the log outlives a deletion request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from skillfund.accounts.models import Role
from skillfund.core import audit
from skillfund.core.errors import DomainError
from skillfund.registry import assertion, idnumbers
from skillfund.registry.models import DeclaredCategory, Person, PersonChangeRequest, PersonStatus, RosterEntry

# The unit code of the HR bureau (人社局), which owns every record no organization registered.
HR_BUREAU = "hrss"
# Fields a registration may set or update; the ID-derived ones (sex, birth date) never change.
PERSON_FIELDS = ("name", "phone", "hukou_region", "hukou_rural", "residence_region", "job_region", "receives_pension")


@dataclass(frozen=True)
class PersonData:
    """A person's registrable facts, already validated (see registry/importing.py)."""

    id_number: str
    name: str
    hukou_region: str
    residence_region: str
    hukou_rural: bool = False
    job_region: str = ""
    phone: str = ""
    receives_pension: bool = False

    def fields(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in PERSON_FIELDS}


def new_person(data: PersonData, parsed: idnumbers.IdNumber, owner: Any | None = None) -> Person:
    """An unsaved Person with its ID protected; used by single and bulk registration alike."""
    return Person(**new_person_fields(data, parsed, owner_id=getattr(owner, "pk", None)))


def new_person_fields(
    data: PersonData, parsed: idnumbers.IdNumber, *, owner_id: int | None, id_index: str | None = None
) -> dict[str, Any]:
    """A new Person's columns by attname, its ID protected (the roster import COPYs these rows;
    `id_index` when the caller already has the blind index)."""
    return {
        "id_cipher": idnumbers.encrypt(parsed.number),
        "id_index": id_index or idnumbers.blind_index(parsed.number),
        "id_masked": idnumbers.mask(parsed.number),
        "sex": parsed.sex,
        "birth_date": parsed.birth_date,
        "owner_id": owner_id,
        **data.fields(),
    }


def _stated(data: PersonData) -> list[str]:
    return sorted(f for f, v in data.fields().items() if v not in ("", None))


def acting_unit(actor: Any, organization: Any | None = None) -> Any | None:
    """The unit an actor acts as: the command's --organization, else the signed-in user's own. A user
    of an organization acts only as it: never as another unit named by a caller (a forged assertion)."""
    own = getattr(actor, "organization", None)
    if organization is not None and getattr(actor, "organization_scoped", False) and organization.pk != own.pk:
        raise DomainError("not_your_unit", "只能以本单位名义导入或认定", "you act only in your own organization's name")
    return organization if organization is not None else own


def may_decide(actor: Any, person: Person) -> bool:
    """The master record's owner decides changes to it: the HR bureau for every record, or the
    department that owns it (an empty owner is the HR bureau's, so its department staff too)."""
    role = getattr(actor, "role", None)
    if role == Role.HR_STAFF:
        return True
    if role != Role.DEPARTMENT_STAFF or actor.organization_id is None:
        return False
    if person.owner_id is None:
        return actor.organization.unit_code == HR_BUREAU
    return actor.organization_id == person.owner_id


def differences(person: Person, fields: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f: {"old": getattr(person, f), "new": v} for f, v in fields.items() if getattr(person, f) != v}


def request_change(
    *,
    actor: Any,
    person: Person,
    changes: dict[str, dict[str, Any]],
    organization: Any | None,
    source: str,
    roster_import: Any | None = None,
) -> PersonChangeRequest | None:
    """A pending change request, unless the same one is already pending (re-imports ask once).
    The caller's transaction writes the audit record."""
    if not changes:
        return None
    pending = PersonChangeRequest.objects.filter(
        person=person, organization=organization, status=PersonChangeRequest.Status.PENDING
    )
    if any(r.changes == changes for r in pending):
        return None
    return PersonChangeRequest.objects.create(
        person=person,
        requested_by=actor if getattr(actor, "pk", None) else None,
        organization=organization,
        source=source,
        roster_import=roster_import,
        changes=changes,
    )


def link(*, actor: Any, person: Person, organization: Any, reason: str, existing: bool) -> RosterEntry | None:
    """Put a person on an organization's roster (its scope), saying who linked them and why."""
    entry, created = RosterEntry.objects.get_or_create(
        person=person,
        organization=organization,
        defaults={
            "linked_existing": existing and person.owner_id != organization.pk,
            "linked_by": actor if getattr(actor, "pk", None) else None,
            "reason": reason[:200],
        },
    )
    return entry if created else None


@transaction.atomic
def person_register(
    *, actor: Any, data: PersonData, organization: Any | None = None, reason: str = ""
) -> tuple[Person, bool]:
    """Register a person, or — for a number already registered — link the one record to the
    organization's roster and turn any difference into a change request. Never overwrites.

    One person, one record (§4.4.d): the blind index is unique in the database, so even two
    concurrent registrations of one number cannot create two records. The registering
    organization owns a new record; without one (HR, the command line) the HR bureau does.
    """
    try:
        parsed = idnumbers.parse(data.id_number)
    except idnumbers.InvalidIdNumber as exc:
        raise DomainError("invalid_id_number", exc.zh, exc.en) from None
    existing = Person.objects.select_for_update().filter(id_index=idnumbers.blind_index(parsed.number)).first()
    if existing is None:
        person = new_person(data, parsed, owner=organization)
        person.save(force_insert=True)
        if organization is not None:
            link(actor=actor, person=person, organization=organization, reason=reason, existing=False)
        # Field names, not values: the audit log holds no name, phone or place (PIPL Art. 47).
        audit.record(
            actor=actor,
            action="person.register",
            target=person,
            after={"fields": _stated(data), "organization": getattr(organization, "pk", None)},
        )
        return person, True
    linked = (
        link(actor=actor, person=existing, organization=organization, reason=reason, existing=True)
        if organization is not None
        else None
    )
    request = request_change(
        actor=actor,
        person=existing,
        changes=differences(existing, data.fields()),
        organization=organization,
        source=PersonChangeRequest.Source.FORM,
    )
    if linked or request:
        audit.record(
            actor=actor,
            action="person.register_existing",
            target=existing,
            after={
                "organization": getattr(organization, "pk", None),
                "linked": linked is not None,
                "change_request": request.pk if request else None,
                "fields": sorted(request.changes) if request else [],
            },
            reason=reason,
        )
    return existing, False


@transaction.atomic
def person_edit(*, actor: Any, person: Person, fields: dict[str, Any]) -> tuple[Person, PersonChangeRequest | None]:
    """An edit of the master record: applied by the HR bureau or the owning department, a change
    request from anyone else."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    changes = differences(person, {f: fields[f] for f in PERSON_FIELDS if f in fields})
    if not changes:
        return person, None
    if not may_decide(actor, person):
        request = request_change(
            actor=actor,
            person=person,
            changes=changes,
            organization=getattr(actor, "organization", None),
            source=PersonChangeRequest.Source.FORM,
        )
        if request is not None:
            audit.record(actor=actor, action="person.change_request", target=request, after={"fields": sorted(changes)})
        return person, request
    _apply(person, changes)
    audit.record(actor=actor, action="person.update", target=person, after={"fields": sorted(changes)})
    return person, None


def _apply(person: Person, changes: dict[str, dict[str, Any]]) -> None:
    for f, change in changes.items():
        setattr(person, f, change["new"])
    person.save(update_fields=[*changes, "updated_at"])


def _decidable(request: PersonChangeRequest, actor: Any) -> PersonChangeRequest:
    request = PersonChangeRequest.objects.select_for_update().select_related("person").get(pk=request.pk)
    if request.status != PersonChangeRequest.Status.PENDING:
        raise DomainError("request_decided", "该变更申请已处理", "this change request has already been decided")
    if not may_decide(actor, request.person):
        raise DomainError(
            "not_record_owner",
            "只有人社局或该人员档案的所属部门可以处理变更申请",
            "only the HR bureau or the department that owns the record decides its change requests",
        )
    return request


@transaction.atomic
def change_request_accept(*, request: PersonChangeRequest, actor: Any) -> PersonChangeRequest:
    """Apply a change request to the master record. The audit names the fields, not their values."""
    request = _decidable(request, actor)
    person = Person.objects.select_for_update().get(pk=request.person_id)
    current = {f: c for f, c in request.changes.items() if getattr(person, f) != c["new"]}
    if current:
        _apply(person, current)
    request.status, request.decided_by, request.decided_at = (
        PersonChangeRequest.Status.ACCEPTED,
        actor,
        timezone.now(),
    )
    request.save(update_fields=["status", "decided_by", "decided_at"])
    audit.record(
        actor=actor,
        action="person.change_accept",
        target=request,
        before={"status": "pending"},
        after={"status": "accepted", "person": person.pk, "fields": sorted(current)},
    )
    return request


@transaction.atomic
def change_request_reject(*, request: PersonChangeRequest, actor: Any, reason: str) -> PersonChangeRequest:
    if not reason.strip():
        raise DomainError("reason_required", "驳回变更申请须说明理由", "say why the change request is rejected")
    request = _decidable(request, actor)
    request.status, request.decided_by, request.decided_at, request.reason = (
        PersonChangeRequest.Status.REJECTED,
        actor,
        timezone.now(),
        reason.strip(),
    )
    request.save(update_fields=["status", "decided_by", "decided_at", "reason"])
    audit.record(
        actor=actor,
        action="person.change_reject",
        target=request,
        before={"status": "pending"},
        after={"status": "rejected"},
        reason=request.reason,
    )
    return request


def asserting_unit(actor: Any, source_org: Any | None) -> Any | None:
    """A user asserts in the name of their own organization only; code without a user (a
    command, the demo) names the acting unit."""
    if getattr(actor, "pk", None) is None:
        return source_org
    own = getattr(actor, "organization", None)
    if source_org is not None and source_org != own:
        raise DomainError(
            "status_not_own_unit",
            "只能以本单位名义认定人员类别",
            "a status is asserted in the name of your own organization only",
        )
    return own


@transaction.atomic
def person_status_add(
    *,
    actor: Any,
    person: Person,
    kind: str,
    valid_from: date,
    valid_to: date | None = None,
    source_org: Any | None = None,
    source_document: str = "",
) -> PersonStatus:
    """Assert a status, in the acting unit's own name, for a kind that unit may assert."""
    unit = asserting_unit(actor, source_org)
    assertion.ensure_may_assert(unit, kind)
    if valid_to is not None and valid_to < valid_from:
        raise DomainError("status_period", "结束日期早于开始日期", "the status ends before it starts")
    status, created = PersonStatus.objects.get_or_create(
        person=person,
        kind=kind,
        valid_from=valid_from,
        defaults={"valid_to": valid_to, "source_org": unit, "source_document": source_document},
    )
    if created:
        audit.record(
            actor=actor,
            action="person.status_add",
            target=status,
            after={
                "kind": kind,
                "valid_from": valid_from,
                "valid_to": valid_to,
                "source_org": unit.pk,
                "source": source_document,
            },
        )
    return status


@transaction.atomic
def declarations_confirm(*, actor: Any, declarations: list[DeclaredCategory], checked: str) -> list[PersonStatus]:
    """Confirm declared categories in one step: the confirming unit must be allowed to assert
    each kind, and says what it checked; each becomes a PersonStatus in the unit's name."""
    checked = checked.strip()
    if not checked:
        raise DomainError("checked_required", "请说明核实了什么", "say what you checked")
    unit = getattr(actor, "organization", None)
    locked = list(
        DeclaredCategory.objects.select_for_update().filter(pk__in=[d.pk for d in declarations]).order_by("pk")
    )
    if not locked:
        raise DomainError("nothing_selected", "未选择申报类别", "no declarations selected")
    for declared in locked:
        assertion.ensure_may_assert(unit, declared.kind)
        if declared.status != DeclaredCategory.Status.DECLARED:
            raise DomainError("declaration_confirmed", "该申报已核实", "this declaration is already confirmed")
    now = timezone.now()
    statuses = []
    for declared in locked:
        status, _created = PersonStatus.objects.get_or_create(
            person_id=declared.person_id,
            kind=declared.kind,
            valid_from=declared.valid_from,
            defaults={
                "valid_to": declared.valid_to,
                "source_org": unit,
                "source_document": f"核实申报：{checked}"[:200],
            },
        )
        declared.status, declared.confirmed_status, declared.confirmed_by = (
            DeclaredCategory.Status.CONFIRMED,
            status,
            actor,
        )
        declared.confirmed_at, declared.checked = now, checked
        declared.save(update_fields=["status", "confirmed_status", "confirmed_by", "confirmed_at", "checked"])
        statuses.append(status)
    audit.record(
        actor=actor,
        action="declaration.confirm",
        after={"unit": unit.pk, "declarations": [d.pk for d in locked], "statuses": [s.pk for s in statuses]},
        reason=checked,
    )
    return statuses


@transaction.atomic
def person_reveal_id(*, person: Person, actor: Any, reason: str) -> str:
    """The full ID number, for a role allowed to see it, with a reason; every reveal is logged."""
    if not getattr(actor, "may_reveal_id_numbers", False):
        raise PermissionDenied("此角色无权查看完整身份证号码 / this role may not see full ID numbers")
    if not reason.strip():
        raise DomainError("reason_required", "查看完整身份证号码须说明理由", "say why you need the full ID number")
    audit.record(actor=actor, action="person.reveal_id", target=person, reason=reason.strip())
    return idnumbers.decrypt(person.id_cipher)
