"""Returns cannot together take back more than shipped: real parallel HTTP
requests against a live server on PostgreSQL, each thread its own
connection, all racing for the same order line."""

import json
from collections import Counter
from decimal import Decimal

import pytest

from aftersales import services
from aftersales.models import Return, ReturnLine
from integrations.services import api_token_issue
from orders_site.demo import walk_to
from shipping.defaults import carriers_ensure_defaults
from tests.concurrency.test_api_concurrency import post
from tests.concurrency.test_order_concurrency import run_in_threads
from tests.factories import ProductFactory, UserFactory, make_order, stock

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_ten_returns_of_one_unit_race_for_five_shipped(
    live_server, customer, aftersales, warehouse
):
    # given a delivered order whose one line shipped 5 units, and a case on it
    # (an earlier transactional test may have flushed the migrated carriers)
    carriers_ensure_defaults()
    boss = UserFactory(username="boss", is_superuser=True)
    pump = ProductFactory(sku="PUMP-7", list_price=Decimal("10.00"))
    stock(pump, 20)
    order = walk_to(
        make_order(customer=customer, salesperson=aftersales, lines=[(pump, 5)]), "delivered", boss
    )
    line = order.lines.get()
    case = services.case_open(
        order=order, user=aftersales, kind="return", subject="Wrong model", department="sales"
    )
    _t, key = api_token_issue(user=aftersales)
    body = {"case": case.pk, "reason": "Wrong model", "lines": [{"line": line.pk, "quantity": 1}]}
    # when 10 clients each send 1 unit back at the same instant (each its own retry key)
    results = run_in_threads(
        lambda i: post(
            f"{live_server.url}/api/v1/returns/", body, key=key, idempotency_key=f"rt-{i}"
        ),
        [(i,) for i in range(10)],
    )
    # then exactly 5 are recorded and 5 refused on the line's quantity
    assert not [r for r in results if isinstance(r, Exception)], results
    assert Counter(status for status, _body in results) == {201: 5, 400: 5}, results
    for status, raw in results:
        if status == 400:
            data = json.loads(raw)
            assert data["code"] == "invalid"
            assert set(data["fields"]) == {"lines[0].quantity"}
    # and the live returns take back exactly what shipped
    assert Return.objects.filter(order=order).count() == 5
    assert sum(ReturnLine.objects.filter(order_line=line).values_list("quantity", flat=True)) == 5
