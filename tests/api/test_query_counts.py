"""The order list answers in a bounded number of queries whatever the page
size: lines, products, customers and salespeople are fetched in bulk."""

import pytest

from tests.factories import ProductFactory, make_order, stock

pytestmark = pytest.mark.django_db

# token, user and group permissions, the Integration check, count, page,
# lines with products: 8 for 1 order and for 100; none per order or line.
MAX_QUERIES = 8


@pytest.mark.parametrize("orders", [1, 100])
def test_order_list_queries_are_bounded(
    orders, api_for, manager, customer, product, sales, django_assert_max_num_queries
):
    # given orders with three lines each
    others = [ProductFactory(sku=f"Q-{i}") for i in range(2)]
    for p in others:
        stock(p, 1000)
    for _ in range(orders):
        make_order(
            customer=customer, salesperson=sales, lines=[(product, 1), *[(p, 2) for p in others]]
        )
    client = api_for(manager)
    client.get("/api/v1/orders/")  # warm the token's last-used stamp
    # when a page of 100 is listed, then the query count does not grow with it
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get("/api/v1/orders/", {"page_size": 100})
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == orders
    assert len(data["results"]) == orders
    assert all(len(o["lines"]) == 3 for o in data["results"])
