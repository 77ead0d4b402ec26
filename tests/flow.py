"""Walk an order to any state through the real services (never by assigning
``status``), so tests start from states the product itself can reach."""

from orders import services
from orders.models import Order

# The documented graph (DESIGN.md), written out independently of the model:
# transition -> (sources, target, roles allowed).
GRAPH = {
    "submit": (["draft"], "submitted", {"Sales", "Sales Manager", "Integration"}),
    "request_adjustment": (["submitted"], "needs_adjustment", {"Sales Manager"}),
    "resubmit": (["needs_adjustment"], "submitted", {"Sales", "Sales Manager", "Integration"}),
    "approve": (["submitted"], "approved", {"Sales Manager"}),
    "cancel": (
        [
            "draft",
            "submitted",
            "needs_adjustment",
            "approved",
            "picking",
            "quality_check",
            "packing",
            "packed",
        ],
        "cancelled",
        {"Sales", "Sales Manager", "Integration"},
    ),
    "start_picking": (["approved"], "picking", {"Warehouse"}),
    "finish_picking": (["picking"], "quality_check", {"Warehouse"}),
    "pass_qc": (["quality_check"], "packing", {"Warehouse"}),
    "fail_qc": (["quality_check"], "picking", {"Warehouse"}),
    "pack": (["packing"], "packed", {"Warehouse"}),
    "ship": (["packed"], "shipped", {"Logistics"}),
    "confirm_delivery": (["shipped"], "delivered", {"Logistics"}),
    "complete": (["delivered"], "completed", {"Sales Manager", "After-sales"}),
    "archive": (["completed", "cancelled"], "archived", {"Sales Manager"}),
}
ROLES = ["Sales", "Sales Manager", "Warehouse", "Logistics", "After-sales", "Integration"]
STATES = [
    "draft",
    "submitted",
    "needs_adjustment",
    "approved",
    "picking",
    "quality_check",
    "packing",
    "packed",
    "shipped",
    "delivered",
    "completed",
    "cancelled",
    "archived",
]

# How to reach each state from draft.
PATHS = {
    "draft": [],
    "submitted": ["submit"],
    "needs_adjustment": ["submit", "request_adjustment"],
    "approved": ["submit", "approve"],
    "picking": ["submit", "approve", "start_picking"],
    "quality_check": ["submit", "approve", "start_picking", "pick_all", "finish_picking"],
    "packing": ["submit", "approve", "start_picking", "pick_all", "finish_picking", "pass_qc"],
    "packed": [
        "submit",
        "approve",
        "start_picking",
        "pick_all",
        "finish_picking",
        "pass_qc",
        "pack",
    ],
    "shipped": [
        "submit",
        "approve",
        "start_picking",
        "pick_all",
        "finish_picking",
        "pass_qc",
        "pack",
        "ship",
    ],
    "delivered": [
        "submit",
        "approve",
        "start_picking",
        "pick_all",
        "finish_picking",
        "pass_qc",
        "pack",
        "ship",
        "confirm_delivery",
    ],
    "completed": [
        "submit",
        "approve",
        "start_picking",
        "pick_all",
        "finish_picking",
        "pass_qc",
        "pack",
        "ship",
        "confirm_delivery",
        "complete",
    ],
    "cancelled": ["cancel"],
    "archived": ["cancel", "archive"],
}


def kwargs_for(name: str) -> dict:
    """The payload each transition needs."""
    return {
        "request_adjustment": {"reason": "stock_shortage", "note": "only 3 left"},
        "cancel": {"reason": "customer_request"},
        "fail_qc": {"reason": "box damaged"},
        "pack": {
            "packages": [{"weight_kg": "2.5", "length_cm": 30, "width_cm": 20, "height_cm": 10}]
        },
        "ship": {"carrier": "SF Express", "tracking_number": "SF1234567890"},
        "confirm_delivery": {"signed_by": "张三"},
    }.get(name, {})


def run(order: Order, name: str, user) -> Order:
    return services.TRANSITION_SERVICES[name](order=order, user=user, **kwargs_for(name))


def pick_all(order: Order, user) -> None:
    for line in order.lines.select_related("product"):
        services.order_record_pick(
            order=order, user=user, product=line.product, quantity=line.quantity
        )


def walk_to(order: Order, state: str, user) -> Order:
    """Take ``order`` from draft to ``state`` as ``user`` (a superuser)."""
    for step in PATHS[state]:
        if step == "pick_all":
            pick_all(order, user)
        else:
            order = run(order, step, user)
    assert order.status == state
    return order


def prepare(order: Order, name: str, user) -> None:
    """Meet a transition's conditions that are not part of its own payload."""
    if name == "finish_picking" and order.status == "picking":
        pick_all(order, user)
