"""Writes to the real-name registry (§4.4.d). Each is one transaction with one audit record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from skillfund.core import audit
from skillfund.core.errors import DomainError
from skillfund.registry import idnumbers
from skillfund.registry.models import Person, PersonStatus, RosterEntry

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


def new_person(data: PersonData, parsed: idnumbers.IdNumber) -> Person:
    """An unsaved Person with its ID protected; used by single and bulk registration alike."""
    return Person(
        id_cipher=idnumbers.encrypt(parsed.number),
        id_index=idnumbers.blind_index(parsed.number),
        id_masked=idnumbers.mask(parsed.number),
        sex=parsed.sex,
        birth_date=parsed.birth_date,
        **data.fields(),
    )


@transaction.atomic
def person_register(
    *, actor: Any, data: PersonData, organization: Any | None = None, update_existing: bool = True
) -> tuple[Person, bool]:
    """Register a person, or update the one record that already holds this ID number.

    One person, one record (§4.4.d): the blind index is unique in the database, so even two
    concurrent registrations of one number cannot create two records.
    """
    try:
        parsed = idnumbers.parse(data.id_number)
    except idnumbers.InvalidIdNumber as exc:
        raise DomainError("invalid_id_number", exc.zh, exc.en) from None
    existing = Person.objects.select_for_update().filter(id_index=idnumbers.blind_index(parsed.number)).first()
    if existing is None:
        person = new_person(data, parsed)
        person.save(force_insert=True)
        audit.record(actor=actor, action="person.register", target=person, after=data.fields())
        created = True
    else:
        if not update_existing:
            raise DomainError(
                "person_exists", "该身份证号码已登记", "a person with this ID number is already registered"
            )
        person, before = existing, audit.changes(existing, list(PERSON_FIELDS))
        changed = {f: v for f, v in data.fields().items() if getattr(person, f) != v}
        if changed:
            for f, v in changed.items():
                setattr(person, f, v)
            person.save(update_fields=[*changed, "updated_at"])
            audit.record(
                actor=actor,
                action="person.update",
                target=person,
                before={f: before[f] for f in changed},
                after=changed,
            )
        created = False
    if organization is not None:
        RosterEntry.objects.get_or_create(person=person, organization=organization)
    return person, created


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
    if valid_to is not None and valid_to < valid_from:
        raise DomainError("status_period", "结束日期早于开始日期", "the status ends before it starts")
    status, created = PersonStatus.objects.get_or_create(
        person=person,
        kind=kind,
        valid_from=valid_from,
        defaults={"valid_to": valid_to, "source_org": source_org, "source_document": source_document},
    )
    if created:
        audit.record(
            actor=actor,
            action="person.status_add",
            target=person,
            after={"kind": kind, "valid_from": valid_from, "valid_to": valid_to, "source": source_document},
        )
    return status


@transaction.atomic
def person_reveal_id(*, person: Person, actor: Any, reason: str) -> str:
    """The full ID number, for a role allowed to see it, with a reason; every reveal is logged."""
    if not getattr(actor, "may_reveal_id_numbers", False):
        raise PermissionDenied("此角色无权查看完整身份证号码 / this role may not see full ID numbers")
    if not reason.strip():
        raise DomainError("reason_required", "查看完整身份证号码须说明理由", "say why you need the full ID number")
    audit.record(actor=actor, action="person.reveal_id", target=person, reason=reason.strip())
    return idnumbers.decrypt(person.id_cipher)
