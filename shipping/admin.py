"""Shipping in the admin: the transit-time table managers keep up to date,
and read-only lists of what was packed and shipped."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Package, Shipment, TransitTime


@admin.register(TransitTime)
class TransitTimeAdmin(admin.ModelAdmin):
    """Days in transit per province: the review's earliest feasible delivery
    date is processing days plus these (process 2.1). A province missing here
    uses the ORDERS_DEFAULT_TRANSIT_DAYS setting."""

    list_display = ["province", "transit_days"]
    list_editable = ["transit_days"]
    search_fields = ["province"]
    ordering = ["province"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by the order services when packing and shipping."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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
    list_filter = ["carrier_name", ("shipped_at", admin.DateFieldListFilter)]
    search_fields = ["order__number", "tracking_number", "carrier_name"]
    search_help_text = _("Order number, tracking number or carrier.")
    list_select_related = ["order", "shipped_by"]
    date_hierarchy = "shipped_at"


@admin.register(Package)
class PackageAdmin(ReadOnlyAdmin):
    list_display = ["order", "weight_kg", "length_cm", "width_cm", "height_cm", "created_at"]
    search_fields = ["order__number"]
    list_select_related = ["order"]
