"""Transit times, shipments and packages. Carriers and their rules, documents
and manifests come with the shipping issue."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from orders.regions import PROVINCES


class TransitTime(models.Model):
    """Days in transit to a province: feeds the earliest feasible delivery
    date of the review (process 2.1). Editable in the admin."""

    province = models.CharField(_("province"), max_length=20, choices=PROVINCES, unique=True)
    transit_days = models.PositiveIntegerField(_("transit days"))

    class Meta:
        ordering = ["province"]
        verbose_name = _("transit time")
        verbose_name_plural = _("transit times")

    def __str__(self) -> str:
        return f"{self.province}: {self.transit_days}"


class Package(models.Model):
    order = models.ForeignKey(
        "orders.Order", on_delete=models.CASCADE, related_name="packages", verbose_name=_("order")
    )
    weight_kg = models.DecimalField(
        _("weight (kg)"),
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    length_cm = models.PositiveIntegerField(_("length (cm)"), null=True, blank=True)
    width_cm = models.PositiveIntegerField(_("width (cm)"), null=True, blank=True)
    height_cm = models.PositiveIntegerField(_("height (cm)"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("package")
        verbose_name_plural = _("packages")

    def __str__(self) -> str:
        return f"{self.order_id}: {self.weight_kg} kg"


class Shipment(models.Model):
    order = models.ForeignKey(
        "orders.Order", on_delete=models.PROTECT, related_name="shipments", verbose_name=_("order")
    )
    carrier_name = models.CharField(_("carrier"), max_length=100)
    tracking_number = models.CharField(_("tracking number"), max_length=64)
    shipped_at = models.DateTimeField(_("shipped at"), auto_now_add=True)
    shipped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("shipped by"),
    )
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    signed_by = models.CharField(_("signed by"), max_length=100, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")

    def __str__(self) -> str:
        return f"{self.carrier_name} {self.tracking_number}"
