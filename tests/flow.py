"""Walk an order to any state through the real services (never by assigning
``status``), so tests start from states the product itself can reach."""

from orders.models import Order
from orders_site import demo

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
    "report_shortage": (["picking"], "submitted", {"Warehouse"}),
    "pass_qc": (["quality_check"], "packing", {"Warehouse"}),
    "fail_qc": (["quality_check"], "picking", {"Warehouse"}),
    "pack": (["packing"], "packed", {"Warehouse"}),
    "ship": (["packed"], "shipped", {"Logistics"}),
    "confirm_delivery": (["shipped"], "delivered", {"Logistics"}),
    "complete": (["delivered"], "completed", {"Sales Manager", "After-sales"}),
    "archive": (["completed", "cancelled"], "archived", {"Sales Manager"}),
}
# Where a transition's roles depend on the source state (issue 11): after
# approval, stock is reserved and only a manager cancels.
ROLES_BY_SOURCE = {
    ("cancel", source): {"Sales Manager"}
    for source in ["approved", "picking", "quality_check", "packing", "packed"]
}


def roles_for(name: str, source: str) -> set[str]:
    """The roles that may take ``name`` from ``source``."""
    return ROLES_BY_SOURCE.get((name, source), GRAPH[name][2])


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

# Reaching states and running transitions is shared with the demo data.
PATHS = demo.PATHS
kwargs_for = demo.transition_kwargs
run = demo.run_transition
pick_all = demo.pick_all


def walk_to(order: Order, state: str, user) -> Order:
    """Take ``order`` from draft to ``state`` as ``user`` (a superuser)."""
    order = demo.walk_to(order, state, user)
    assert order.status == state
    return order


def prepare(order: Order, name: str, user) -> None:
    """Meet a transition's conditions that are not part of its own payload."""
    if name == "finish_picking" and order.status == "picking":
        pick_all(order, user)
