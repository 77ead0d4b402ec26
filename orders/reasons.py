"""The reasons a manager gives for sending an order back or cancelling it,
as stored codes and their labels in the reader's language."""

from django.utils.translation import gettext_lazy as _

ADJUSTMENT_REASON_LABELS = {
    "stock_shortage": _("Stock shortage"),
    "price_change": _("Price change"),
    "delivery_date": _("Delivery date not feasible"),
    "credit": _("Over credit limit"),
    "other": _("Other"),
}
CANCEL_REASON_LABELS = {
    "customer_request": _("Customer request"),
    "stock_unavailable": _("Stock unavailable"),
    "payment": _("Payment problem"),
    "duplicate": _("Duplicate order"),
    "other": _("Other"),
}


def reason_label(code: str) -> str:
    """A stored reason code in the reader's language (unknown codes as given)."""
    return str(ADJUSTMENT_REASON_LABELS.get(code) or CANCEL_REASON_LABELS.get(code) or code)
