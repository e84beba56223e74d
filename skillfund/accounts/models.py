"""Users and their roles. A role decides what a user may do; the organization decides which
records they see (谁主管、谁负责, §4.3.c)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    HR_STAFF = "hr_staff", _("HR bureau staff")
    DEPARTMENT_STAFF = "department_staff", _("department staff")
    INSTITUTION_OPERATOR = "institution_operator", _("training institution operator")
    ENTERPRISE_OPERATOR = "enterprise_operator", _("enterprise operator")
    FINANCE_OFFICER = "finance_officer", _("finance officer")
    AUDITOR = "auditor", _("auditor")
    SYSADMIN = "sysadmin", _("system administrator")
    # A worker (劳动者) signs in with a mobile number and an SMS code, bound once to their own
    # registry record (real-name, §4.4.d): they see only that record, never the back office.
    WORKER = "worker", _("worker")


# Roles whose data is limited to their own organization.
ORGANIZATION_SCOPED = frozenset({Role.DEPARTMENT_STAFF, Role.INSTITUTION_OPERATOR, Role.ENTERPRISE_OPERATOR})
# Roles that work in the back office (is_staff follows them); a worker is none of them.
STAFF_ROLES = frozenset(Role.values) - {Role.WORKER}


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=24, choices=Role.choices)
    organization = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("organization"),
    )
    # A worker's account: the one registry record it is bound to and the mobile number it signs in
    # with, kept as a keyed hash (accounts/mobile.py) and a masked form. One number, one person and
    # one person, one number: both unique (accounts/workers.py binds them).
    person = models.OneToOneField(
        "registry.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="worker_user",
        verbose_name=_("bound person"),
    )
    mobile_index = models.CharField(_("mobile number (keyed hash)"), max_length=64, blank=True, editable=False)
    mobile_masked = models.CharField(_("mobile number"), max_length=11, blank=True, editable=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=~Q(role__in=sorted(ORGANIZATION_SCOPED)) | Q(organization__isnull=False),
                name="user_scoped_role_has_organization",
            ),
            models.UniqueConstraint(
                fields=["mobile_index"], condition=~Q(mobile_index=""), name="user_one_account_per_mobile"
            ),
            # A worker is bound to a person and a number and never reaches the back office; nobody
            # else is bound to either.
            models.CheckConstraint(
                condition=(
                    Q(role="worker", person__isnull=False, is_staff=False, is_superuser=False) & ~Q(mobile_index="")
                )
                | (~Q(role="worker") & Q(person__isnull=True, mobile_index="")),
                name="user_worker_bound_and_not_staff",
            ),
        ]

    @property
    def organization_scoped(self) -> bool:
        return self.role in ORGANIZATION_SCOPED

    @property
    def is_worker(self) -> bool:
        return self.role == Role.WORKER

    @property
    def may_reveal_id_numbers(self) -> bool:
        return self.role in settings.SKILLFUND_ID_REVEAL_ROLES
