"""The lines' own counters, written for the stages: the warehouse says what
was picked (``warehouse.services``), the core writes it on its lines."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import F

from ..models import Order, OrderLine


def line_to_pick(*, order: Order, product_id: int) -> OrderLine | None:
    """The first line of ``product_id`` not fully picked, locked."""
    return (
        order.lines.select_for_update()
        .filter(product_id=product_id, picked_quantity__lt=F("quantity"))
        .order_by("pk")
        .first()
    )


def line_picked_add(*, line: OrderLine, quantity: int) -> OrderLine:
    """``quantity`` more units of ``line`` picked (the caller checked the bound)."""
    line.picked_quantity += quantity
    line.save(update_fields=["picked_quantity"])
    return line


def lines_picks_reset(*, order: Order, line_ids: Iterable[int] | None = None) -> int:
    """Put the picks of ``order`` (or of ``line_ids`` only) back: picked again."""
    lines = order.lines.all()
    if line_ids is not None:
        lines = lines.filter(pk__in=list(line_ids))
    return lines.update(picked_quantity=0)
