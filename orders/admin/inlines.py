"""Inlines: what the manager reads on the order page, and the read-only
inline the other admin pages' timelines build on."""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from orders_site.formatting import cny
from orders_site.forms import person_name

from .. import forms as order_forms
from .. import selectors
from ..models import CustomerContact, OrderEvent, OrderLine


class ReadOnlyInline(admin.TabularInline):
    """Rows written only by the services: shown, never added, changed or deleted."""

    extra = 0
    can_delete = False
    show_change_link = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class OrderLineInline(ReadOnlyInline):
    # Lines are edited by sales in the web UI through ``order_update`` (only
    # while the order is editable); the manager reads them here.
    model = OrderLine
    fields = ["product", "quantity", "unit_price_cny", "line_total_cny", "picked_quantity"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("product")

    @admin.display(description=_("unit price (CNY)"))
    def unit_price_cny(self, line):
        return cny(line.unit_price)

    @admin.display(description=_("line total (CNY)"))
    def line_total_cny(self, line):
        return cny(line.line_total)


class OrderEventInline(ReadOnlyInline):
    model = OrderEvent
    verbose_name = _("timeline entry")
    verbose_name_plural = _("timeline")
    fields = ["created_at", "kind", "change", "actor_name", "note", "details"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    @admin.display(description=_("status change"))
    def change(self, event):
        if event.kind != OrderEvent.Kind.TRANSITION:
            return ""
        return format_html(
            _("{transition}: {from_status} → {to_status}"),
            transition=capfirst(
                str(selectors.TRANSITION_LABELS.get(event.transition, event.transition))
            ),
            from_status=event.get_from_status_display(),
            to_status=event.get_to_status_display(),
        )

    @admin.display(description=_("by"))
    def actor_name(self, event):
        return person_name(event.actor) or _("system")

    @admin.display(description=_("details"))
    def details(self, event):
        return event_details(event.data)


def event_details(data: dict) -> str:
    """The parts of an event's data a manager reads, in words."""
    parts = []
    if reason := data.get("reason"):
        parts.append(_("Reason: %(reason)s") % {"reason": order_forms.reason_label(reason)})
    for key, label in (
        ("reserved", _("Reserved: %(items)s")),
        ("released", _("Released: %(items)s")),
    ):
        if moved := data.get(key):
            items = ", ".join(f"{sku} × {qty}" for sku, qty in moved.items())
            parts.append(label % {"items": items})
    if "findings" in data:
        n = len(data["findings"])
        parts.append(
            ngettext("%(n)d review finding", "%(n)d review findings", n) % {"n": n}
            if n
            else _("No review findings")
        )
    if changes := data.get("changes"):
        parts.append(_("Changed: %(fields)s") % {"fields": ", ".join(changes)})
    if tracking := data.get("tracking_number"):
        parts.append(f"{data.get('carrier', '')} {tracking}".strip())
    if sku := data.get("sku"):
        parts.append(f"{sku} × {data.get('quantity', '')}")
    return "; ".join(str(p) for p in parts)


class CustomerContactInline(ReadOnlyInline):
    model = CustomerContact
    fields = ["contacted_at", "channel", "summary", "contacted_by"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("contacted_by")
