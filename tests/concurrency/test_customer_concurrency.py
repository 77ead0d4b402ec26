"""Concurrent changes to one customer keep a true timeline (issue 11): each
change is made with the customer's row locked, so every event's "from" is
the previous event's "to" and none is lost."""

from decimal import Decimal

import pytest

from orders import services
from orders.models import Customer
from tests.concurrency.test_order_concurrency import run_in_threads
from tests.factories import CustomerFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_parallel_credit_limit_changes_chain_on_the_timeline():
    # given a customer and eight managers
    customer = CustomerFactory(credit_limit=Decimal("1000.00"))
    managers = [
        UserFactory(username=f"mgr-{i}", roles=["Sales Manager"], is_staff=True) for i in range(8)
    ]

    def change(manager, limit):
        services.customer_update(
            customer=Customer.objects.get(pk=customer.pk), user=manager, credit_limit=limit
        )

    # when each sets a different limit at the same moment
    results = run_in_threads(change, [(m, Decimal(2000 + i)) for i, m in enumerate(managers)])
    assert results == [None] * 8, results
    # then all eight changes are on the timeline, each from the previous value
    changes = [e.changes[0] for e in customer.events.order_by("pk")]
    assert len(changes) == 8
    assert changes[0]["from"] == "1000.00"
    for before, after in zip(changes, changes[1:], strict=False):
        assert after["from"] == before["to"]
    customer.refresh_from_db()
    assert str(customer.credit_limit) == changes[-1]["to"]
    assert {e.actor.username for e in customer.events.all()} == {m.username for m in managers}
