"""Walking an order through the lifecycle with the real services, for demo
data and tests. Never assigns ``status``: each step is the service a user
would trigger."""

from __future__ import annotations

from orders import hooks
from orders.models import Order
from warehouse import services as warehouse_services

# The steps that take a draft to each state.
_TO_DELIVERED = [
    "submit",
    "approve",
    "start_picking",
    "pick_all",
    "finish_picking",
    "pass_qc",
    "pack",
    "ship",
    "confirm_delivery",
]
PATHS: dict[str, list[str]] = {
    "draft": [],
    "submitted": _TO_DELIVERED[:1],
    "needs_adjustment": ["submit", "request_adjustment"],
    "approved": _TO_DELIVERED[:2],
    "picking": _TO_DELIVERED[:3],
    "quality_check": _TO_DELIVERED[:5],
    "packing": _TO_DELIVERED[:6],
    "packed": _TO_DELIVERED[:7],
    "shipped": _TO_DELIVERED[:8],
    "delivered": _TO_DELIVERED,
    "completed": [*_TO_DELIVERED, "complete"],
    "cancelled": ["cancel"],
    "archived": [*_TO_DELIVERED, "complete", "archive"],
}


def transition_kwargs(name: str, order: Order | None = None) -> dict:
    """A plausible payload for each transition."""
    number = order.number if order else "SO"
    return {
        "request_adjustment": {
            "reason": "stock_shortage",
            "note": "Only part of the stock is left.",
        },
        "cancel": {"reason": "customer_request"},
        "fail_qc": {"reason": "Outer box damaged"},
        "pack": {
            "packages": [{"weight_kg": "2.50", "length_cm": 40, "width_cm": 30, "height_cm": 20}]
        },
        "ship": {
            "carrier": "sf",
            "tracking_number": "SF" + "".join(filter(str.isdigit, number)).zfill(12)[-12:],
        },
        "confirm_delivery": {"signed_by": "张三"},
        "report_shortage": {
            "line_id": order.lines.order_by("pk").values_list("pk", flat=True).first()
            if order
            else 0,
            "quantity_missing": 1,
            "reason": "Not on the shelf",
        },
    }.get(name, {})


def run_transition(order: Order, name: str, user) -> Order:
    return hooks.get_step(name).service(order=order, user=user, **transition_kwargs(name, order))


def pick_all(order: Order, user) -> None:
    for line in order.lines.select_related("product"):
        left = line.quantity - line.picked_quantity
        if left:
            warehouse_services.order_record_pick(
                order=order, user=user, product=line.product, quantity=left
            )


def walk_to(order: Order, state: str, user) -> Order:
    """Take a draft ``order`` to ``state`` as ``user`` (who needs every role)."""
    for step in PATHS[state]:
        if step == "pick_all":
            pick_all(order, user)
        else:
            order = run_transition(order, step, user)
    return order
