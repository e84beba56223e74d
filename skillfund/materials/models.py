"""Materials: uploaded proofs (PDF, JPEG, PNG) attached to the record they prove — a class plan,
an enrolment, an attendance, a certificate, a claim, and later the review chain's records — by a
generic link, so a new kind of record needs no migration here.

A material is append-only: written once by `materials.actions.material_upload` (type checked by
content, checksummed), never edited; a mistaken one is withdrawn with a reason and stays on record.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# The detected type decides the stored name's extension; the user's file name never does.
EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}


def material_path(instance: Material, filename: str) -> str:
    """materials/<year>/<month>/<day>/<sha256>.<ext>, from the upload date and the content."""
    day = instance.uploaded_at
    return f"materials/{day:%Y/%m/%d}/{instance.sha256}{EXTENSIONS[instance.content_type]}"


class Material(models.Model):
    class Kind(models.TextChoices):
        CLASS_PLAN_DOCUMENT = "class_plan_document", _("class plan document (开班材料)")
        ROSTER = "roster", _("roster (花名册)")
        ATTENDANCE_RECORD = "attendance_record", _("attendance record (考勤记录)")
        CERTIFICATE_SCAN = "certificate_scan", _("certificate scan (证书扫描件)")
        INVOICE = "invoice", _("invoice (发票)")
        OTHER = "other", _("other")

    linked_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("linked record type")
    )
    linked_id = models.PositiveBigIntegerField(_("linked record id"))
    linked_to = GenericForeignKey("linked_type", "linked_id")
    kind = models.CharField(_("material kind"), max_length=30, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to=material_path, max_length=200)
    original_name = models.CharField(_("original file name"), max_length=255)
    content_type = models.CharField(_("detected content type"), max_length=40)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"))
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_reason = models.CharField(_("withdrawal reason"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("material")
        verbose_name_plural = _("materials")
        ordering = ["-uploaded_at", "-id"]
        indexes = [models.Index(fields=["linked_type", "linked_id"], name="material_linked_idx")]
        constraints = [
            # The same proof is attached to one record once (a withdrawn copy does not count).
            models.UniqueConstraint(
                fields=["linked_type", "linked_id", "sha256"],
                condition=Q(withdrawn_at__isnull=True),
                name="material_once_per_record",
            ),
            models.CheckConstraint(condition=Q(size__gt=0), name="material_not_empty"),
        ]

    def __str__(self) -> str:
        return self.original_name
