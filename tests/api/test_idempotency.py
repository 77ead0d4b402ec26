"""Idempotency-Key: a retried POST creates nothing new and gets the first
response back byte-for-byte; a reused key with another body is refused."""

import datetime

import pytest
from django.utils import timezone

from integrations.models import IdempotencyRecord
from orders.models import Order

pytestmark = pytest.mark.django_db

DATE = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()


def order_body(customer, quantity=2):
    return {
        "customer": customer.pk,
        "requested_delivery_date": DATE,
        "payment_method": "alipay",
        "lines": [{"sku": "WIDGET-1", "quantity": quantity}],
    }


def test_retry_replays_the_first_response_byte_for_byte(api_for, integration, customer, product):
    client = api_for(integration)
    # when the same POST is sent twice with one key
    first = client.post(
        "/api/v1/orders/", order_body(customer), format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    second = client.post(
        "/api/v1/orders/", order_body(customer), format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    # then one order exists and the retry got the same bytes and status
    assert first.status_code == second.status_code == 201
    assert second.content == first.content
    assert second["Idempotent-Replayed"] == "true"
    assert second["Location"] == first["Location"]
    assert Order.objects.count() == 1


def test_same_key_other_body_is_refused(api_for, integration, customer, product):
    client = api_for(integration)
    client.post("/api/v1/orders/", order_body(customer), format="json", HTTP_IDEMPOTENCY_KEY="k")
    other = client.post(
        "/api/v1/orders/", order_body(customer, 5), format="json", HTTP_IDEMPOTENCY_KEY="k"
    )
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert Order.objects.count() == 1


def test_keys_are_per_client(api_for, integration, sales, customer, product):
    # two clients may happen to pick the same key
    a = api_for(integration).post(
        "/api/v1/orders/", order_body(customer), format="json", HTTP_IDEMPOTENCY_KEY="same"
    )
    b = api_for(sales).post(
        "/api/v1/orders/", order_body(customer), format="json", HTTP_IDEMPOTENCY_KEY="same"
    )
    assert a.status_code == b.status_code == 201
    assert a.json()["number"] != b.json()["number"]


def test_a_refused_request_keeps_no_key(api_for, integration, customer, product):
    client = api_for(integration)
    bad = order_body(customer, 0)
    assert (
        client.post("/api/v1/orders/", bad, format="json", HTTP_IDEMPOTENCY_KEY="fix").status_code
        == 400
    )
    assert not IdempotencyRecord.objects.exists()
    # the corrected request under the same key then goes through
    ok = client.post(
        "/api/v1/orders/", order_body(customer), format="json", HTTP_IDEMPOTENCY_KEY="fix"
    )
    assert ok.status_code == 201


def test_json_key_order_does_not_make_another_body(api_for, integration, customer, product):
    client = api_for(integration)
    body = order_body(customer)
    client.post("/api/v1/orders/", body, format="json", HTTP_IDEMPOTENCY_KEY="k")
    reordered = dict(reversed(list(body.items())))
    again = client.post("/api/v1/orders/", reordered, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"


def test_other_creating_posts_honour_the_key(api_for, manager, product):
    client = api_for(manager)
    body = {"sku": "WIDGET-1", "quantity": 5, "reason": "found a box"}
    first = client.post(
        "/api/v1/stock/adjustments/", body, format="json", HTTP_IDEMPOTENCY_KEY="adj-1"
    )
    again = client.post(
        "/api/v1/stock/adjustments/", body, format="json", HTTP_IDEMPOTENCY_KEY="adj-1"
    )
    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    product.stock_items.get().refresh_from_db()
    assert product.stock_items.get().on_hand == 105
