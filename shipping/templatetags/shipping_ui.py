"""What the sales order page shows about shipping (process 4.3: sales tells
the customer the carrier, the tracking link and the documents)."""

from __future__ import annotations

from django import template

from shipping import selectors

register = template.Library()


@register.simple_tag
def order_shipping(order) -> dict:
    """The order's shipments (with carrier and service), packages and
    documents: three queries, however many of each the order has."""
    return {
        "shipments": selectors.order_shipments(order=order),
        "packages": list(order.packages.all()),
        "documents": list(selectors.order_documents(order=order)),
    }
