"""The customers, and the timeline of changes to each (``CustomerEvent``)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..regions import PROVINCES
from ..validators import validate_china_phone, validate_postcode


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
