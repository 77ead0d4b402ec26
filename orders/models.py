"""Customers, orders and everything recorded about an order.

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

from .regions import PROVINCES
from .roles import is_integration_client
from .validators import validate_china_phone, validate_postcode


class Customer(models.Model):
    class Language(models.TextChoices):
        ZH_HANS = "zh-hans", _("Simplified Chinese")
        EN = "en", _("English")

    class PaymentTerms(models.TextChoices):
        PREPAID = "prepaid", _("Prepaid")
        ON_DELIVERY = "on_delivery", _("Payment on delivery")
        NET_30 = "net_30", _("Monthly statement, 30 days")
        NET_60 = "net_60", _("Monthly statement, 60 days")

    name = models.CharField(_("name"), max_length=100)
    company = models.CharField(_("company"), max_length=200, blank=True)
    contact_person = models.CharField(_("contact person"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, validators=[validate_china_phone])
    email = models.EmailField(_("email"), blank=True)
    province = models.CharField(_("province"), max_length=20, choices=PROVINCES)
    city = models.CharField(_("city"), max_length=50)
    district = models.CharField(_("district"), max_length=50, blank=True)
    street = models.CharField(_("street address"), max_length=200)
    postcode = models.CharField(
        _("postcode"), max_length=6, blank=True, validators=[validate_postcode]
    )
    preferred_language = models.CharField(
        _("preferred language"), max_length=10, choices=Language.choices, default=Language.ZH_HANS
    )
    credit_limit = models.DecimalField(
        _("credit limit (CNY)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Leave empty for no limit."),
    )
    payment_terms = models.CharField(
        _("payment terms"),
        max_length=20,
        choices=PaymentTerms.choices,
        default=PaymentTerms.PREPAID,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
        help_text=_("Who entered the customer; an API client may change only its own."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        indexes = [models.Index(fields=["phone"])]
        permissions = [
            # Money rules: a manager's decision (issue 11), enforced in
            # services.customer_create / customer_update.
            ("set_customer_terms", _("Can set a customer's credit limit and payment terms")),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.company})" if self.company else self.name

    @property
    def address(self) -> str:
        # A municipality (上海市, 北京市 ...) is its own city: name it once.
        city = "" if self.city == self.province else self.city
        return f"{self.province}{city}{self.district}{self.street}"


class CustomerEvent(models.Model):
    """One immutable row per change to a customer: who changed which fields,
    from what, to what (``changes`` is ``[{"field", "from", "to"}]``)."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        CHANGED = "changed", _("Changed")

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="events", verbose_name=_("customer")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("by"),
    )
    changes = models.JSONField(_("changes"), default=list, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("customer event")
        verbose_name_plural = _("customer events")
        indexes = [models.Index(fields=["customer", "created_at"])]

    def __str__(self) -> str:
        # Shown above each row of the admin's timeline: the reader's language.
        return str(self.get_kind_display())


class OrderNumberSequence(models.Model):
    """The last order number handed out per year; its row is locked while a
    number is taken, so concurrent intakes never share a number."""

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


class OrderEvent(models.Model):
    """One immutable row per thing that happened to an order: the timeline."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        UPDATED = "updated", _("Updated")
        TRANSITION = "transition", _("Status change")
        CONTACT = "contact", _("Customer contact")
        PICK = "pick", _("Pick")
        NOTE = "note", _("Note")
        FOLLOW_UP = "follow_up", _("Follow-up")
        SURVEY = "survey", _("Satisfaction survey")
        CASE = "case", _("After-sales case")
        RETURN = "return", _("Return")

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="events", verbose_name=_("order")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    transition = models.CharField(_("transition"), max_length=30, blank=True)
    from_status = models.CharField(
        _("from"), max_length=20, blank=True, choices=OrderStatus.choices
    )
    to_status = models.CharField(_("to"), max_length=20, blank=True, choices=OrderStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("by"),
    )
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("order event")
        verbose_name_plural = _("order events")
        indexes = [models.Index(fields=["order", "created_at"])]

    def __str__(self) -> str:
        return f"{self.order_id} {self.kind} {self.transition}"


class CustomerContact(models.Model):
    """Process 2.2: sales records each conversation with the customer."""

    class Channel(models.TextChoices):
        PHONE = "phone", _("Phone")
        EMAIL = "email", _("Email")
        WECHAT = "wechat", _("WeChat")
        VISIT = "visit", _("Visit")
        OTHER = "other", _("Other")

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("order")
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    summary = models.TextField(_("summary"))
    contacted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    contacted_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["contacted_at", "pk"]
        verbose_name = _("customer contact")
        verbose_name_plural = _("customer contacts")

    def __str__(self) -> str:
        return f"{self.order_id} {self.channel}"


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
