"""Reads about carriers: which rule serves an address, and transit times."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from .models import Carrier, CarrierRule


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
