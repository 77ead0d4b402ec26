"""Shipping in the admin: the transit-time table managers keep up to date,
and read-only lists of what was packed and shipped."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from orders_site.admin_mixins import ReadOnlyAdminMixin

from .models import Carrier, CarrierRule, CarrierService, Package, Shipment, ShippingDocument


class CarrierServiceInline(admin.TabularInline):
    model = CarrierService
    extra = 0


@admin.register(Carrier)
class CarrierAdmin(admin.ModelAdmin):
    """Carriers with their tracking-number pattern and services (process 4.2)."""

    list_display = ["name", "code", "tracking_number_pattern", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "code"]
    inlines = [CarrierServiceInline]


@admin.register(CarrierRule)
class CarrierRuleAdmin(admin.ModelAdmin):
    """Which carrier serves a province (and city) and weight, in how many days.
    The transit days also set the review's earliest feasible delivery date;
    an address no rule serves uses the ORDERS_DEFAULT_TRANSIT_DAYS setting."""

    list_display = [
        "province",
        "city",
        "min_weight_kg",
        "max_weight_kg",
        "carrier",
        "service",
        "transit_days",
        "priority",
    ]
    list_editable = ["transit_days", "priority"]
    list_filter = ["carrier", "province"]
    search_fields = ["province", "city", "carrier__name"]
    list_select_related = ["carrier", "service__carrier"]


class ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Rows written by the order services when packing and shipping."""


@admin.register(Shipment)
class ShipmentAdmin(ReadOnlyAdmin):
    list_display = [
        "order",
        "carrier_name",
        "tracking_number",
        "shipped_at",
        "shipped_by",
        "delivered_at",
        "signed_by",
    ]
    list_filter = ["carrier", ("shipped_at", admin.DateFieldListFilter)]
    search_fields = ["order__number", "tracking_number", "carrier_name"]
    search_help_text = _("Order number, tracking number or carrier.")
    list_select_related = ["order", "shipped_by"]
    date_hierarchy = "shipped_at"


@admin.register(Package)
class PackageAdmin(ReadOnlyAdmin):
    list_display = ["order", "weight_kg", "length_cm", "width_cm", "height_cm", "created_at"]
    search_fields = ["order__number"]
    list_select_related = ["order"]


@admin.register(ShippingDocument)
class ShippingDocumentAdmin(ReadOnlyAdmin):
    list_display = ["order", "kind", "language", "file", "created_at"]
    list_filter = ["kind"]
    search_fields = ["order__number"]
    list_select_related = ["order"]
