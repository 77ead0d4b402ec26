"""The sales manager's admin: review, approve, send back or cancel orders
(process 2.1–2.3), the customers and the archive.

Django's admin autodiscovery imports this package, which registers each
model from its module: ``orders`` (the orders, their actions, order page
buttons and review queue; why the admin decides but never edits is told
there), ``customers``, ``archive``; ``inlines`` and ``transitions`` are what
the order page reads and the decisions it offers.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

# isort: off
# Registered in the order they were in one module.
from .orders import OrderAdmin
from .archive import ArchiveRecordAdmin, ArchiveReviewInline
from .customers import CustomerAdmin, CustomerAdminForm, CustomerEventInline

# isort: on
from .inlines import (
    CustomerContactInline,
    OrderEventInline,
    OrderLineInline,
    ReadOnlyInline,
    event_details,
)
from .transitions import ADMIN_TRANSITIONS, AdjustmentForm, CancelForm, run_transition

admin.site.site_header = _("Sales order management")
admin.site.site_title = _("Sales orders")
admin.site.index_title = _("Administration")

__all__ = [
    "ADMIN_TRANSITIONS",
    "AdjustmentForm",
    "ArchiveRecordAdmin",
    "ArchiveReviewInline",
    "CancelForm",
    "CustomerAdmin",
    "CustomerAdminForm",
    "CustomerContactInline",
    "CustomerEventInline",
    "OrderAdmin",
    "OrderEventInline",
    "OrderLineInline",
    "ReadOnlyInline",
    "event_details",
    "run_transition",
]
