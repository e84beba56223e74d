"""Writes to accounts, second-factor devices, and back-office edits of reference data.

Each is one transaction with one audit record (MLPS level 3 asks for an audit trail of security
events: account changes and second-factor enrolment are such events).
"""

from __future__ import annotations

from typing import Any

from axes.models import AccessAttempt
from django.core.exceptions import FieldDoesNotExist
from django.db import models, transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from skillfund.accounts import permissions
from skillfund.accounts.models import STAFF_ROLES, Role, User
from skillfund.accounts.scoping import role_of
from skillfund.core import audit, exports
from skillfund.core.errors import DomainError

USER_FIELDS = ("username", "first_name", "last_name", "email", "role", "organization_id", "is_active")
# What decides a user's access. Only the system administrator changes these, and never on their
# own account (segregation of duties: nobody grants themselves a role that reveals ID numbers).
# (is_staff is not among them: it follows the role and is set here, never chosen.)
ACCESS_FIELDS = ("role", "organization_id", "is_active", "is_superuser")
# Recorded on every update; access fields (and the derived is_staff) under user.role_change.
_AUDITED = (*USER_FIELDS, "is_staff", "is_superuser")
_ROLE_CHANGE = frozenset({*ACCESS_FIELDS, "is_staff"})

NOT_PERMITTED = (
    "not_permitted",
    "只有系统管理员可以更改用户的角色和权限",
    "Only the system administrator changes roles and access",
)
OWN_ACCESS = ("segregation_of_duties", "不能更改自己的角色或权限", "Nobody changes their own role or access")
WORKER_ROLE = (
    "worker_by_binding",
    "劳动者账号只能由本人用手机号登录并实名绑定产生，不能在后台设置或改为其他角色",
    "A worker account comes only from the worker's own sign-in and real-name binding; the back office "
    "neither gives nor takes that role",
)


@transaction.atomic
def user_save(*, actor: Any, user: User, created: bool) -> User:
    """Create or update an account. Every staff role works in the back office, so such a role means
    staff access; no role means none (deny by default), and so does the worker's role, which
    only accounts/workers.py gives. Superuser status is never granted: roles, not
    Django's superuser flag, decide what a person may do.

    A change of role, organization or active flag is the system administrator's, on someone
    else's account, and is recorded as `user.role_change` with before and after."""
    before = None
    if not created:
        before = User.objects.select_for_update().filter(pk=user.pk).values(*_AUDITED).get()
    if (user.role == Role.WORKER) != ((before or {}).get("role") == Role.WORKER):
        raise DomainError(*WORKER_ROLE)
    user.is_staff = user.role in STAFF_ROLES
    access_changed = created or any(before[f] != getattr(user, f) for f in ACCESS_FIELDS)
    if access_changed and not created and getattr(actor, "pk", None) == user.pk:
        raise DomainError(*OWN_ACCESS)
    if access_changed and (
        role_of(actor) != Role.SYSADMIN or (user.is_superuser and not (before or {}).get("is_superuser"))
    ):
        raise DomainError(*NOT_PERMITTED)
    user.save()
    if created:
        audit.record(actor=actor, action="user.create", target=user, after=audit.changes(user, list(USER_FIELDS)))
        return user
    changed = {k: v for k, v in audit.changes(user, list(_AUDITED)).items() if before[k] != v}
    access = changed.keys() & _ROLE_CHANGE
    if access:
        audit.record(
            actor=actor,
            action="user.role_change",
            target=user,
            before={k: before[k] for k in access},
            after={k: changed[k] for k in access},
        )
    if rest := {k: v for k, v in changed.items() if k not in access}:
        audit.record(actor=actor, action="user.update", target=user, before={k: before[k] for k in rest}, after=rest)
    return user


UNLOCK_REASON = ("reason_required", "解锁需要填写原因", "Unlocking needs a reason")


