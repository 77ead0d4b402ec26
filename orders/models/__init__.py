"""Customers, orders and everything recorded about an order, one module per
job, every model and public name importable from here:

* ``customers``: the customers and the timeline of changes to each;
* ``orders``: the order, its statuses and their groups, its state machine
  (``may_cancel`` included), its lines and the yearly numbering;
* ``events``: an order's timeline and the contacts with its customer;
* ``archive``: the archived orders' records and their yearly reviews.

Migrations name the models by the app label (``orders``), not the module.
"""

# isort: off
# The models register in the order they were written in one module
# (content types, permissions and reverse relations keep their order).
from .customers import Customer, CustomerEvent
from .orders import (
    CANCELLABLE_STATUSES,
    EDITABLE_STATUSES,
    OPEN_STATUSES,
    RESERVED_STATUSES,
    Order,
    OrderLine,
    OrderNumberSequence,
    OrderStatus,
    may_cancel,
)
from .events import CustomerContact, OrderEvent
from .archive import ArchiveRecord, ArchiveReview

# isort: on

__all__ = [
    "CANCELLABLE_STATUSES",
    "EDITABLE_STATUSES",
    "OPEN_STATUSES",
    "RESERVED_STATUSES",
    "ArchiveRecord",
    "ArchiveReview",
    "Customer",
    "CustomerContact",
    "CustomerEvent",
    "Order",
    "OrderEvent",
    "OrderLine",
    "OrderNumberSequence",
    "OrderStatus",
    "may_cancel",
]
