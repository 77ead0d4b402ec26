"""Contract tests of /api/v1/orders/: create, read, amend, the timeline, and
every transition, with the one error shape."""

import datetime

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from inventory.models import StockItem
from orders.models import Customer, Order
from tests import flow
from tests.factories import ProductFactory, make_order, stock

pytestmark = pytest.mark.django_db

DATE = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()


def body(customer_, **over):
    data = {
        "customer": customer_.pk,
        "channel": "online_store",
        "requested_delivery_date": DATE,
        "payment_method": "alipay",
        "external_ref": "SHOP-1001",
        "lines": [{"sku": "WIDGET-1", "quantity": 3}],
    }
    data.update(over)
    return data


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    data = response.json()
    assert set(data) >= {"code", "message", "fields"}
    assert data["code"] == code
    return data


def test_create_returns_201_with_number_lines_and_totals(api_for, integration, customer, product):
    # when an online store posts an order
    response = api_for(integration).post("/api/v1/orders/", body(customer), format="json")
    # then it is created as a draft with its number, lines at list price and totals
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "draft"
    assert data["number"].startswith("SO-")
    assert data["lines"] == [
        {
            "id": Order.objects.get(number=data["number"]).lines.get().pk,
            "sku": "WIDGET-1",
            "name": product.name,
            "quantity": 3,
            "unit_price": "10.00",
            "line_total": "30.00",
            "picked_quantity": 0,
        }
    ]
    assert data["total"] == "30.00"
    assert data["available_transitions"] == ["submit", "cancel"]
    assert response["Location"] == f"/api/v1/orders/{data['number']}/"
    assert Order.objects.get(number=data["number"]).created_by == integration


def test_create_names_each_bad_field(api_for, integration, customer, product):
    response = api_for(integration).post(
        "/api/v1/orders/",
        body(
            customer,
            payment_method="bitcoin",
            requested_delivery_date="tomorrow",
            lines=[{"sku": "NOPE", "quantity": 1}, {"sku": "WIDGET-1", "quantity": 0}],
        ),
        format="json",
    )
    data = assert_error(response, 400, "invalid")
    assert set(data["fields"]) == {
        "payment_method",
        "requested_delivery_date",
        "lines[1].quantity",
    }
    assert Order.objects.count() == 0


def test_unknown_sku_and_customer_are_named(api_for, integration, customer, product):
    response = api_for(integration).post(
        "/api/v1/orders/",
        body(customer, customer=999999, lines=[{"sku": "NOPE", "quantity": 1}]),
        format="json",
    )
    data = assert_error(response, 400, "invalid")
    assert set(data["fields"]) == {"customer", "lines[0].sku"}


def test_only_a_role_allowed_may_set_prices(api_for, integration, sales, customer, product):
    priced = body(customer, lines=[{"sku": "WIDGET-1", "quantity": 1, "unit_price": "8.00"}])
    refused = api_for(integration).post("/api/v1/orders/", priced, format="json")
    assert "lines[0].unit_price" in assert_error(refused, 400, "invalid")["fields"]
    allowed = api_for(sales).post("/api/v1/orders/", priced, format="json")
    assert allowed.status_code == 201
    assert allowed.json()["lines"][0]["unit_price"] == "8.00"


def test_duplicate_external_ref_answers_409_with_the_number(
    api_for, integration, customer, product
):
    client = api_for(integration)
    first = client.post("/api/v1/orders/", body(customer), format="json").json()
    again = client.post("/api/v1/orders/", body(customer), format="json")
    data = assert_error(again, 409, "duplicate_external_ref")
    assert data["number"] == first["number"]
    assert Order.objects.count() == 1


