"""The smaller hardening rules of issue 11 item 6: digits, duplicate lines,
the delivery-date horizon, one 403 code, and who may cancel when."""

import datetime

import pytest
from django.utils import timezone

from inventory.models import StockItem
from tests import flow
from tests.factories import ProductFactory, UserFactory, make_order, stock

pytestmark = pytest.mark.django_db


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code, body
    return body


def order_body(customer, **changes):
    body = {
        "customer": customer.pk,
        "requested_delivery_date": (timezone.localdate() + datetime.timedelta(days=30)).isoformat(),
        "payment_method": "alipay",
        "lines": [{"sku": "WIDGET-1", "quantity": 2}],
    }
    body.update(changes)
    return body


# --- ASCII digits only ---------------------------------------------------------


@pytest.mark.parametrize("quantity", ["１", "٣", "१०", "２０"])
def test_a_quantity_in_other_digits_is_refused(api_for, integration, customer, product, quantity):
    response = api_for(integration).post(
        "/api/v1/orders/",
        order_body(customer, lines=[{"sku": "WIDGET-1", "quantity": quantity}]),
        format="json",
    )
    body = assert_error(response, 400, "invalid")
    assert "0-9" in body["fields"]["lines[0].quantity"][0]


def test_ascii_digits_as_text_still_work(api_for, integration, customer, product):
    response = api_for(integration).post(
        "/api/v1/orders/",
        order_body(customer, lines=[{"sku": "WIDGET-1", "quantity": "3"}]),
        format="json",
    )
    assert response.status_code == 201, response.content


def test_the_intake_form_refuses_full_width_digits(client, sales, customer, product):
    from tests.orders.test_views import CREATE, intake_data

    client.force_login(sales)
    response = client.post(CREATE, intake_data(customer=customer, lines=[("WIDGET-1", "１０", "")]))
    assert response.status_code == 200
    assert "0-9" in response.content.decode()
    assert not customer.orders.exists()


def test_a_price_and_a_stock_adjustment_in_other_digits_are_refused(api_for, manager, product):
    api = api_for(manager)
    patched = api.patch(
        f"/api/v1/products/{product.sku}/", {"list_price": "１２.５"}, format="json"
    )
    assert "list_price" in assert_error(patched, 400, "invalid")["fields"]
    adjusted = api.post(
        "/api/v1/stock/adjustments/",
        {"sku": product.sku, "quantity": "٥", "reason": "count"},
        format="json",
    )
    assert "quantity" in assert_error(adjusted, 400, "invalid")["fields"]


# --- one product, one line ------------------------------------------------------


def test_a_product_on_two_lines_is_refused_naming_the_second(
    api_for, integration, customer, product
):
    response = api_for(integration).post(
        "/api/v1/orders/",
        order_body(
            customer,
            lines=[{"sku": "WIDGET-1", "quantity": 2}, {"sku": "WIDGET-1", "quantity": 3}],
        ),
        format="json",
    )
    body = assert_error(response, 400, "invalid")
    assert list(body["fields"]) == ["lines[1].product"]
    assert "already on line 1" in body["fields"]["lines[1].product"][0]
    assert not customer.orders.exists()


def test_the_intake_form_names_the_duplicate_line(client, sales, customer, product):
    from tests.orders.test_views import CREATE, intake_data

    client.force_login(sales)
    data = intake_data(customer=customer, lines=[("WIDGET-1", "1", ""), ("WIDGET-1", "2", "")])
    response = client.post(CREATE, data)
    assert response.status_code == 200
    assert "already on line 1" in response.content.decode()


# --- the delivery-date horizon ----------------------------------------------------


def test_a_date_beyond_the_horizon_is_refused(api_for, integration, customer, product, settings):
    api = api_for(integration)
    far = api.post(
        "/api/v1/orders/", order_body(customer, requested_delivery_date="9999-12-31"), format="json"
    )
    body = assert_error(far, 400, "invalid")
    assert "requested_delivery_date" in body["fields"]
    # the horizon is a setting; a date inside it is fine
    settings.ORDERS_DELIVERY_HORIZON_DAYS = 30
    inside = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
    outside = (timezone.localdate() + datetime.timedelta(days=31)).isoformat()
    ok = api.post(
        "/api/v1/orders/", order_body(customer, requested_delivery_date=inside), format="json"
    )
    assert ok.status_code == 201
    patched = api.patch(
        f"/api/v1/orders/{ok.json()['number']}/",
        {"requested_delivery_date": outside},
        format="json",
    )
    assert "requested_delivery_date" in assert_error(patched, 400, "invalid")["fields"]


# --- who may cancel ------------------------------------------------------------------


@pytest.fixture
def approved(customer, product, sales):
    """A draft, walked to the state each test needs."""
    return make_order(customer=customer, salesperson=sales, lines=[(product, 5)])


