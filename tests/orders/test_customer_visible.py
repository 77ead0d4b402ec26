"""selectors.customer_visible answers as customers_visible_to does, for one
customer, with plain look-ups (every API intake asks it)."""

import pytest

from orders import selectors
from tests.factories import CustomerFactory, UserFactory, make_order

pytestmark = pytest.mark.django_db


def test_one_customer_is_visible_exactly_when_the_list_shows_it(integration, sales, product):
    other_client = UserFactory(username="shop2", roles=["Integration"])
    entered = CustomerFactory(name="entered by the client", created_by=integration)
    named = CustomerFactory(name="named by the client's order", created_by=sales)
    make_order(customer=named, salesperson=integration, lines=[(product, 1)])
    foreign = CustomerFactory(name="another client's", created_by=other_client)
    for user in (integration, other_client, sales):
        listed = set(selectors.customers_visible_to(user=user).values_list("pk", flat=True))
        for customer in (entered, named, foreign):
            found = selectors.customer_visible(user=user, pk=customer.pk)
            assert (found is not None) == (customer.pk in listed), (user, customer)
            assert found is None or found.pk == customer.pk
    assert selectors.customer_visible(user=sales, pk=10**9) is None
    # the client sees its own and the one its order names, not the other's
    assert selectors.customer_visible(user=integration, pk=foreign.pk) is None
    assert selectors.customer_visible(user=integration, pk=named.pk) == named
