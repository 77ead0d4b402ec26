"""Carriers and their rules, shipments, packages and shipping documents
(process 3.3 and 4)."""

import re
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from orders.regions import PROVINCES

# --- a tracking-number pattern in words -------------------------------------

# The character classes a carrier's pattern is written with, as words and as
# characters for an example number. A pattern made of these, literal
# characters and {n} / {m,n} counts (and | between alternatives) is told in
# words; any other regular expression is quoted as it is.
_CLASSES = {
    r"\d": ("digit", "1234567890"),
    "[0-9]": ("digit", "1234567890"),
    "[A-Z]": ("letter", "ABCDEFGHIJ"),
    "[A-Za-z]": ("letter", "ABCDEFGHIJ"),
    "[a-zA-Z]": ("letter", "ABCDEFGHIJ"),
    "[A-Z0-9]": ("alnum", "A1B2C3D4E5"),
    "[0-9A-Z]": ("alnum", "A1B2C3D4E5"),
    r"[A-Z\d]": ("alnum", "A1B2C3D4E5"),
    r"[\dA-Z]": ("alnum", "A1B2C3D4E5"),
}
_CLASS_TOKEN = re.compile("|".join(re.escape(c) for c in sorted(_CLASSES, key=len, reverse=True)))
_COUNT = re.compile(r"\{(\d{1,3})(?:,(\d{1,3}))?\}")
_LITERAL = re.compile(r"[A-Za-z0-9-]|\\[-.#/ ]")


def _count_words(kind: str, low: int, high: int) -> str:
    if low == high:
        if kind == "digit":
            return ngettext("%(n)s digit", "%(n)s digits", low) % {"n": low}
        if kind == "letter":
            return ngettext("%(n)s letter", "%(n)s letters", low) % {"n": low}
        return ngettext("%(n)s letter or digit", "%(n)s letters or digits", low) % {"n": low}
    words = {
        "digit": gettext("%(low)s to %(high)s digits"),
        "letter": gettext("%(low)s to %(high)s letters"),
        "alnum": gettext("%(low)s to %(high)s letters or digits"),
    }
    return words[kind] % {"low": low, "high": high}


