"""The order: its statuses and their groups, its state machine, its lines,
and the yearly numbering.

``Order.status`` is a protected FSM field: the ``@transition`` methods below
are the only legal moves, each with its permission and conditions, and only
``orders.services`` calls them (inside a transaction, with the row locked).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from ..roles import is_integration_client
from .customers import Customer


class OrderNumberSequence(models.Model):
    """The last order number handed out per year on SQLite, where its row is
    incremented in place. PostgreSQL uses a sequence per year instead
    (``orders/services/numbers.py``); this table is not read there."""

    year = models.PositiveIntegerField(primary_key=True)
    last_value = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last_value}"


class OrderStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    NEEDS_ADJUSTMENT = "needs_adjustment", _("Needs adjustment")
    APPROVED = "approved", _("Approved")
    PICKING = "picking", _("Picking")
    QUALITY_CHECK = "quality_check", _("Quality check")
    PACKING = "packing", _("Packing")
    PACKED = "packed", _("Packed")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    ARCHIVED = "archived", _("Archived")


S = OrderStatus
# Orders that still count against the customer's credit (process 2.1).
OPEN_STATUSES = [
    S.SUBMITTED,
    S.NEEDS_ADJUSTMENT,
    S.APPROVED,
    S.PICKING,
    S.QUALITY_CHECK,
    S.PACKING,
    S.PACKED,
    S.SHIPPED,
    S.DELIVERED,
]
# Stock is reserved for the order in these states.
RESERVED_STATUSES = [S.APPROVED, S.PICKING, S.QUALITY_CHECK, S.PACKING, S.PACKED]
CANCELLABLE_STATUSES = [S.DRAFT, S.SUBMITTED, S.NEEDS_ADJUSTMENT, *RESERVED_STATUSES]
EDITABLE_STATUSES = [S.DRAFT, S.NEEDS_ADJUSTMENT]


def may_cancel(order: Order, user) -> bool:
    """Who may cancel (issue 11), the ``cancel`` transition's permission:

    * before approval (draft, submitted, needs adjustment): a role with
      ``orders.cancel_order`` (sales, managers, the API client), except that an
      order an API client created is cancelled by that client or a manager
      (the store holds the customer's payment and must know);
    * after approval (stock reserved, the warehouse may be working on it):
      only a manager (``orders.cancel_approved_order``).
    """
    if order.status in RESERVED_STATUSES:
        return user.has_perm("orders.cancel_approved_order")
    if not user.has_perm("orders.cancel_order"):
        return False
    if order.created_by_id and order.created_by_id != user.pk:
        if user.has_perm("orders.cancel_approved_order"):
            return True
        return not is_integration_client(order.created_by)
    return True


def _has_lines(order: Order) -> bool:
    return order.lines.exists()


def _all_lines_picked(order: Order) -> bool:
    return not order.lines.filter(picked_quantity__lt=F("quantity")).exists()


def _has_packages(order: Order) -> bool:
    return order.packages.exists()


def _has_shipment(order: Order) -> bool:
    return order.shipments.exclude(tracking_number="").exists()


class Order(ConcurrentTransitionMixin, models.Model):
    class Channel(models.TextChoices):
        PHONE = "phone", _("Phone")
        EMAIL = "email", _("Email")
        ONLINE_STORE = "online_store", _("Online store")
        API = "api", _("API")
        OTHER = "other", _("Other")

    class PaymentMethod(models.TextChoices):
        BANK_TRANSFER = "bank_transfer", _("Bank transfer")
        ALIPAY = "alipay", _("Alipay")
        WECHAT_PAY = "wechat_pay", _("WeChat Pay")
        CASH_ON_DELIVERY = "cash_on_delivery", _("Cash on delivery")
        MONTHLY_CREDIT = "monthly_credit", _("Monthly credit")

    number = models.CharField(_("order number"), max_length=20, unique=True, editable=False)
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="orders", verbose_name=_("customer")
    )
    salesperson = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="sales_orders",
        verbose_name=_("salesperson"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        verbose_name=_("created by"),
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    requested_delivery_date = models.DateField(_("requested delivery date"))
    payment_method = models.CharField(
        _("payment method"), max_length=20, choices=PaymentMethod.choices
    )
    notes = models.TextField(_("notes"), blank=True)
    external_ref = models.CharField(
        _("external reference"),
        max_length=100,
        blank=True,
        help_text=_("The client system's own reference; unique per client."),
    )
    warehouse = models.ForeignKey(
        "inventory.Warehouse",
        on_delete=models.PROTECT,
        related_name="orders",
        verbose_name=_("warehouse"),
    )
    status = FSMField(
        _("status"), default=S.DRAFT, choices=OrderStatus.choices, protected=True, db_index=True
    )
    total = models.DecimalField(_("total (CNY)"), max_digits=14, decimal_places=2, default=0)
    review_findings = models.JSONField(_("review findings"), default=list, blank=True)
    findings_computed_at = models.DateTimeField(_("findings computed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        indexes = [
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["updated_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "external_ref"],
                condition=~Q(external_ref=""),
                name="unique_external_ref_per_client",
            ),
        ]
        permissions = [
            ("submit_order", _("Can submit and resubmit orders")),
            ("review_order", _("Can approve orders or send them back for adjustment")),
            ("cancel_order", _("Can cancel orders")),
            ("pick_order", _("Can pick orders")),
            ("qc_order", _("Can quality-check orders")),
            ("pack_order", _("Can pack orders")),
            ("ship_order", _("Can ship orders")),
            ("deliver_order", _("Can confirm delivery")),
            ("complete_order", _("Can complete orders")),
            ("archive_order", _("Can archive orders")),
            ("review_archive", _("Can review archived records")),
            ("set_line_price", _("Can set a line's unit price other than the list price")),
            ("cancel_approved_order", _("Can cancel approved orders (stock reserved)")),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    # --- the state machine (DESIGN.md); only orders.services calls these ---

    @transition(
        field=status,
        source=S.DRAFT,
        target=S.SUBMITTED,
        permission="orders.submit_order",
        conditions=[_has_lines],
    )
    def submit(self):
        """Process 1.3: sales confirms the order is accurate."""

    @transition(
        field=status,
        source=S.SUBMITTED,
        target=S.NEEDS_ADJUSTMENT,
        permission="orders.review_order",
    )
    def request_adjustment(self):
        """Process 2.2: a problem was found; sales talks to the customer."""

    @transition(
        field=status,
        source=S.NEEDS_ADJUSTMENT,
        target=S.SUBMITTED,
        permission="orders.submit_order",
        conditions=[_has_lines],
    )
    def resubmit(self):
        """Process 2.2: the order was amended and goes back to review."""

    @transition(
        field=status, source=S.SUBMITTED, target=S.APPROVED, permission="orders.review_order"
    )
    def approve(self):
        """Process 2.3: approved; stock is reserved by the service."""

    @transition(
        field=status,
        source=CANCELLABLE_STATUSES,
        target=S.CANCELLED,
        permission=may_cancel,
    )
    def cancel(self):
        """Any time before shipping, by whom ``may_cancel`` says; reservations
        are released by the service."""

    @transition(field=status, source=S.APPROVED, target=S.PICKING, permission="orders.pick_order")
    def start_picking(self):
        """Process 3.1."""

    @transition(
        field=status,
        source=S.PICKING,
        target=S.QUALITY_CHECK,
        permission="orders.pick_order",
        conditions=[_all_lines_picked],
    )
    def finish_picking(self):
        """Process 3.1: allowed only when every line is fully picked."""

    @transition(field=status, source=S.PICKING, target=S.SUBMITTED, permission="orders.pick_order")
    def report_shortage(self):
        """Process 3.1: a line is not on the shelf. The reservation is released
        and the order returns to the manager's review queue with the shortage
        as a finding, instead of shipping short."""

    @transition(
        field=status, source=S.QUALITY_CHECK, target=S.PACKING, permission="orders.qc_order"
    )
    def pass_qc(self):
        """Process 3.2."""

    @transition(
        field=status, source=S.QUALITY_CHECK, target=S.PICKING, permission="orders.qc_order"
    )
    def fail_qc(self):
        """Process 3.2: back to picking with the defect recorded."""

    @transition(
        field=status,
        source=S.PACKING,
        target=S.PACKED,
        permission="orders.pack_order",
        conditions=[_has_packages],
    )
    def pack(self):
        """Process 3.3: packages recorded."""

    @transition(
        field=status,
        source=S.PACKED,
        target=S.SHIPPED,
        permission="orders.ship_order",
        conditions=[_has_shipment],
    )
    def ship(self):
        """Process 4.1–4.3: carrier and tracking number recorded."""

    @transition(
        field=status, source=S.SHIPPED, target=S.DELIVERED, permission="orders.deliver_order"
    )
    def confirm_delivery(self):
        """Process 4.3."""

    @transition(
        field=status, source=S.DELIVERED, target=S.COMPLETED, permission="orders.complete_order"
    )
    def complete(self):
        """Process 5: the follow-up window closed."""

    @transition(
        field=status,
        source=[S.COMPLETED, S.CANCELLED],
        target=S.ARCHIVED,
        permission="orders.archive_order",
    )
    def archive(self):
        """Documentation 5: read-only from now on."""


class OrderLine(models.Model):
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="lines", verbose_name=_("order")
    )
    product = models.ForeignKey(
        "inventory.Product",
        on_delete=models.PROTECT,
        related_name="order_lines",
        verbose_name=_("product"),
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price = models.DecimalField(
        _("unit price (CNY)"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )
    line_total = models.DecimalField(_("line total (CNY)"), max_digits=14, decimal_places=2)
    picked_quantity = models.PositiveIntegerField(_("picked"), default=0)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="line_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="line_price_not_negative"),
            models.CheckConstraint(
                condition=Q(picked_quantity__lte=F("quantity")), name="line_picked_within_quantity"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order.number}: {self.quantity} × {self.product.sku}"
