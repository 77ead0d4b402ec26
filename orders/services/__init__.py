"""Every write of the order core: customers, intake, review and approval,
the archive's records, and the lines' counters the stages report. Each state
change passes through ``orders.transitions.transition``. Views, the admin,
the API and tasks call these; the stages' own writes live in their apps
(``warehouse.services``, ``shipping.services``, ``aftersales.services``)."""

from .archive import archive_review_record, order_archive
from .customers import (
    CUSTOMER_FIELDS,
    CUSTOMER_TERMS_FIELDS,
    customer_create,
    customer_fields_for,
    customer_update,
)
from .intake import (
    LineInput,
    order_create,
    order_intake,
    order_record_contact,
    order_update,
)
from .lines import line_picked_add, line_to_pick, lines_picks_reset
from .numbers import order_number_next, order_numbers_continue_after
from .review import (
    ADJUSTMENT_REASONS,
    CANCEL_REASONS,
    order_approve,
    order_cancel,
    order_request_adjustment,
    order_resubmit,
    order_submit,
)

__all__ = [
    "ADJUSTMENT_REASONS",
    "CANCEL_REASONS",
    "CUSTOMER_FIELDS",
    "CUSTOMER_TERMS_FIELDS",
    "LineInput",
    "archive_review_record",
    "customer_create",
    "customer_fields_for",
    "customer_update",
    "line_picked_add",
    "line_to_pick",
    "lines_picks_reset",
    "order_approve",
    "order_archive",
    "order_cancel",
    "order_create",
    "order_intake",
    "order_number_next",
    "order_numbers_continue_after",
    "order_record_contact",
    "order_request_adjustment",
    "order_resubmit",
    "order_submit",
    "order_update",
]
