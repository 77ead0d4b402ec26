"""The return's and the follow-up's state machines: the services take only
the steps the machine allows (anything else is a 409 ``invalid_state``
that changes nothing), the caller's copy follows the step, and no code sets
the status by hand."""

from decimal import Decimal

import pytest
from django_fsm import TransitionNotAllowed, can_proceed

from aftersales import selectors, services
from aftersales.exceptions import AfterSalesConflict
from aftersales.models import Return
from orders.models import OrderEvent
from orders_site.demo import walk_to
from tests.factories import CustomerFactory, ProductFactory, UserFactory, make_order, stock

pytestmark = pytest.mark.django_db


@pytest.fixture
def boss(db):
    return UserFactory(
        username="boss",
        roles=["Sales", "Sales Manager", "Warehouse", "Logistics", "After-sales"],
    )


@pytest.fixture
def delivered(boss, warehouse):
    pump = ProductFactory(sku="PUMP-7", list_price=Decimal("10.00"))
    stock(pump, 20)
    salesperson = UserFactory(username="li", roles=["Sales"])
    order = make_order(customer=CustomerFactory(), salesperson=salesperson, lines=[(pump, 3)])
    return walk_to(order, "delivered", boss)


def refused(call) -> AfterSalesConflict:
    with pytest.raises(AfterSalesConflict) as conflict:
        call()
    assert (conflict.value.status, conflict.value.code) == (409, "invalid_state")
    return conflict.value


def return_events(order) -> int:
    return OrderEvent.objects.filter(order=order, kind=OrderEvent.Kind.RETURN).count()


def test_a_return_takes_only_the_steps_its_state_allows(boss, delivered):
    case = services.case_open(
        order=delivered, user=boss, kind="return", subject="Wrong model", department="sales"
    )
    line = delivered.lines.get()
    return_request = services.return_create(
        case=case, user=boss, reason="Wrong model", lines=[services.ReturnLineInput(line, 1)]
    )
    [return_line] = return_request.lines.all()
    restock = {return_line.pk: "restock"}
    assert selectors.return_available_transitions(return_request=return_request, user=boss) == [
        "receive",
        "cancel",
    ]
    # requested: not inspected before it arrives
    events = return_events(delivered)
    message = refused(
        lambda: services.return_inspect(
            return_request=return_request, user=boss, dispositions=restock
        )
    ).message
    assert message == f"Return {return_request} is Requested."
    # received: neither received again nor cancelled, and the caller's copy says so
    services.return_receive(return_request=return_request, user=boss)
    assert return_request.status == Return.Status.RECEIVED
    assert selectors.return_available_transitions(return_request=return_request, user=boss) == [
        "inspect"
    ]
    refused(lambda: services.return_receive(return_request=return_request, user=boss))
    refused(lambda: services.return_cancel(return_request=return_request, user=boss))
    # inspected: final
    services.return_inspect(return_request=return_request, user=boss, dispositions=restock)
    assert return_request.status == Return.Status.DONE
    assert selectors.return_available_transitions(return_request=return_request, user=boss) == []
    refused(lambda: services.return_receive(return_request=return_request, user=boss))
    refused(
        lambda: services.return_inspect(
            return_request=return_request, user=boss, dispositions=restock
        )
    )
    refused(lambda: services.return_cancel(return_request=return_request, user=boss))
    # the refused steps wrote nothing: one event each for receive and inspect
    assert return_events(delivered) == events + 2
    return_request.refresh_from_db()
    assert return_request.status == Return.Status.DONE
    # and the status is the machine's alone
    with pytest.raises(AttributeError):
        return_request.status = Return.Status.REQUESTED
    with pytest.raises(TransitionNotAllowed):
        return_request.cancel()


def test_a_cancelled_return_is_final(boss, delivered):
    case = services.case_open(
        order=delivered, user=boss, kind="return", subject="Changed mind", department="sales"
    )
    return_request = services.return_create(
        case=case,
        user=boss,
        reason="Changed mind",
        lines=[services.ReturnLineInput(delivered.lines.get(), 2)],
    )
    services.return_cancel(return_request=return_request, user=boss)
    assert return_request.status == Return.Status.CANCELLED
    refused(lambda: services.return_receive(return_request=return_request, user=boss))
    refused(lambda: services.return_cancel(return_request=return_request, user=boss))
    assert Return.objects.get().status == Return.Status.CANCELLED


def test_a_follow_up_takes_its_outcome_once(boss, delivered):
    follow_up = delivered.follow_ups.first()
    owner = follow_up.owner
    assert selectors.can_record(follow_up)
    services.follow_up_record(follow_up=follow_up, user=owner, channel="phone", notes="Happy")
    # the caller's copy is done, and the machine takes no second outcome
    assert follow_up.status == "done" and not can_proceed(follow_up.record)
    message = refused(
        lambda: services.follow_up_record(
            follow_up=follow_up, user=owner, channel="email", notes="Again"
        )
    ).message
    assert message == "This follow-up was already recorded."
    follow_up.refresh_from_db()
    assert (follow_up.channel, follow_up.notes) == ("phone", "Happy")
    assert OrderEvent.objects.filter(order=delivered, kind=OrderEvent.Kind.FOLLOW_UP).count() == 1
    with pytest.raises(AttributeError):
        follow_up.status = "open"
    with pytest.raises(TransitionNotAllowed):
        follow_up.record()
