"""Real parallel HTTP requests against a live server on PostgreSQL."""

import datetime
import json
import urllib.error
import urllib.request
from collections import Counter

import pytest
from django.utils import timezone

from integrations.services import api_token_issue
from inventory.models import StockItem, StockMovement
from orders import services
from orders.models import Order
from tests.concurrency.test_order_concurrency import run_in_threads
from tests.factories import UserFactory, make_order

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def post(url, body, *, key, idempotency_key=None):
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Authorization": f"Token {key}", "Content-Type": "application/json"},
    )
    if idempotency_key:
        request.add_header("Idempotency-Key", idempotency_key)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_twenty_parallel_posts_with_one_key_create_one_order(
    live_server, customer, product, integration
):
    # given an online store (with its own customer) that retries one order 20 times at once
    customer.created_by = integration
    customer.save(update_fields=["created_by"])
    _t, key = api_token_issue(user=integration)
    body = {
        "customer": customer.pk,
        "requested_delivery_date": (timezone.localdate() + datetime.timedelta(days=30)).isoformat(),
        "payment_method": "alipay",
        "external_ref": "SHOP-42",
        "lines": [{"sku": product.sku, "quantity": 2}],
    }
    # when the 20 requests arrive together
    results = run_in_threads(
        lambda: post(
            f"{live_server.url}/api/v1/orders/", body, key=key, idempotency_key="retry-42"
        ),
        [()] * 20,
    )
    # then exactly one order exists and every response carries its number
    assert Order.objects.count() == 1
    number = Order.objects.get().number
    assert [status for status, _body in results] == [201] * 20, results
    assert {json.loads(content)["number"] for _s, content in results} == {number}
    assert len({content for _s, content in results}) == 1


def test_twenty_parallel_approvals_of_one_order(live_server, customer, product, sales):
    # given a submitted order and a manager's token
    manager = UserFactory(username="mgr", roles=["Sales Manager"])
    _t, key = api_token_issue(user=manager)
    order = make_order(customer=customer, salesperson=sales, lines=[(product, 4)])
    services.order_submit(order=order, user=sales)
    url = f"{live_server.url}/api/v1/orders/{order.number}/approve/"
    # when 20 approvals arrive together
    results = run_in_threads(lambda: post(url, {}, key=key), [()] * 20)
    # then one succeeds and the others are told of the conflict, never a 500
    statuses = Counter(status for status, _b in results)
    assert statuses == {200: 1, 409: 19}, results
    codes = {json.loads(b)["code"] for s, b in results if s == 409}
    assert codes <= {"conflict", "invalid_transition"}
    # and the stock is reserved once
    assert StockItem.objects.get(product=product).reserved == 4
    assert StockMovement.objects.filter(kind="reservation").count() == 1
    assert order.events.filter(transition="approve").count() == 1


def test_fifty_http_approvals_compete_for_ten_units(live_server, customer, sales, warehouse):
    # given 10 units and 50 submitted orders for one unit each, and a manager's token
    from tests.factories import ProductFactory, stock

    scarce = ProductFactory(sku="SCARCE")
    stock(scarce, 10)
    manager = UserFactory(username="mgr", roles=["Sales Manager"])
    _t, key = api_token_issue(user=manager)
    numbers = []
    for _ in range(50):
        order = make_order(customer=customer, salesperson=sales, lines=[(scarce, 1)])
        numbers.append(services.order_submit(order=order, user=sales).number)
    # when 50 approvals arrive over HTTP from 10 clients at once (the test
    # server's listen backlog is 10; the service-level test runs 50 threads)
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    def approve(number):
        try:
            return post(f"{live_server.url}/api/v1/orders/{number}/approve/", {}, key=key)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(approve, numbers))
    # then 10 are approved, 40 refused for stock with the SKU named, and no 500
    statuses = Counter(status for status, _b in results)
    assert statuses == {200: 10, 422: 40}, statuses
    refused = [json.loads(b) for s, b in results if s == 422]
    assert all(r["code"] == "insufficient_stock" and r["skus"] == ["SCARCE"] for r in refused)
    assert StockItem.objects.get(product=scarce).reserved == 10