def test_the_whole_lifecycle_through_the_api(api_for, customer, product, integration, superuser):
    # given the clients of each role
    from tests.factories import UserFactory

    as_role = {
        role: api_for(UserFactory(username=f"api-{role}", roles=[role])) for role in flow.ROLES
    }
    # the store's own customer
    Customer.objects.filter(pk=customer.pk).update(
        created_by=User.objects.get(username="api-Integration")
    )
    number = (
        as_role["Integration"]
        .post("/api/v1/orders/", body(customer), format="json")
        .json()["number"]
    )
    url = f"/api/v1/orders/{number}"
    steps = [
        ("Integration", "submit", {}),
        ("Sales Manager", "approve", {"note": "ok"}),
        ("Warehouse", "start-picking", {}),
    ]
    for role, name, payload in steps:
        response = as_role[role].post(f"{url}/{name}/", payload, format="json")
        assert response.status_code == 200, (name, response.content)
    order = Order.objects.get(number=number)
    flow.pick_all(order, superuser)
    steps = [
        ("Warehouse", "finish-picking", {}),
        ("Warehouse", "fail-qc", {"reason": "scratched"}),
    ]
    for role, name, payload in steps:
        assert as_role[role].post(f"{url}/{name}/", payload, format="json").status_code == 200
    flow.pick_all(order, superuser)
    steps = [
        ("Warehouse", "finish-picking", {}),
        ("Warehouse", "pass-qc", {}),
        ("Warehouse", "pack", {"packages": [{"weight_kg": "1.20", "length_cm": 30}]}),
        ("Logistics", "ship", {"carrier": "sf", "tracking_number": "SF123456789012"}),
        ("Logistics", "confirm-delivery", {"signed_by": "王五"}),
        ("After-sales", "complete", {}),
        ("Sales Manager", "archive", {}),
    ]
    for role, name, payload in steps:
        response = as_role[role].post(f"{url}/{name}/", payload, format="json")
        assert response.status_code == 200, (name, response.content)
    data = response.json()
    assert data["status"] == "archived"
    assert data["shipments"][0]["tracking_number"] == "SF123456789012"
    assert data["packages"][0]["weight_kg"] == "1.20"
    events = as_role["Sales Manager"].get(f"{url}/events/").json()
    assert [e["transition"] for e in events if e["kind"] == "transition"] == [
        "submit",
        "approve",
        "start-picking",
        "finish-picking",
        "fail-qc",
        "finish-picking",
        "pass-qc",
        "pack",
        "ship",
        "confirm-delivery",
        "complete",
        "archive",
    ]
    assert StockItem.objects.get(product=product).on_hand == 97


def test_wrong_state_answers_409_with_allowed_transitions(api_for, manager, customer, product):
    order = make_order(customer=customer, salesperson=manager, lines=[(product, 1)])
    response = api_for(manager).post(f"/api/v1/orders/{order.number}/approve/", {}, format="json")
    data = assert_error(response, 409, "invalid_transition")
    assert data["status_now"] == "draft"
    assert data["allowed_transitions"] == ["submit", "cancel"]


def test_insufficient_stock_answers_422_naming_skus(api_for, manager, sales, customer, product):
    scarce = ProductFactory(sku="SCARCE")
    stock(scarce, 1)
    order = make_order(customer=customer, salesperson=sales, lines=[(scarce, 2)])
    api_for(sales).post(f"/api/v1/orders/{order.number}/submit/", {}, format="json")
    response = api_for(manager).post(f"/api/v1/orders/{order.number}/approve/", {}, format="json")
    data = assert_error(response, 422, "insufficient_stock")
    assert data["skus"] == ["SCARCE"]


def test_patch_only_while_editable(api_for, sales, customer, product):
    client = api_for(sales)
    number = client.post("/api/v1/orders/", body(customer), format="json").json()["number"]
    ok = client.patch(
        f"/api/v1/orders/{number}/",
        {"notes": "call first", "lines": [{"sku": "WIDGET-1", "quantity": 5}]},
        format="json",
    )
    assert ok.status_code == 200, ok.content
    assert (ok.json()["notes"], ok.json()["total"]) == ("call first", "50.00")
    client.post(f"/api/v1/orders/{number}/submit/", {}, format="json")
    refused = client.patch(f"/api/v1/orders/{number}/", {"notes": "x"}, format="json")
    assert_error(refused, 409, "not_editable")
    assert Order.objects.get(number=number).notes == "call first"


