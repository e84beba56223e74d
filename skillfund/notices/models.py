"""Public notices (公示) of claims before approval (§4.3.d).

The responsible departments and the HR bureau jointly publish the claims the HR bureau has checked;
anyone may object during the notice period. A notice is a frozen snapshot: each entry keeps the
already-masked name and ID number, the training, the amount and the department as published, so
the public page and the PDF never read the registry and can show nothing else.

Whether a notice is open is not stored: it follows from its dates (`selectors.notice_is_open`).
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Notice(models.Model):
    reference = models.SlugField(_("notice reference"), max_length=40, unique=True)
    title = models.CharField(pgettext_lazy("notice", "title"), max_length=200)
    departments = models.ManyToManyField(
        "organizations.Organization",
        related_name="notices",
        verbose_name=_("publishing units"),
        help_text=_("The responsible departments and the HR bureau, who publish jointly (§4.3.d)"),
    )
    published_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("published by")
    )
    published_at = models.DateTimeField(_("published at"))
    published_on = models.DateField(_("publication date"))
    opens_on = models.DateField(_("first working day of the notice"))
    closes_on = models.DateField(_("last day of the notice"), help_text=_("Objections are accepted until its end"))
    working_days = models.PositiveSmallIntegerField(_("working days"))
    contact = models.TextField(_("how to object"), help_text=_("Telephone, address or office for objections"))
    calendar_fallback_years = models.JSONField(
        _("years counted Monday to Friday"),
        default=list,
        blank=True,
        help_text=_("Years of the period whose holiday arrangement was not in the working-day calendar"),
    )

    class Meta:
        verbose_name = _("public notice")
        verbose_name_plural = _("public notices")
        ordering = ["-published_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(opens_on__gt=F("published_on")) & Q(closes_on__gte=F("opens_on")),
                name="notice_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def calendar_warnings(self) -> list[tuple[str, str]]:
        """(zh, en) per year of the period counted Monday to Friday, rendered when read."""
        from skillfund.notices.workdays import fallback_warning

        return [fallback_warning(year) for year in self.calendar_fallback_years]


class NoticeEntry(models.Model):
    """One claim line as published: masked, frozen, never read back from the registry."""

    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="entries", verbose_name=_("notice"))
    number = models.PositiveIntegerField(_("no."))
    application = models.ForeignKey(
        "claims.Application", on_delete=models.PROTECT, related_name="notice_entries", verbose_name=_("application")
    )
    claim = models.ForeignKey("claims.Claim", on_delete=models.PROTECT, related_name="+", verbose_name=_("claim"))
    masked_name = models.CharField(_("name"), max_length=60)
    masked_id = models.CharField(_("ID number"), max_length=18)
    training = models.CharField(_("training"), max_length=120)
    amount = models.DecimalField(_("amount (CNY)"), max_digits=12, decimal_places=2)
    department = models.CharField(_("department"), max_length=120)

    class Meta:
        verbose_name = _("notice entry")
        verbose_name_plural = _("notice entries")
        ordering = ["notice_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["notice", "number"], name="notice_entry_number_unique"),
            models.UniqueConstraint(fields=["notice", "claim"], name="notice_entry_claim_once"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="notice_entry_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.masked_name} {self.training}"


class ObjectionGroup(models.Model):
    """Objections to one notice line that people decide once: the repeats from one source (the same
    address, by its keyed hash) and the same text (normalized) are one group (actions.objection_file).
    Undecided, it holds the application's approval (claims.review)."""

    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="+", verbose_name=_("notice"))
    entry = models.ForeignKey(NoticeEntry, on_delete=models.PROTECT, related_name="+", verbose_name=_("entry"))
    application = models.ForeignKey(
        "claims.Application", on_delete=models.PROTECT, related_name="objection_groups", verbose_name=_("application")
    )
    source_hash = models.CharField(max_length=64, verbose_name=_("source hash"))
    text_key = models.CharField(max_length=64, verbose_name=_("text key"))
    created_at = models.DateTimeField(verbose_name=_("created at"))

    class Meta:
        verbose_name = _("objection group")
        verbose_name_plural = _("objection groups")
        indexes = [models.Index(fields=["entry", "source_hash"]), models.Index(fields=["entry", "text_key"])]

    def __str__(self) -> str:
        return f"{self.notice_id} #{self.entry_id} ({self.pk})"


class ObjectionDecision(models.Model):
    """The HR bureau's decision, with the department, on a group of objections (§4.3.d): once per
    group (one-to-one). `reason` is public (shown under the receipt number); the department's
    opinion is for the back office."""

    group = models.OneToOneField(
        ObjectionGroup, on_delete=models.PROTECT, related_name="decision", verbose_name=_("group")
    )
    upheld = models.BooleanField(_("objection upheld"))
    reason = models.TextField(_("reasons (public)"))
    department_opinion = models.TextField(_("the department's opinion"))
    decided_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(_("decided at"))
    reopened = models.BooleanField(_("sent the application back to the department"))

    class Meta:
        verbose_name = _("objection decision")
        verbose_name_plural = _("objection decisions")

    def __str__(self) -> str:
        return f"{self.group_id}: {'upheld' if self.upheld else 'dismissed'}"


class Objection(models.Model):
    """An objection filed during the notice (anyone may file one). Append-only: never edited. Its
    receipt number lets the objector follow the outcome on the public look-up page."""

    notice = models.ForeignKey(Notice, on_delete=models.PROTECT, related_name="objections", verbose_name=_("notice"))
    entry = models.ForeignKey(
        NoticeEntry, on_delete=models.PROTECT, related_name="objections", verbose_name=_("entry objected to")
    )
    application = models.ForeignKey(
        "claims.Application", on_delete=models.PROTECT, related_name="objections", verbose_name=_("application")
    )
    # Null only for objections filed before receipts and groups existed (they reopened by themselves).
    receipt = models.CharField(_("receipt number"), max_length=20, unique=True, null=True, blank=True)
    group = models.ForeignKey(
        ObjectionGroup,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="objections",
        verbose_name=_("group"),
    )
    source_hash = models.CharField(_("source (keyed hash of the address)"), max_length=64, blank=True)
    text = models.TextField(_("objection"))
    contact = models.CharField(_("objector's contact"), max_length=100, blank=True)
    filed_at = models.DateTimeField(pgettext_lazy("notice", "filed at"))

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["-filed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.receipt or self.pk} {self.text[:30]}"
