"""What is recorded about an order as it goes: its timeline (``OrderEvent``)
and each conversation with its customer (``CustomerContact``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .orders import Order, OrderStatus


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
