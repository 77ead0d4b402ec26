"""Hostile bodies never end in a 500 (issue 11 item 3 and its fuzz).

The first tests pin the two faults the issue found: JSON nested 5,000 deep
(``RecursionError``) and a body over 2.5 MB (``RequestDataTooBig``). The fuzz
then takes every write operation of the OpenAPI schema, fills its path with a
real record, and sends it deep, huge, non-UTF-8 and wrong-type bodies as a
superuser (who reaches every service) and as an Integration client; it
asserts how many requests it sent and that none was answered 5xx."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

from aftersales.services import case_open
from orders.services import order_submit
from tests.factories import make_order

pytestmark = pytest.mark.django_db

DEEP = ("[" * 5000 + "]" * 5000).encode()
DEEP_OBJECT = ('{"a":' * 5000 + "1" + "}" * 5000).encode()
HUGE = b'{"note": "' + b"x" * (3 * 1024 * 1024) + b'"}'
NOT_UTF8 = b'{"note": "\xff\xfe\xc3\x28"}'


def assert_error(response, status, code):
    assert response.status_code == status, response.content[:300]
    body = response.json()
    assert body["code"] == code, body
    assert set(body) >= {"code", "message", "fields"}
    assert body["message"]
    return body


@pytest.fixture
def order(customer, sales, product):
    return make_order(customer=customer, salesperson=sales, lines=[(product, 2)])


@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT], ids=["array", "object"])
@pytest.mark.parametrize(
    "method,path",
    [
        ("post", "/api/v1/orders/"),
        ("patch", "/api/v1/orders/{number}/"),
        ("post", "/api/v1/customers/"),
        ("patch", "/api/v1/customers/{customer}/"),
        ("post", "/api/v1/webhooks/"),
        ("post", "/api/v1/cases/"),
    ],
)
def test_json_nested_too_deep_is_400_invalid(api_for, superuser, order, method, path, body):
    url = path.format(number=order.number, customer=order.customer_id)
    response = getattr(api_for(superuser), method)(url, body, content_type="application/json")
    body = assert_error(response, 400, "invalid")
    assert "nested too deep" in body["message"]


def test_json_not_utf8_is_400_invalid(api_for, superuser, order):
    response = api_for(superuser).patch(
        f"/api/v1/orders/{order.number}/", NOT_UTF8, content_type="application/json"
    )
    assert "UTF-8" in assert_error(response, 400, "invalid")["message"]


def test_ordinary_nesting_still_parses(api_for, superuser, order):
    # A string full of brackets is not nesting.
    body = json.dumps({"notes": "[" * 500 + "{" * 500})
    response = api_for(superuser).patch(
        f"/api/v1/orders/{order.number}/", body, content_type="application/json"
    )
    assert response.status_code == 200, response.content[:300]
    order.refresh_from_db()
    assert order.notes.startswith("[[[")


@pytest.mark.parametrize(
    "method,path",
    [
        ("post", "/api/v1/orders/"),
        ("patch", "/api/v1/orders/{number}/"),
        ("post", "/api/v1/orders/{number}/submit/"),
        ("post", "/api/v1/customers/"),
        ("post", "/api/v1/webhooks/"),
        ("post", "/api/v1/cases/"),
    ],
)
def test_body_over_limit_is_413_too_large(api_for, superuser, order, method, path):
    url = path.format(number=order.number)
    response = getattr(api_for(superuser), method)(url, HUGE, content_type="application/json")
    assert "2.5 MB" in assert_error(response, 413, "too_large")["message"]
    order.refresh_from_db()
    assert order.status == "draft"


def test_body_over_limit_on_a_form_is_a_413_page(client, sales, order):
    client.force_login(sales)
    response = client.post(
        f"/orders/{order.number}/edit/",
        HUGE,
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 413
    assert "too large" in response.content.decode()
    anonymous = Client()
    response = anonymous.post(
        "/accounts/login/", HUGE, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 413


def test_body_over_limit_in_chinese(client, sales, order):
    client.force_login(sales)
    response = client.post(
        "/orders/new/",
        HUGE,
        content_type="application/x-www-form-urlencoded",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 413
    assert "太大" in response.content.decode()


# --- The fuzz -------------------------------------------------------------

WRONG_VALUES = [None, True, -1, 10**30, 1.5e308, "", "x" * 10_000, [], [[]], {}, {"a": {}}, "١٢"]


def _write_operations():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = []
    for path, item in schema["paths"].items():
        for method in ("post", "put", "patch", "delete"):
            if method in item:
                body = item[method].get("requestBody", {})
                content = body.get("content", {}).get("application/json", {})
                operations.append((method, path, content.get("schema")))
    return schema, operations


def _properties(schema, components):
    if not schema:
        return {}
    if "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[1]]
    return schema.get("properties", {})


def _bodies(schema, components):
    """Hostile bodies for one operation: deep, non-UTF-8, the wrong JSON
    type at the top, and each property replaced by every wrong value."""
    yield DEEP
    yield DEEP_OBJECT
    yield NOT_UTF8
    yield b"\xef\xbb\xbf{}"  # a byte-order mark
    for top in ("[]", '"x"', "1", "null", "[{}]", '{"": 1}'):
        yield top.encode()
    for name, prop in _properties(schema, components).items():
        if prop.get("readOnly"):
            continue
        for value in WRONG_VALUES:
            yield json.dumps({name: value}).encode()
        if prop.get("type") == "array":
            yield json.dumps(
                {name: [{k: [] for k in ("sku", "quantity", "line", "product")}]}
            ).encode()
            yield json.dumps({name: [1, "x", None]}).encode()


def test_fuzz_every_write_endpoint_answers_no_server_error(
    api_for, superuser, integration, order, customer
):
    schema, operations = _write_operations()
    components = schema["components"]["schemas"]
    order = order_submit(order=order, user=superuser)
    case = case_open(
        order=order, user=superuser, kind="inquiry", subject="fuzz", department="sales"
    )
    values = {
        "number": order.number,
        "id": str(customer.pk),
        "sku": order.lines.first().product.sku,
    }
    clients = {"superuser": api_for(superuser), "integration": api_for(integration)}
    sent = 0
    server_errors = []
    for method, path, body_schema in operations:
        url = re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), str(case.pk)), path)
        for who, api in clients.items():
            for body in [*_bodies(body_schema, components), HUGE]:
                response = getattr(api, method)(url, body, content_type="application/json")
                sent += 1
                if response.status_code >= 500:
                    server_errors.append((who, method, url, body[:80], response.status_code))
                elif response.status_code >= 400 and response.status_code != 405:
                    # Every refusal comes in the one error shape.
                    assert set(response.json()) >= {"code", "message", "fields"}, (url, body[:80])
    assert len(operations) >= 30, [f"{m} {p}" for m, p, _ in operations]
    print(
        f"fuzz: {len(operations)} write operations, {sent} requests, "
        f"{len(server_errors)} server errors"
    )
    assert sent >= 3000
    assert server_errors == []
