"""The warehouse screens' reads (process 3): the queue and the pick list."""

from __future__ import annotations

from django.db.models import Count, OuterRef, QuerySet, Subquery, Sum

from inventory.models import StockItem
from orders.models import Order, OrderLine


def warehouse_queue(*, statuses) -> QuerySet[Order]:
    """Orders waiting for the warehouse, the most urgent delivery date first,
    each with its line count and picked units, in one query."""
    return (
        Order.objects.filter(status__in=statuses)
        .select_related("customer")
        .annotate(
            line_count=Count("lines"),
            units=Sum("lines__quantity"),
            units_picked=Sum("lines__picked_quantity"),
        )
        .order_by("requested_delivery_date", "created_at", "pk")
    )


def pick_list(*, order: Order) -> list[OrderLine]:
    """The order's lines in walking order: by the bin where the order's
    warehouse keeps the product, lines without a bin last."""
    bins = StockItem.objects.filter(
        warehouse_id=order.warehouse_id, product_id=OuterRef("product_id")
    ).values("bin_location")[:1]
    lines = list(order.lines.select_related("product").annotate(bin=Subquery(bins)))
    lines.sort(key=lambda line: (not line.bin, line.bin or "", line.pk))
    for line in lines:
        line.left = line.quantity - line.picked_quantity
        line.done = line.left == 0
    return lines
