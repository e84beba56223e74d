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


# Roles whose data is limited to their own organization.
ORGANIZATION_SCOPED = frozenset({Role.DEPARTMENT_STAFF, Role.INSTITUTION_OPERATOR, Role.ENTERPRISE_OPERATOR})


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

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=~Q(role__in=sorted(ORGANIZATION_SCOPED)) | Q(organization__isnull=False),
                name="user_scoped_role_has_organization",
            )
        ]

    @property
    def organization_scoped(self) -> bool:
        return self.role in ORGANIZATION_SCOPED

    @property
    def may_reveal_id_numbers(self) -> bool:
        return self.role in settings.SKILLFUND_ID_REVEAL_ROLES
