"""The benchmark's baselines and meters (benchmarks/naive, benchmarks/middleware)
answer what the harness expects; they are routed only under benchmarks.urls."""

import json

import pytest
from django.db import connection
from django.test import RequestFactory
from rest_framework.test import APIClient

from benchmarks import middleware
from orders.models import Order
from tests.factories import make_order

pytestmark = [pytest.mark.django_db, pytest.mark.urls("benchmarks.urls")]


def _body(customer, product):
    return {
        "customer": customer.pk,
        "channel": "api",
        "requested_delivery_date": "2031-01-01",
        "payment_method": "bank_transfer",
        "external_ref": "BENCH-1",
        "lines": [{"sku": product.sku, "quantity": 2}],
    }


def test_plain_reference_creates_without_any_authentication(customer, product, integration):
    response = APIClient().post(
        "/bench-naive/plain/orders/", _body(customer, product), format="json"
    )
    assert response.status_code == 201, response.content
    order = Order.objects.get(number=response.json()["number"])
    assert order.salesperson == integration and order.lines.count() == 1


def test_naive_create_needs_a_user(customer, product, integration):
    client = APIClient()
    assert client.post(
        "/bench-naive/orders/", _body(customer, product), format="json"
    ).status_code in (401, 403)
    client.force_authenticate(integration)
    assert (
        client.post("/bench-naive/orders/", _body(customer, product), format="json").status_code
        == 201
    )


def test_naive_detail_by_number(customer, product, sales):
    order = make_order(customer=customer, salesperson=sales, lines=[(product, 3)])
    client = APIClient()
    client.force_authenticate(sales)
    response = client.get(f"/bench-naive/orders/{order.number}/")
    assert response.status_code == 200
    assert response.json()["lines"][0]["sku"] == product.sku


def test_plain_page_lists_the_orders_for_a_signed_in_user(client, customer, product, sales):
    order = make_order(customer=customer, salesperson=sales, lines=[(product, 1)])
    assert client.get("/bench-naive/orders-page/").status_code == 302  # to the login
    client.force_login(sales)
    response = client.get("/bench-naive/orders-page/")
    assert response.status_code == 200
    assert order.number in response.content.decode()


def test_query_counter_counts_requests_and_queries(tmp_path, monkeypatch, client):
    monkeypatch.setenv(middleware.ENV, str(tmp_path))

    def view(request):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.execute("SELECT 2")
        return "ok"

    counter = middleware.QueryCountMiddleware(view)
    counter(RequestFactory().get("/"))
    counter(RequestFactory().get("/"))
    assert middleware.read_totals(str(tmp_path)) == {
        "requests": 2,
        "queries": 4,
        "active": 0,
        "processes": 1,
    }
    stats = json.loads(client.get("/bench-naive/stats/").content)
    assert stats["requests"] == 2 and stats["queries"] == 4
