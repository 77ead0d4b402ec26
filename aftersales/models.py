"""After-sales (process 5): follow-ups, the satisfaction survey, cases and
returns. Every write goes through ``aftersales.services``."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

RATING = [MinValueValidator(1), MaxValueValidator(5)]


class ContactChannel(models.TextChoices):
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("Email")
    WECHAT = "wechat", _("WeChat")
    VISIT = "visit", _("Visit")
    OTHER = "other", _("Other")


class FollowUpStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")


FS = FollowUpStatus


class FollowUp(ConcurrentTransitionMixin, models.Model):
    """Process 5.1: sales calls the customer a set number of days after
    delivery. Open until the outcome is recorded."""

    Status = FollowUpStatus

    order = models.ForeignKey(
        "orders.Order", on_delete=models.PROTECT, related_name="follow_ups", verbose_name=_("order")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="follow_ups",
        verbose_name=_("owner"),
    )
    offset_days = models.PositiveSmallIntegerField(_("days after delivery"))
    due_on = models.DateField(_("due on"), db_index=True)
    status = FSMField(
        _("status"), max_length=10, choices=FS.choices, default=FS.OPEN, protected=True
    )
    channel = models.CharField(
        _("channel"), max_length=10, choices=ContactChannel.choices, blank=True
    )
    usage = models.TextField(_("how the product is used"), blank=True)
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction (1–5)"), null=True, blank=True, validators=RATING
    )
    notes = models.TextField(_("notes"), blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("done by"),
    )
    reminded_on = models.DateField(_("last reminded on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        constraints = [
            models.UniqueConstraint(
                fields=["order", "offset_days"], name="follow_up_once_per_offset"
            ),
        ]
        indexes = [models.Index(fields=["owner", "status", "due_on"])]

    def __str__(self) -> str:
        return f"{self.order} +{self.offset_days}d"

    # --- the follow-up's state machine; only aftersales.services calls it ---

    @transition(field=status, source=FS.OPEN, target=FS.DONE)
    def record(self):
        """The call was made: the service records how it went, once."""


class Survey(models.Model):
    """The satisfaction survey sent with the delivered message: a single-use,
    expiring link (only the token's SHA-256 is stored)."""

    order = models.OneToOneField(
        "orders.Order", on_delete=models.PROTECT, related_name="survey", verbose_name=_("order")
    )
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField(_("expires at"))
    rating = models.PositiveSmallIntegerField(
        _("rating (1–5)"), null=True, blank=True, validators=RATING
    )
    comment = models.TextField(_("comment"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="survey_rating_1_to_5",
            )
        ]

    def __str__(self) -> str:
        return f"{self.order}: {self.rating or '-'}"

    @staticmethod
    def hash_token(token: str) -> str:
        """What is stored of a link's token, and looked up by."""
        return hashlib.sha256((token or "").encode()).hexdigest()


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING_CUSTOMER = "waiting_customer", _("Waiting for customer")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


CS = CaseStatus
OPEN_CASE_STATUSES = [CS.OPEN, CS.IN_PROGRESS, CS.WAITING_CUSTOMER]


class Case(ConcurrentTransitionMixin, models.Model):
    """Process 5.2: a problem recorded and driven to a solution by the
    department responsible."""

    class Kind(models.TextChoices):
        COMPLAINT = "complaint", _("Complaint")
        RETURN = "return", _("Return")
        EXCHANGE = "exchange", _("Exchange")
        REPAIR = "repair", _("Repair")
        INQUIRY = "inquiry", _("Inquiry")

    class Department(models.TextChoices):
        SALES = "sales", _("Sales")
        WAREHOUSE = "warehouse", _("Warehouse")
        LOGISTICS = "logistics", _("Logistics")
        QUALITY = "quality", _("Quality")
        FINANCE = "finance", _("Finance")

    order = models.ForeignKey(
        "orders.Order", on_delete=models.PROTECT, related_name="cases", verbose_name=_("order")
    )
    lines = models.ManyToManyField(
        "orders.OrderLine", blank=True, related_name="cases", verbose_name=_("lines")
    )
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    department = models.CharField(_("department"), max_length=20, choices=Department.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("owner"),
    )
    due_on = models.DateField(_("due on"), db_index=True)
    status = FSMField(
        _("status"), default=CS.OPEN, choices=CaseStatus.choices, protected=True, db_index=True
    )
    resolution = models.TextField(_("resolution"), blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        permissions = [("handle_case", _("Can work on after-sales cases"))]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        return f"CS-{self.pk:06d}" if self.pk else "CS-new"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_CASE_STATUSES

    # --- the case's state machine; only aftersales.services calls these ---

    @transition(field=status, source=CS.OPEN, target=CS.IN_PROGRESS)
    def start(self):
        """Someone in the department responsible took it up."""

    @transition(field=status, source=CS.IN_PROGRESS, target=CS.WAITING_CUSTOMER)
    def wait_for_customer(self):
        """Asked the customer for something (photos, the goods, a date)."""

    @transition(field=status, source=CS.WAITING_CUSTOMER, target=CS.IN_PROGRESS)
    def resume(self):
        """The customer answered."""

    @transition(field=status, source=OPEN_CASE_STATUSES, target=CS.RESOLVED)
    def resolve(self):
        """Solved, with the resolution recorded; the customer is told."""

    @transition(field=status, source=CS.RESOLVED, target=CS.CLOSED)
    def close(self):
        """Nothing more to do."""

    @transition(field=status, source=[CS.RESOLVED, CS.CLOSED], target=CS.IN_PROGRESS)
    def reopen(self):
        """The problem came back."""


class CaseEntry(models.Model):
    """The case's history: internal notes, contacts with the customer and
    status changes, in order."""

    class Kind(models.TextChoices):
        NOTE = "note", _("Internal note")
        CONTACT = "contact", _("Customer contact")
        STATUS = "status", _("Status change")

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="entries", verbose_name=_("case")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    channel = models.CharField(
        _("channel"), max_length=10, choices=ContactChannel.choices, blank=True
    )
    text = models.TextField(_("text"), blank=True)
    from_status = models.CharField(_("from"), max_length=20, blank=True, choices=CaseStatus.choices)
    to_status = models.CharField(_("to"), max_length=20, blank=True, choices=CaseStatus.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("by"),
    )
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("case entry")
        verbose_name_plural = _("case entries")

    def __str__(self) -> str:
        return f"{self.case} {self.kind}"


class ReturnStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    RECEIVED = "received", _("Received")
    DONE = "done", _("Inspected and settled")
    CANCELLED = "cancelled", _("Cancelled")


RS = ReturnStatus


class Return(ConcurrentTransitionMixin, models.Model):
    """Goods coming back (process 5.2): requested, received, inspected, then
    each line restocked (on hand rises, a ledger row) or scrapped."""

    Status = ReturnStatus

    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="returns", verbose_name=_("case")
    )
    order = models.ForeignKey(
        "orders.Order", on_delete=models.PROTECT, related_name="returns", verbose_name=_("order")
    )
    reason = models.TextField(_("reason"))
    status = FSMField(
        _("status"), max_length=10, choices=RS.choices, default=RS.REQUESTED, protected=True
    )
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("received by"),
    )
    inspection_notes = models.TextField(_("inspection notes"), blank=True)
    inspected_at = models.DateTimeField(_("inspected at"), null=True, blank=True)
    inspected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("inspected by"),
    )
    refund_amount = models.DecimalField(
        _("refund (CNY)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("return")
        verbose_name_plural = _("returns")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(refund_amount__isnull=True) | models.Q(refund_amount__gte=0),
                name="return_refund_not_negative",
            )
        ]

    def __str__(self) -> str:
        return f"RT-{self.pk:06d}" if self.pk else "RT-new"

    # --- the return's state machine; only aftersales.services calls these ---

    @transition(field=status, source=RS.REQUESTED, target=RS.RECEIVED)
    def receive(self):
        """The goods arrived at the warehouse."""

    @transition(field=status, source=RS.RECEIVED, target=RS.DONE)
    def inspect(self):
        """Each line restocked or scrapped, the refund (if any) recorded."""

    @transition(field=status, source=RS.REQUESTED, target=RS.CANCELLED)
    def cancel(self):
        """The customer keeps the goods: the quantities are free again."""


class ReturnLine(models.Model):
    class Disposition(models.TextChoices):
        RESTOCK = "restock", _("Restock")
        SCRAP = "scrap", _("Scrap")

    return_request = models.ForeignKey(
        Return, on_delete=models.CASCADE, related_name="lines", verbose_name=_("return")
    )
    order_line = models.ForeignKey(
        "orders.OrderLine",
        on_delete=models.PROTECT,
        related_name="return_lines",
        verbose_name=_("order line"),
    )
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    disposition = models.CharField(
        _("disposition"), max_length=10, choices=Disposition.choices, blank=True
    )
    stock_movement = models.OneToOneField(
        "inventory.StockMovement",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("stock movement"),
    )

    class Meta:
        ordering = ["pk"]
        verbose_name = _("return line")
        verbose_name_plural = _("return lines")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1), name="return_line_qty_positive"
            ),
            models.UniqueConstraint(
                fields=["return_request", "order_line"], name="return_line_once_per_order_line"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.return_request}: {self.quantity} × {self.order_line_id}"