@pytest.mark.parametrize("state", ["approved", "picking", "packed"])
def test_after_approval_only_a_manager_cancels(
    api_for, sales, manager, approved, state, superuser, product
):
    order = flow.walk_to(approved, state, superuser)
    reserved = StockItem.objects.get(product=product).reserved
    refused = api_for(sales).post(
        f"/api/v1/orders/{order.number}/cancel/", {"reason": "other"}, format="json"
    )
    body = assert_error(refused, 403, "forbidden")
    assert "Ask a sales manager" in body["message"]
    order.refresh_from_db()
    assert order.status == state
    assert StockItem.objects.get(product=product).reserved == reserved
    # the manager may, and the stock is released
    done = api_for(manager).post(
        f"/api/v1/orders/{order.number}/cancel/", {"reason": "other"}, format="json"
    )
    assert done.status_code == 200, done.content
    assert StockItem.objects.get(product=product).reserved == reserved - 5


def test_an_api_clients_order_is_cancelled_by_it_or_a_manager(
    api_for, integration, sales, manager, customer, product
):
    created = api_for(integration).post("/api/v1/orders/", order_body(customer), format="json")
    number = created.json()["number"]
    refused = api_for(sales).post(
        f"/api/v1/orders/{number}/cancel/", {"reason": "other"}, format="json"
    )
    assert "API client" in assert_error(refused, 403, "forbidden")["message"]
    assert (
        "cancel"
        not in api_for(sales).get(f"/api/v1/orders/{number}/").json()["available_transitions"]
    )
    assert (
        "cancel"
        in api_for(manager).get(f"/api/v1/orders/{number}/").json()["available_transitions"]
    )
    ok = api_for(integration).post(
        f"/api/v1/orders/{number}/cancel/", {"reason": "other"}, format="json"
    )
    assert ok.status_code == 200


def test_sales_cancel_a_colleagues_draft(api_for, customer, product, sales):
    colleague = UserFactory(username="colleague", roles=["Sales"])
    order = make_order(customer=customer, salesperson=colleague, lines=[(product, 1)])
    response = api_for(sales).post(
        f"/api/v1/orders/{order.number}/cancel/", {"reason": "other"}, format="json"
    )
    assert response.status_code == 200, response.content


# --- one code for 403 ------------------------------------------------------------------


def test_every_403_says_forbidden(api_for, product):
    nobody = api_for(UserFactory(username="norole"))
    for url in ["/api/v1/orders/", "/api/v1/carriers/", "/api/v1/customers/", "/api/v1/stock/"]:
        assert_error(nobody.get(url), 403, "forbidden")
    other = ProductFactory(sku="OTHER")
    stock(other, 1)
    warehouse = api_for(UserFactory(username="wh", roles=["Warehouse"]))
    assert_error(
        warehouse.post(
            "/api/v1/products/", {"sku": "X", "name": "x", "list_price": "1"}, format="json"
        ),
        403,
        "forbidden",
    )


@pytest.mark.parametrize("value", ["-1.7976931348623157e+308", "1e300", "0", "1.5", "٣"])
def test_an_id_filter_out_of_range_is_400_not_500(api_for, superuser, value):
    # Schemathesis found customer=-1.8e308 overflowing SQLite's integer.
    response = api_for(superuser).get("/api/v1/orders/", {"customer": value})
    assert "customer" in assert_error(response, 400, "invalid")["fields"]


def test_an_api_clients_amendment_keeps_the_agreed_price(
    api_for, integration, sales, customer, product
):
    # given the store's order, whose line the salesperson discounted to 8.00
    created = api_for(integration).post("/api/v1/orders/", order_body(customer), format="json")
    number = created.json()["number"]
    discounted = api_for(sales).patch(
        f"/api/v1/orders/{number}/",
        {"lines": [{"sku": "WIDGET-1", "quantity": 2, "unit_price": "8.00"}]},
        format="json",
    )
    assert discounted.status_code == 200, discounted.content
    # when the store changes the quantity (it cannot set prices, so sends none)
    other = ProductFactory(sku="OTHER-2", list_price="5.00")
    stock(other, 10)
    amended = api_for(integration).patch(
        f"/api/v1/orders/{number}/",
        {"lines": [{"sku": "WIDGET-1", "quantity": 5}, {"sku": "OTHER-2", "quantity": 1}]},
        format="json",
    )
    # then the discount stays, and the new product takes its list price
    assert amended.status_code == 200, amended.content
    prices = {ln["sku"]: ln["unit_price"] for ln in amended.json()["lines"]}
    assert prices == {"WIDGET-1": "8.00", "OTHER-2": "5.00"}
    assert amended.json()["total"] == "45.00"
    # but the store still may not set a price of its own
    refused = api_for(integration).patch(
        f"/api/v1/orders/{number}/",
        {"lines": [{"sku": "WIDGET-1", "quantity": 5, "unit_price": "1.00"}]},
        format="json",
    )
    assert "lines[0].unit_price" in assert_error(refused, 400, "invalid")["fields"]
