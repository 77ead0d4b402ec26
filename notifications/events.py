"""The events a webhook subscription can choose: one per order status an
order can move into (``order.approved``, ``order.shipped``, ...)."""

from django.utils.text import format_lazy


def webhook_events() -> list[tuple[str, str]]:
    from orders.models import OrderStatus

    return [
        (f"order.{value}", format_lazy("{label} (order.{value})", label=label, value=value))
        for value, label in OrderStatus.choices
        if value != OrderStatus.DRAFT
    ]


def webhook_event_names() -> list[str]:
    return [name for name, _label in webhook_events()]
