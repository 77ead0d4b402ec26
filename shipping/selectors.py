"""Reads for shipping: which carrier rule serves an address, what waits for the
carrier and what is on the road, the day's hand-over manifest, an order's
shipments and documents."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    IntegerField,
    Min,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.utils import timezone

from orders.models import Order, OrderStatus
from orders.selectors import orders_visible_to

from .models import Carrier, CarrierRule, Shipment, ShippingDocument


def _rules_for(*, province: str, city: str) -> QuerySet[CarrierRule]:
    """Rules that serve this address, most specific first (city, then
    province, then anywhere), then by priority."""
    return (
        CarrierRule.objects.filter(carrier__is_active=True)
        .filter(Q(province="") | Q(province=province))
        .filter(Q(city="") | Q(city=city))
        .annotate(
            specificity=Case(
                When(~Q(city=""), then=Value(0)),
                When(~Q(province=""), then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
        .select_related("carrier", "service")
        .order_by("specificity", "priority", "pk")
    )


def carrier_rule_for(*, province: str, city: str, weight_kg: Decimal) -> CarrierRule | None:
    """The rule that proposes carrier, service and transit days (process 4.2)."""
    return (
        _rules_for(province=province, city=city)
        .filter(min_weight_kg__lte=weight_kg)
        .filter(Q(max_weight_kg__isnull=True) | Q(max_weight_kg__gte=weight_kg))
        .first()
    )


def transit_days_for(*, province: str, city: str) -> int | None:
    """Transit days to an address before the weight is known (the review):
    the most specific matching rule for a light parcel."""
    rule = carrier_rule_for(province=province, city=city, weight_kg=Decimal("0"))
    if rule is None:
        rule = _rules_for(province=province, city=city).first()
    return rule.transit_days if rule else None


def carriers_active() -> QuerySet[Carrier]:
    return Carrier.objects.filter(is_active=True).prefetch_related("services").order_by("name")


# --- logistics: what waits for the carrier, what is on the road (process 4) ---


def orders_packed() -> QuerySet[Order]:
    """Packed orders waiting for the carrier, the longest-waiting first, with
    what the hand-over page shows in a fixed number of queries: the customer,
    the package count and weight, and the planned shipment (the rules'
    proposal) as ``planned_shipments``."""
    planned = (
        Shipment.objects.filter(shipped_at__isnull=True)
        .select_related("carrier", "service", "proposed_carrier")
        .order_by("-pk")
    )
    return (
        Order.objects.filter(status=OrderStatus.PACKED)
        .select_related("customer")
        .annotate(package_count=Count("packages"), package_weight=Sum("packages__weight_kg"))
        .prefetch_related(Prefetch("shipments", queryset=planned, to_attr="planned_shipments"))
        .order_by("updated_at", "pk")
    )


def orders_in_transit() -> QuerySet[Order]:
    """Shipped orders whose delivery is not confirmed yet, the earliest
    hand-over first, with their shipments as ``sent_shipments``."""
    sent = (
        Shipment.objects.filter(shipped_at__isnull=False)
        .select_related("carrier", "service")
        .order_by("pk")
    )
    return (
        Order.objects.filter(status=OrderStatus.SHIPPED)
        .select_related("customer")
        .annotate(
            package_count=Count("packages", distinct=True),
            first_shipped_at=Min("shipments__shipped_at"),
        )
        .prefetch_related(Prefetch("shipments", queryset=sent, to_attr="sent_shipments"))
        .order_by("first_shipped_at", "pk")
    )


def local_day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """Start (inclusive) and end (exclusive) of ``day`` in the company's time
    zone (settings.TIME_ZONE): a manifest is for the warehouse's working day,
    whatever time zone the database keeps."""
    tz = timezone.get_default_timezone()
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min), tz)
    end = timezone.make_aware(
        datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min), tz
    )
    return start, end


def manifest_shipments(*, carrier: Carrier, day: datetime.date) -> QuerySet[Shipment]:
    """The shipments handed to ``carrier`` on local date ``day`` (process 4.1),
    in hand-over order, each with its order, customer, package count and
    weight: one query however many there are."""
    start, end = local_day_bounds(day)
    return (
        Shipment.objects.filter(carrier=carrier, shipped_at__gte=start, shipped_at__lt=end)
        .select_related("order__customer", "service")
        .annotate(
            package_count=Count("order__packages"),
            package_weight=Sum("order__packages__weight_kg"),
        )
        .order_by("shipped_at", "pk")
    )


def carrier_busiest_on(*, day: datetime.date) -> Carrier | None:
    """The carrier that took the most shipments on ``day``: the manifest
    page opens on it."""
    start, end = local_day_bounds(day)
    return (
        Carrier.objects.filter(shipments__shipped_at__gte=start, shipments__shipped_at__lt=end)
        .annotate(taken=Count("shipments"))
        .order_by("-taken", "name")
        .first()
    )


def carriers_all() -> QuerySet[Carrier]:
    """Every carrier, inactive ones too: past shipments and tracking links
    still name them."""
    return Carrier.objects.prefetch_related("services").order_by("name", "pk")


# --- what the order page and the API show about an order's shipping ---------


def order_shipments(*, order: Order) -> list[Shipment]:
    return list(
        order.shipments.select_related("carrier", "service", "proposed_carrier").order_by("pk")
    )


def order_documents(*, order: Order) -> QuerySet[ShippingDocument]:
    """The order's documents, the newest first (a re-pack adds a new set)."""
    return order.documents.order_by("-created_at", "-pk")


def documents_visible_to(*, user) -> QuerySet[ShippingDocument]:
    """Documents of the orders this user may see (an Integration client: only
    its own orders); nothing without ``orders.view_order``."""
    if not user.has_perm("orders.view_order"):
        return ShippingDocument.objects.none()
    return ShippingDocument.objects.filter(order__in=orders_visible_to(user=user)).select_related(
        "order"
    )
