"""The events a webhook subscription can choose: one per order status an
order can move into (``order.approved``, ``order.shipped``, ...)."""

from django.utils.translation import gettext_lazy as _


def webhook_events() -> list[tuple[str, str]]:
    from orders.models import OrderStatus

    return [
        (f"order.{value}", _("Order %(status)s") % {"status": label})
        for value, label in OrderStatus.choices
        if value != OrderStatus.DRAFT
    ]


def webhook_event_names() -> list[str]:
    return [name for name, _label in webhook_events()]
