"""The whole transition graph: every legal move works for each role that may
take it; every illegal move (wrong state, wrong role) is refused with a clear
error and changes nothing."""

import pytest

from inventory.models import StockItem, StockMovement
from orders.exceptions import InvalidTransition, OrderArchived, TransitionForbidden
from orders.models import Order, OrderEvent
from tests import flow
from tests.factories import UserFactory, make_order

LEGAL = [
    (name, source, role)
    for name, (sources, _target, roles) in flow.GRAPH.items()
    for source in sources
    for role in sorted(flow.roles_for(name, source))
]
WRONG_ROLE = [
    (name, sources[0], role)
    for name, (sources, _target, roles) in flow.GRAPH.items()
    for role in flow.ROLES
    if role not in roles
] + [
    (name, source, role)
    for (name, source), roles in flow.ROLES_BY_SOURCE.items()
    for role in flow.GRAPH[name][2] - roles
]
WRONG_STATE = [
    (name, state)
    for name, (sources, _target, _roles) in flow.GRAPH.items()
    for state in flow.STATES
    if state not in sources and state != "archived"
]


@pytest.fixture
def admin(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


@pytest.fixture
def order(customer, product, admin):
    return make_order(customer=customer, salesperson=admin, lines=[(product, 3)])


def snapshot(order):
    """Everything a refused transition must leave untouched."""
    order.refresh_from_db()
    return (
        order.status,
        order.events.count(),
        list(StockItem.objects.values_list("pk", "on_hand", "reserved").order_by("pk")),
        StockMovement.objects.count(),
        list(order.lines.values_list("pk", "quantity", "picked_quantity").order_by("pk")),
        order.packages.count(),
        order.shipments.count(),
    )


def test_the_model_declares_exactly_the_documented_graph():
    # given the transitions django-fsm knows on Order.status
    declared = {}
    for t in Order._meta.get_field("status").get_all_transitions(Order):
        declared.setdefault(t.name, set()).add((t.source, t.target))
    # then they are the documented ones, no more, no fewer
    expected = {
        name: {(s, target) for s in sources}
        for name, (sources, target, _roles) in flow.GRAPH.items()
    }
    assert declared == expected


@pytest.mark.parametrize(("name", "source", "role"), LEGAL)
def test_legal_move_works_for_its_role(name, source, role, order, admin):
    # given an order in the source state and a user with only this role
    order = flow.walk_to(order, source, admin)
    flow.prepare(order, name, admin)
    user = UserFactory(username=f"u-{role}", roles=[role])
    events_before = order.events.count()
    # when the user takes the transition
    result = flow.run(order, name, user)
    # then the order is in the target state, and an audit event says so
    target = flow.GRAPH[name][1]
    result.refresh_from_db()
    assert result.status == target
    event = result.events.order_by("-pk").first()
    assert result.events.count() == events_before + 1
    assert (event.kind, event.transition, event.from_status, event.to_status, event.actor) == (
        OrderEvent.Kind.TRANSITION,
        name,
        source,
        target,
        user,
    )


@pytest.mark.parametrize(("name", "source", "role"), WRONG_ROLE)
def test_wrong_role_is_refused_and_nothing_changes(name, source, role, order, admin):
    # given an order where the move would be legal, and a user without the role
    order = flow.walk_to(order, source, admin)
    flow.prepare(order, name, admin)
    user = UserFactory(username=f"u-{role}", roles=[role])
    before = snapshot(order)
    # when that user tries it, then it is refused as forbidden
    with pytest.raises(TransitionForbidden) as exc:
        flow.run(order, name, user)
    assert exc.value.status == 403
    assert "may not" in exc.value.message
    # and nothing changed
    assert snapshot(order) == before


@pytest.mark.parametrize(("name", "state"), WRONG_STATE)
def test_wrong_state_is_refused_and_nothing_changes(name, state, order, admin):
    # given an order in a state the transition does not start from
    order = flow.walk_to(order, state, admin)
    before = snapshot(order)
    # when even a superuser tries it, then it is refused as an invalid transition
    with pytest.raises(InvalidTransition) as exc:
        flow.run(order, name, admin)
    assert exc.value.status == 409
    assert exc.value.extra["status_now"] == state
    assert name not in exc.value.extra["allowed_transitions"]
    # and nothing changed
    assert snapshot(order) == before


@pytest.mark.parametrize("name", list(flow.GRAPH))
def test_an_archived_order_refuses_every_transition_as_archived(name, order, admin):
    # given an archived order (documentation 5: read-only)
    order = flow.walk_to(order, "archived", admin)
    before = snapshot(order)
    # when even a superuser tries any transition, then it is refused as archived
    with pytest.raises(OrderArchived) as exc:
        flow.run(order, name, admin)
    assert (exc.value.status, exc.value.code) == (409, "archived")
    assert order.number in exc.value.message
    # and nothing changed
    assert snapshot(order) == before


def test_available_transitions_follow_role_and_state(order, admin):
    # given a submitted order
    order = flow.walk_to(order, "submitted", admin)
    manager = UserFactory(username="m", roles=["Sales Manager"])
    sales = UserFactory(username="s", roles=["Sales"])
    warehouse = UserFactory(username="w", roles=["Warehouse"])
    names = lambda u: sorted(t.name for t in order.get_available_user_status_transitions(u))  # noqa: E731
    # then each role sees exactly its buttons
    assert names(manager) == ["approve", "cancel", "request_adjustment"]
    assert names(sales) == ["cancel"]
    assert names(warehouse) == []