@transaction.atomic
def account_unlock(*, actor: Any, username: str, ip_address: str | None = None, reason: str) -> int:
    """End a sign-in lockout before its wait is over: the user name's failures (from one address,
    or from all) are cleared. The failure history stays, for the audit and the growing wait."""
    if not permissions.allowed(actor, "axes.accessattempt", "unlock"):
        raise DomainError(*NOT_PERMITTED)
    if not reason.strip():
        raise DomainError(*UNLOCK_REASON)
    attempts = AccessAttempt.objects.filter(username=username)
    if ip_address is not None:
        attempts = attempts.filter(ip_address=ip_address)
    _total, deleted = attempts.delete()  # their expiry rows go with them
    count = deleted.get(AccessAttempt._meta.label, 0)
    audit.record(
        actor=actor,
        action="account.unlock",
        target=User.objects.filter(username=username).first(),
        after={"username": username, "ip_address": ip_address, "attempts": count},
        reason=reason.strip(),
    )
    return count


@transaction.atomic
def totp_device_start(*, user: User) -> TOTPDevice:
    """An unconfirmed TOTP device for enrolment; a previous unconfirmed one is replaced."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    device = TOTPDevice.objects.create(user=user, name="default", confirmed=False)
    return device


@transaction.atomic
def totp_device_confirm(*, user: User, device: TOTPDevice) -> TOTPDevice:
    """Mark a device confirmed once its first token verified; recorded as a security event."""
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit.record(actor=user, action="user.totp_enrol", target=user, after={"device": device.persistent_id})
    return device


@transaction.atomic
def record_save(*, actor: Any, instance: models.Model, created: bool, changed: list[str], save: Any = None) -> None:
    """A back-office edit of reference data (catalog, programme, regions, organizations' details).

    `save` performs the write (e.g. the admin's form save, which also saves relations); the
    record's before/after holds the changed fields."""
    before = {}
    if not created and changed:
        old = type(instance)._default_manager.filter(pk=instance.pk).first()
        before = {f: _value(old, f) for f in changed} if old is not None else {}
    (save or instance.save)()
    audit.record(
        actor=actor,
        action=f"{instance._meta.label_lower}.{'create' if created else 'update'}",
        target=instance,
        before=before or None,
        after={f: _value(instance, f) for f in changed} or None,
    )


def _value(instance: models.Model, name: str) -> Any:
    try:
        field = instance._meta.get_field(name)
    except FieldDoesNotExist:  # a form-only field
        return None
    if field.many_to_many:
        return sorted(getattr(instance, name).values_list("pk", flat=True)) if instance.pk else []
    return getattr(instance, field.attname, None)


@transaction.atomic
def record_delete(*, actor: Any, instance: models.Model, reason: str = "") -> None:
    """Delete a security record (a second-factor device, a login-failure record) with a trace."""
    audit.record(actor=actor, action=f"{instance._meta.label_lower}.delete", target=instance, reason=reason)
    instance.delete()


@transaction.atomic
def user_password_changed(*, actor: Any, user: User) -> None:
    """Record a password set by an administrator (the password itself is never recorded)."""
    audit.record(actor=actor, action="user.set_password", target=user)


AUDIT_EXPORT_COLUMNS = (
    "seq",  # the chain's own gap-free number, so a reader of the export sees a missing range
    "id",
    "at",
    "actor_username",
    "actor_role",
    "action",
    "target_type",
    "target_id",
    "target_label",
    "before",
    "after",
    "reason",
    "prev_hash",
    "hash",
)


@transaction.atomic
def audit_log_export(*, actor: Any, records: models.QuerySet) -> str:
    """CSV of audit records for a special audit (§4.3.a); the export itself is recorded."""
    import csv
    import io
    import json

    out = io.StringIO()
    out.write("\ufeff")  # so spreadsheet programs read the Chinese text as UTF-8
    writer = csv.writer(out)
    writer.writerow(AUDIT_EXPORT_COLUMNS)
    count = 0
    for rec in records.order_by("seq").iterator(chunk_size=2000):
        row = []
        for col in AUDIT_EXPORT_COLUMNS:
            value = getattr(rec, col)
            if col in ("before", "after"):
                value = "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)
            elif col == "at":
                value = value.isoformat()
            row.append(value)
        writer.writerow(exports.csv_row(row))
        count += 1
    audit.record(actor=actor, action="audit.export", after={"records": count})
    return out.getvalue()
