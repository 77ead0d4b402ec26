"""Documentation 5: an archived order's record and its yearly reviews."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .orders import Order, OrderStatus


class ArchiveRecord(models.Model):
    """Documentation 5: an archived order's place in the archive and its
    yearly review (5.2). Written when the order is archived."""

    order = models.OneToOneField(
        Order, on_delete=models.PROTECT, related_name="archive_record", verbose_name=_("order")
    )
    final_status = models.CharField(_("final status"), max_length=20, choices=OrderStatus.choices)
    archived_at = models.DateTimeField(_("archived at"), auto_now_add=True)
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("archived by"),
    )
    next_review_on = models.DateField(_("next review on"), db_index=True)
    last_reviewed_at = models.DateTimeField(_("last reviewed at"), null=True, blank=True)

    class Meta:
        ordering = ["-archived_at", "-pk"]
        verbose_name = _("archive record")
        verbose_name_plural = _("archive records")

    def __str__(self) -> str:
        return str(self.order)


class ArchiveReview(models.Model):
    """One yearly review of an archived record, with the reviewer's note."""

    record = models.ForeignKey(
        ArchiveRecord, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("record")
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("reviewer"),
    )
    note = models.TextField(_("note"))
    reviewed_at = models.DateTimeField(_("reviewed at"), auto_now_add=True)

    class Meta:
        ordering = ["-reviewed_at", "-pk"]
        verbose_name = _("archive review")
        verbose_name_plural = _("archive reviews")

    def __str__(self) -> str:
        return f"{self.record} {self.reviewed_at:%Y-%m-%d}"
