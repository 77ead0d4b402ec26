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
    # given an online store that retries one order 20 times at once
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
