"""Contract tests of products, stock, stock adjustments and customers."""

import pytest

from inventory.models import StockMovement
from orders.models import Customer
from tests import flow
from tests.api.test_orders_api import assert_error
from tests.factories import make_order

pytestmark = pytest.mark.django_db


def test_products_list_retrieve_create_update(api_for, manager, product):
    client = api_for(manager)
    listed = client.get("/api/v1/products/", {"q": "WIDGET"}).json()
    assert [p["sku"] for p in listed["results"]] == ["WIDGET-1"]
    assert client.get("/api/v1/products/WIDGET-1/").json()["list_price"] == "10.00"
    created = client.post(
        "/api/v1/products/",
        {"sku": "NEW-1", "name": "新产品", "list_price": "12.50", "barcode": ""},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["barcode"] is None
    updated = client.patch("/api/v1/products/NEW-1/", {"list_price": "13.00"}, format="json")
    assert updated.json()["list_price"] == "13.00"
    # the SKU is the address and cannot change
    client.patch("/api/v1/products/NEW-1/", {"sku": "OTHER"}, format="json")
    assert client.get("/api/v1/products/NEW-1/").status_code == 200


def test_product_validation_names_fields(api_for, manager, product):
    response = api_for(manager).post(
        "/api/v1/products/",
        {"sku": "WIDGET-1", "name": "", "list_price": "-1"},
        format="json",
    )
    fields = assert_error(response, 400, "invalid")["fields"]
    assert set(fields) == {"sku", "name", "list_price"}


def test_stock_shows_available(api_for, manager, sales, customer, product, superuser):
    flow.walk_to(
        make_order(customer=customer, salesperson=sales, lines=[(product, 30)]),
        "approved",
        superuser,
    )
    rows = api_for(manager).get("/api/v1/stock/", {"sku": "WIDGET-1"}).json()["results"]
    assert rows == [
        {
            "sku": "WIDGET-1",
            "warehouse": "MAIN",
            "on_hand": 100,
            "reserved": 30,
            "available": 70,
            "bin_location": "",
        }
    ]


def test_stock_adjustment_through_the_service(
    api_for, manager, sales, customer, product, superuser
):
    client = api_for(manager)
    response = client.post(
        "/api/v1/stock/adjustments/",
        {"sku": "WIDGET-1", "quantity": -5, "reason": "broken in storage"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["on_hand_after"] == 95
    movement = StockMovement.objects.get(kind="adjustment")
    assert (movement.created_by, movement.reason) == (manager, "broken in storage")
    # an adjustment below what orders hold reserved is refused and changes nothing
    flow.walk_to(
        make_order(customer=customer, salesperson=sales, lines=[(product, 90)]),
        "approved",
        superuser,
    )
    refused = client.post(
        "/api/v1/stock/adjustments/",
        {"sku": "WIDGET-1", "quantity": -10, "reason": "count"},
        format="json",
    )
    assert_error(refused, 422, "invalid_stock_change")
    product.stock_items.get().refresh_from_db()
    item = product.stock_items.get()
    assert (item.on_hand, item.reserved) == (95, 90)
    unknown = client.post(
        "/api/v1/stock/adjustments/",
        {"sku": "NOPE", "warehouse": "NOWHERE", "quantity": 1, "reason": "x"},
        format="json",
    )
    assert set(assert_error(unknown, 400, "invalid")["fields"]) == {"sku", "warehouse"}


def test_customers_create_validate_and_update(api_for, sales, manager):
    client = api_for(sales)
    bad = client.post(
        "/api/v1/customers/",
        {
            "name": "王五",
            "phone": "12345",
            "province": "火星",
            "city": "x",
            "street": "y",
            "postcode": "12",
        },
        format="json",
    )
    assert set(assert_error(bad, 400, "invalid")["fields"]) == {"phone", "province", "postcode"}
    ok = client.post(
        "/api/v1/customers/",
        {
            "name": "王五",
            "phone": "139 1234 5678",
            "province": "浙江省",
            "city": "杭州市",
            "street": "文三路 1 号",
            "preferred_language": "zh-hans",
        },
        format="json",
    )
    assert ok.status_code == 201, ok.content
    assert ok.json()["phone"] == "13912345678"
    cid = ok.json()["id"]
    patched = client.patch(f"/api/v1/customers/{cid}/", {"city": "宁波市"}, format="json")
    assert patched.json()["city"] == "宁波市"
    # the credit limit is the manager's (issue 11)
    refused = client.patch(f"/api/v1/customers/{cid}/", {"credit_limit": "5000.00"}, format="json")
    assert "credit_limit" in assert_error(refused, 403, "forbidden")["fields"]
    patched = api_for(manager).patch(
        f"/api/v1/customers/{cid}/", {"credit_limit": "5000.00"}, format="json"
    )
    assert patched.json()["credit_limit"] == "5000.00"
    assert Customer.objects.get(pk=cid).credit_limit == 5000
    assert client.get("/api/v1/customers/", {"q": "王五"}).json()["count"] == 1
