"""Products, warehouses and stock. Every change of stock is a ``StockMovement``
row written by ``inventory.services`` in the same transaction as the change."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _


class Product(models.Model):
    sku = models.CharField(_("SKU"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    barcode = models.CharField(_("barcode"), max_length=64, unique=True, blank=True, null=True)
    unit = models.CharField(_("unit"), max_length=20, default="pcs")
    list_price = models.DecimalField(
        _("list price (CNY)"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.00"))],
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["sku"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        constraints = [
            models.CheckConstraint(
                condition=Q(list_price__gte=0), name="product_price_not_negative"
            ),
        ]
        # A scan is looked up ignoring case (inventory.selectors.product_by_code):
        # these expression indexes keep that an index probe, not a table scan.
        indexes = [
            models.Index(Upper("barcode"), name="product_barcode_upper"),
            models.Index(Upper("sku"), name="product_sku_upper"),
        ]

    def __str__(self) -> str:
        return f"{self.sku} · {self.name}"


class ProductCode(models.Model):
    """Another code a product is labelled with on the shelf: a supplier's
    EAN, the warehouse's own label. A scan of it finds the product like its
    barcode or SKU does (process 3.1).

    Codes are unique ignoring case, here by constraint; that a code is not
    also another product's barcode or SKU is checked by
    ``inventory.services.product_code_ensure_free`` (no constraint spans
    two tables).
    """

    class Kind(models.TextChoices):
        SUPPLIER_EAN = "supplier_ean", _("Supplier's EAN")
        INTERNAL_LABEL = "internal_label", _("Internal label")
        OTHER = "other", _("Other")

    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="codes", verbose_name=_("product")
    )
    code = models.CharField(
        _("code"),
        max_length=64,
        help_text=_("Exactly as the scanner reads it; upper and lower case count as the same."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    note = models.CharField(
        _("note"),
        max_length=200,
        blank=True,
        help_text=_("For example which supplier prints it."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["product__sku", "code"]
        verbose_name = _("alternative code")
        verbose_name_plural = _("alternative codes")
        constraints = [
            # Also the index the scan lookup probes.
            models.UniqueConstraint(
                Upper("code"),
                name="product_code_unique_ignoring_case",
                violation_error_message=_("This code is already in use."),
            ),
        ]

    def __str__(self) -> str:
        return self.code


class Warehouse(models.Model):
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    is_default = models.BooleanField(
        _("default warehouse"),
        default=False,
        help_text=_("Orders reserve and ship stock from the default warehouse."),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_warehouse"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"


class StockItem(models.Model):
    """On-hand and reserved quantity of one product in one warehouse.

    The CHECK constraint makes an oversold row impossible, not merely
    unlikely: even a bug in a service cannot reserve more than is on hand.
    """

    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="stock_items", verbose_name=_("product")
    )
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="stock_items", verbose_name=_("warehouse")
    )
    on_hand = models.IntegerField(_("on hand"), default=0)
    reserved = models.IntegerField(_("reserved"), default=0)
    bin_location = models.CharField(_("bin location"), max_length=20, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["product__sku", "warehouse__code"]
        verbose_name = _("stock item")
        verbose_name_plural = _("stock items")
        constraints = [
            models.UniqueConstraint(
                fields=["product", "warehouse"], name="one_stock_item_per_place"
            ),
            models.CheckConstraint(
                condition=Q(reserved__gte=0) & Q(reserved__lte=F("on_hand")),
                name="stock_reserved_within_on_hand",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product.sku} @ {self.warehouse.code}"

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class StockMovement(models.Model):
    """One immutable ledger row per change of a stock item."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", _("Receipt")
        ADJUSTMENT = "adjustment", _("Adjustment")
        RESERVATION = "reservation", _("Reservation")
        RELEASE = "release", _("Release")
        SHIPMENT = "shipment", _("Shipment")
        RETURN = "return", _("Return")

    stock_item = models.ForeignKey(
        StockItem, on_delete=models.PROTECT, related_name="movements", verbose_name=_("stock item")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    on_hand_change = models.IntegerField(_("on-hand change"), default=0)
    reserved_change = models.IntegerField(_("reserved change"), default=0)
    on_hand_after = models.IntegerField(_("on hand after"))
    reserved_after = models.IntegerField(_("reserved after"))
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    order = models.ForeignKey(
        "orders.Order",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="stock_movements",
        verbose_name=_("order"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    created_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.stock_item}"
