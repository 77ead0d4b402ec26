"""The warehouse stage's own records (process 3): what could not be picked
and what the quality check found. Picked quantities are the order lines'
(the core's); packages are shipping's, handed over at packing."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PickShortage(models.Model):
    """A line the picker could not find on the shelf (process 3.1). Reporting
    one sends the order back to the manager's review queue with its
    reservation released; the manager decides (adjust, wait, cancel)."""

    order = models.ForeignKey(
        "orders.Order", on_delete=models.CASCADE, related_name="shortages", verbose_name=_("order")
    )
    line = models.ForeignKey(
        "orders.OrderLine",
        on_delete=models.CASCADE,
        related_name="shortages",
        verbose_name=_("line"),
    )
    quantity_missing = models.PositiveIntegerField(_("quantity missing"))
    reason = models.CharField(_("reason"), max_length=255)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("reported by"),
    )
    reported_at = models.DateTimeField(_("reported at"), auto_now_add=True)

    class Meta:
        db_table = "inventory_pickshortage"  # its table from before the warehouse app
        ordering = ["-reported_at", "-pk"]
        verbose_name = _("pick shortage")
        verbose_name_plural = _("pick shortages")

    def __str__(self) -> str:
        return f"{self.order_id}: {self.quantity_missing} × line {self.line_id}"


class QualityCheck(models.Model):
    """One quality check of an order (process 3.2): the checklist as answered.
    Failed checks are counted by the process analytics."""

    order = models.ForeignKey(
        "orders.Order",
        on_delete=models.CASCADE,
        related_name="quality_checks",
        verbose_name=_("order"),
    )
    passed = models.BooleanField(_("passed"))
    quantity_ok = models.BooleanField(_("quantity right"))
    undamaged = models.BooleanField(_("nothing damaged"))
    packaging_ok = models.BooleanField(_("packaging intact"))
    line = models.ForeignKey(
        "orders.OrderLine",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("failed line"),
    )
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("checked by"),
    )
    checked_at = models.DateTimeField(_("checked at"), auto_now_add=True, db_index=True)

    class Meta:
        db_table = "inventory_qualitycheck"
        ordering = ["-checked_at", "-pk"]
        verbose_name = _("quality check")
        verbose_name_plural = _("quality checks")

    def __str__(self) -> str:
        return f"{self.order_id}: {'pass' if self.passed else 'fail'}"
