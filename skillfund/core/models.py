"""The audit log (§4.3.c): who did what, in which role, when, to what, before and after, and why.

Append-only and tamper-evident: records are numbered 1, 2, 3, … (`seq`, no gaps) and each one's
`hash` is an HMAC-SHA256, under a key kept outside the database, of its content and the previous
record's `hash`; the chain's head is checkpointed outside the database (core/checkpoints.py). So an
edited, deleted or truncated record is named by `skillfund audit_verify`. On PostgreSQL a trigger
refuses UPDATE and DELETE (migration 0002), and the application's role may not change or truncate
the table at all (`skillfund db_roles`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditRecord(models.Model):
    seq = models.BigIntegerField(_("number"), unique=True)
    at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_username = models.CharField(_("actor username"), max_length=150, blank=True)
    actor_role = models.CharField(_("actor role"), max_length=40, blank=True)
    action = models.CharField(_("action"), max_length=80, db_index=True)
    target_type = models.CharField(_("target type"), max_length=80, blank=True)
    target_id = models.CharField(_("target id"), max_length=64, blank=True, db_index=True)
    target_label = models.CharField(_("target"), max_length=200, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    prev_hash = models.CharField(max_length=64, verbose_name=_("prev hash"))  # the previous record's MAC
    hash = models.CharField(max_length=64, unique=True, verbose_name=_("hash"))  # HMAC-SHA256 (hex): see core/audit.py

    class Meta:
        verbose_name = _("audit record")
        verbose_name_plural = _("audit records")
        ordering = ["-seq"]
        default_permissions = ("view",)
        constraints = [models.CheckConstraint(condition=models.Q(seq__gte=1), name="core_auditrecord_seq_positive")]

    def __str__(self) -> str:
        return (
            f"{timezone.localtime(self.at):%Y-%m-%d %H:%M:%S} {self.actor_username} {self.action} {self.target_label}"
        )