def _describe_sequence(pattern: str) -> tuple[str, str] | None:
    """``SF\\d{12}`` → ("SF + 12 digits", "SF123456789012"), or None."""
    parts: list[str] = []
    example = ""
    literal = ""
    pos = 0
    while pos < len(pattern):
        token = _CLASS_TOKEN.match(pattern, pos)
        if token is None:
            char = _LITERAL.match(pattern, pos)
            if char is None or _COUNT.match(pattern, char.end()):
                return None
            literal += char.group(0)[-1]
            pos = char.end()
            continue
        kind, sample = _CLASSES[token.group(0)]
        pos = token.end()
        count = _COUNT.match(pattern, pos)
        low, high = 1, 1
        if count:
            low = int(count.group(1))
            high = int(count.group(2)) if count.group(2) else low
            pos = count.end()
        if pos < len(pattern) and pattern[pos] in "?*+":
            return None
        if literal:
            parts.append(literal)
            example += literal
            literal = ""
        parts.append(_count_words(kind, low, high))
        example += (sample * (high // len(sample) + 1))[:high]
    if literal:
        parts.append(literal)
        example += literal
    return (" + ".join(parts), example) if parts else None


def tracking_pattern_words(pattern: str) -> tuple[str, str] | None:
    """A carrier's tracking-number pattern in words, with an example number
    that matches it, in the reader's language; None for a pattern these
    words cannot say."""
    body = pattern.removeprefix("^").removesuffix("$")
    if body.startswith("(?:") and body.endswith(")") and body.count("(") == 1:
        body = body[3:-1]
    if any(c in body for c in "()"):
        return None
    described = [_describe_sequence(alternative) for alternative in body.split("|")]
    if not described or None in described:
        return None
    words = described[0][0]
    for other, _example in described[1:]:
        words = gettext("%(first)s or %(second)s") % {"first": words, "second": other}
    example = described[0][1]
    try:
        matches = re.fullmatch(pattern, example) is not None
    except re.error:
        return None
    return (words, example) if matches else (words, "")


class Carrier(models.Model):
    """A transport company logistics hands goods to (process 4.2)."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    tracking_url_template = models.CharField(
        _("tracking URL template"),
        max_length=300,
        blank=True,
        help_text=_("With {tracking_number} where the number goes."),
    )
    tracking_number_pattern = models.CharField(
        _("tracking number pattern"),
        max_length=200,
        help_text=_("A regular expression the whole tracking number must match."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("carrier")
        verbose_name_plural = _("carriers")

    def __str__(self) -> str:
        return self.name

    def tracking_url(self, tracking_number: str) -> str:
        if not self.tracking_url_template or not tracking_number:
            return ""
        return self.tracking_url_template.replace("{tracking_number}", tracking_number)

    @property
    def tracking_number_format(self) -> str:
        """The tracking-number pattern as a sentence logistics can act on, in
        the reader's language: "SF Express tracking numbers are SF + 12
        digits (e.g. SF123456789012)." Derived from the pattern, so it
        follows whatever the admin sets there; a pattern too intricate for
        words is quoted."""
        described = tracking_pattern_words(self.tracking_number_pattern)
        if described is None:
            return gettext("%(carrier)s tracking numbers must match the pattern %(pattern)s.") % {
                "carrier": self.name,
                "pattern": self.tracking_number_pattern,
            }
        words, example = described
        if example:
            return gettext("%(carrier)s tracking numbers are %(format)s (e.g. %(example)s).") % {
                "carrier": self.name,
                "format": words,
                "example": example,
            }
        return gettext("%(carrier)s tracking numbers are %(format)s.") % {
            "carrier": self.name,
            "format": words,
        }

    def tracking_number_valid(self, tracking_number: str) -> bool:
        try:
            return re.fullmatch(self.tracking_number_pattern, tracking_number) is not None
        except re.error:
            return False

    def clean(self):
        try:
            re.compile(self.tracking_number_pattern)
        except re.error as exc:
            raise ValidationError(
                {"tracking_number_pattern": _("Not a valid regular expression: %s") % exc}
            ) from exc


class CarrierService(models.Model):
    carrier = models.ForeignKey(
        Carrier, on_delete=models.CASCADE, related_name="services", verbose_name=_("carrier")
    )
    code = models.SlugField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["carrier", "code"]
        verbose_name = _("carrier service")
        verbose_name_plural = _("carrier services")
        constraints = [
            models.UniqueConstraint(fields=["carrier", "code"], name="one_service_code_per_carrier")
        ]

    def __str__(self) -> str:
        return f"{self.carrier.name} · {self.name}"


class CarrierRule(models.Model):
    """Which carrier and service serve an address and weight, and in how many
    days. The most specific rule wins: city before province before anywhere,
    then the lower priority number. Its transit days also feed the review's
    earliest feasible delivery date (process 2.1)."""

    carrier = models.ForeignKey(
        Carrier, on_delete=models.CASCADE, related_name="rules", verbose_name=_("carrier")
    )
    service = models.ForeignKey(
        CarrierService, on_delete=models.CASCADE, related_name="rules", verbose_name=_("service")
    )
    province = models.CharField(
        _("province"),
        max_length=20,
        choices=PROVINCES,
        blank=True,
        help_text=_("Empty: any province."),
    )
    city = models.CharField(_("city"), max_length=50, blank=True, help_text=_("Empty: any city."))
    min_weight_kg = models.DecimalField(
        _("from weight (kg)"), max_digits=8, decimal_places=2, default=Decimal("0")
    )
    max_weight_kg = models.DecimalField(
        _("up to weight (kg)"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Empty: no upper limit."),
    )
    transit_days = models.PositiveIntegerField(_("transit days"))
    priority = models.PositiveIntegerField(
        _("priority"), default=100, help_text=_("Lower wins among equally specific rules.")
    )

    class Meta:
        ordering = ["province", "city", "priority", "min_weight_kg"]
        verbose_name = _("carrier rule")
        verbose_name_plural = _("carrier rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(max_weight_kg__isnull=True) | Q(max_weight_kg__gt=F("min_weight_kg")),
                name="rule_weight_range_valid",
            ),
        ]

    def __str__(self) -> str:
        where = " ".join(filter(None, [self.province, self.city])) or str(_("anywhere"))
        return f"{where}: {self.service} ({self.transit_days}d)"

    def clean(self):
        if self.service_id and self.carrier_id and self.service.carrier_id != self.carrier_id:
            raise ValidationError({"service": _("Choose a service of this carrier.")})


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
    """Planned when the order is packed (the proposed carrier prints on the
    labels); shipped when logistics records the tracking number."""

    order = models.ForeignKey(
        "orders.Order", on_delete=models.PROTECT, related_name="shipments", verbose_name=_("order")
    )
    carrier = models.ForeignKey(
        Carrier,
        on_delete=models.PROTECT,
        related_name="shipments",
        verbose_name=_("carrier"),
        null=True,
    )
    service = models.ForeignKey(
        CarrierService,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("service"),
        null=True,
        blank=True,
    )
    proposed_carrier = models.ForeignKey(
        Carrier,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("proposed carrier"),
    )
    override_reason = models.CharField(_("reason for another carrier"), max_length=255, blank=True)
    carrier_name = models.CharField(_("carrier"), max_length=100, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=64, blank=True)
    transit_days = models.PositiveIntegerField(_("transit days"), null=True, blank=True)
    planned_at = models.DateTimeField(_("planned at"), default=timezone.now)
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True, db_index=True)
    shipped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("shipped by"),
    )
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    signed_by = models.CharField(_("signed by"), max_length=100, blank=True)
    delivery_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("delivery recorded by"),
    )

    class Meta:
        ordering = ["pk"]
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")

    def __str__(self) -> str:
        return f"{self.carrier_name} {self.tracking_number}".strip()

    @property
    def tracking_url(self) -> str:
        return self.carrier.tracking_url(self.tracking_number) if self.carrier else ""


class ShippingDocument(models.Model):
    """A PDF produced when the order is packed (process 3.3), kept with the
    order so it can be printed again."""

    class Kind(models.TextChoices):
        PACKING_SLIP = "packing_slip", _("Delivery note / packing slip")
        LABELS = "labels", _("Package labels")

    order = models.ForeignKey(
        "orders.Order", on_delete=models.PROTECT, related_name="documents", verbose_name=_("order")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to="documents/%Y/%m/")
    language = models.CharField(_("language"), max_length=10)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("shipping document")
        verbose_name_plural = _("shipping documents")

    def __str__(self) -> str:
        return f"{self.order_id} {self.get_kind_display()}"