def test_list_filters(api_for, manager, sales, customer, product):
    a = make_order(customer=customer, salesperson=sales, lines=[(product, 1)])
    make_order(customer=customer, salesperson=manager, lines=[(product, 1)])
    client = api_for(manager)
    data = client.get("/api/v1/orders/", {"salesperson": "sales"}).json()
    assert [o["number"] for o in data["results"]] == [a.number]
    assert client.get("/api/v1/orders/", {"status": "submitted"}).json()["count"] == 0
    since = (timezone.now() + datetime.timedelta(minutes=1)).isoformat()
    assert client.get("/api/v1/orders/", {"updated_since": since}).json()["count"] == 0


def test_errors_have_one_shape(api_for, manager, client):
    assert_error(client.get("/api/v1/orders/"), 401, "not_authenticated")
    api = api_for(manager)
    assert_error(api.get("/api/v1/orders/SO-1999-000001/"), 404, "not_found")
    assert_error(api.get("/api/v1/nothing-here/"), 404, "not_found")
    assert_error(api.delete("/api/v1/orders/"), 405, "method_not_allowed")
    assert_error(
        api.post("/api/v1/orders/", "x=1", content_type="application/x-www-form-urlencoded"),
        415,
        "unsupported_media_type",
    )
    bad = api.post("/api/v1/orders/", "{not json", content_type="application/json")
    assert_error(bad, 400, "invalid")


def test_picks_by_barcode(api_for, warehouse_user, sales, customer, product, superuser):
    # given an order being picked
    order = flow.walk_to(
        make_order(customer=customer, salesperson=sales, lines=[(product, 2)]), "picking", superuser
    )
    client = api_for(warehouse_user)
    url = f"/api/v1/orders/{order.number}/picks/"
    # when the picker scans the product twice, then each scan counts one unit
    assert client.post(url, {"barcode": product.barcode}, format="json").status_code == 201
    second = client.post(url, {"barcode": product.barcode}, format="json")
    assert second.json() == {"sku": "WIDGET-1", "quantity": 2, "picked_quantity": 2}
    # and a third scan, an unknown barcode, or another product are refused, naming the field
    assert (
        "barcode"
        in assert_error(
            client.post(url, {"barcode": product.barcode}, format="json"), 400, "invalid"
        )["fields"]
    )
    assert (
        "barcode"
        in assert_error(client.post(url, {"barcode": "000"}, format="json"), 400, "invalid")[
            "fields"
        ]
    )
    other = ProductFactory(sku="OTHER", barcode="6999999999999")
    assert (
        "barcode"
        in assert_error(
            client.post(url, {"barcode": other.barcode}, format="json"), 400, "invalid"
        )["fields"]
    )
    assert order.lines.get().picked_quantity == 2
    # and sales may not pick at all
    assert_error(
        api_for(sales).post(url, {"barcode": product.barcode}, format="json"), 403, "forbidden"
    )


def test_impossible_time_zone_offset_is_a_400_not_a_500(api_for, manager):
    response = api_for(manager).get(
        "/api/v1/orders/", {"updated_since": "1108-06-26T21:37:15+17:42"}
    )
    assert "updated_since" in assert_error(response, 400, "invalid")["fields"]


@pytest.mark.parametrize(
    ("state", "role", "offered"),
    [("packing", "Warehouse", "pack"), ("packed", "Logistics", "ship")],
)
def test_steps_whose_input_meets_the_condition_are_offered(
    state, role, offered, api_for, customer, product, sales, superuser
):
    # given an order ready to pack (or ship): the packages (or shipment) come with the request
    order = flow.walk_to(
        make_order(customer=customer, salesperson=sales, lines=[(product, 1)]), state, superuser
    )
    from tests.factories import UserFactory

    user = UserFactory(username=f"u-{role}", roles=[role])
    # then the step is offered to its role, and not to sales (who, after
    # approval, may not cancel either: that is a manager's)
    assert (
        offered
        in api_for(user).get(f"/api/v1/orders/{order.number}/").json()["available_transitions"]
    )
    assert (
        api_for(sales).get(f"/api/v1/orders/{order.number}/").json()["available_transitions"] == []
    )
