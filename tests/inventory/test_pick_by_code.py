"""Picking by whatever label is on the shelf (process 3.1): the tablet's scan
and ``POST /api/v1/orders/{number}/picks/`` both accept a product's barcode,
its SKU in any case and its alternative codes, through one lookup."""

import html
import re

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from integrations.services import api_token_issue
from inventory import services
from inventory.models import ProductCode
from orders.models import OrderEvent
from tests import flow
from tests.factories import ProductFactory, UserFactory, make_order, stock

UNKNOWN = "No product has the code '{}' (looked in barcodes, SKUs and alternative codes)."


@pytest.fixture
def root(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


@pytest.fixture
def valve(warehouse):
    p = ProductFactory(sku="VALVE-DN25", name="不锈钢球阀 DN25", barcode="6901234500035")
    services.product_code_add(product=p, code="WH-B02-01", kind=ProductCode.Kind.INTERNAL_LABEL)
    stock(p, 50, warehouse=warehouse)
    return p


@pytest.fixture
def pump(warehouse):
    p = ProductFactory(sku="PUMP-100", name="离心水泵 100W", barcode="6901234500011")
    services.product_code_add(product=p, code="6925678000128", kind=ProductCode.Kind.SUPPLIER_EAN)
    stock(p, 50, warehouse=warehouse)
    return p


@pytest.fixture
def picking(customer, sales, root, valve):
    """An order being picked: 5 valves, nothing picked yet."""
    order = make_order(customer=customer, salesperson=sales, lines=[(valve, 5)])
    return flow.walk_to(order, "picking", root)


def picked(order) -> int:
    return order.lines.get().picked_quantity


# --- the tablet ---------------------------------------------------------------------


def scan_url(order):
    return reverse("warehouse:scan", args=[order.number])


def banner(response) -> str:
    found = re.findall(r'<span class="banner__text">(.*?)</span>', response.content.decode(), re.S)
    return html.unescape(" ".join(" ".join(text.split()) for text in found))


@pytest.fixture
def picker(client, warehouse_user):
    client.force_login(warehouse_user)
    return client


def test_the_scan_field_asks_for_any_code(picker, picking):
    # when the picker opens the pick screen, then the one scan field says
    # that a barcode, a SKU or another code will do
    page = picker.get(reverse("warehouse:pick", args=[picking.number])).content.decode()
    assert 'name="code"' in page
    assert "Scan or type a barcode, SKU or code" in page


@pytest.mark.parametrize(
    "code", ["VALVE-DN25", "valve-dn25", " VALVE-DN25 ", "WH-B02-01", "wh-b02-01"]
)
def test_the_picker_scans_the_sku_or_an_alternative_code(picker, picking, code):
    # when the scanner reads the SKU on the shelf label, or the internal label
    response = picker.post(scan_url(picking), {"code": code}, follow=True)
    # then the valve line counts one more, as for its barcode
    assert "VALVE-DN25 不锈钢球阀 DN25: 1 of 5 picked." in banner(response)
    assert picked(picking) == 1
    event = picking.events.filter(kind=OrderEvent.Kind.PICK).get()
    assert event.data["sku"] == "VALVE-DN25"


def test_a_page_loaded_before_the_change_still_posts_barcode(picker, picking, valve):
    # when an old page posts its field under the old name, then it still counts
    picker.post(scan_url(picking), {"barcode": valve.barcode})
    picker.post(scan_url(picking), {"barcode": "valve-dn25"})
    assert picked(picking) == 2


def test_an_unknown_code_says_where_it_looked_and_records_nothing(picker, picking):
    # when the picker scans a code no product has
    events = picking.events.count()
    response = picker.post(scan_url(picking), {"code": " XYZ-404 "}, follow=True)
    # then the red banner names the code and the three kinds of code looked in
    assert 'class="banner banner--error" role="alert"' in response.content.decode()
    assert banner(response) == UNKNOWN.format("XYZ-404")
    assert (picked(picking), picking.events.count()) == (0, events)


def test_another_products_alternative_code_is_not_on_this_order(picker, picking, pump):
    # when the pump's supplier EAN is scanned on the valve order
    response = picker.post(scan_url(picking), {"code": "6925678000128"}, follow=True)
    # then it is found, and refused as not on the order
    assert banner(response) == "PUMP-100 is not on this order."
    assert picked(picking) == 0


# --- the API ------------------------------------------------------------------------


@pytest.fixture
def api(warehouse_user):
    _token, key = api_token_issue(user=warehouse_user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def picks(api, order, body):
    return api.post(f"/api/v1/orders/{order.number}/picks/", body, format="json")


def error(response, status):
    assert response.status_code == status, response.content
    return response.json()


def test_picks_take_a_code_barcode_sku_or_alternative(api, picking, valve):
    # when a client sends the SKU in lower case, the internal label and the barcode as code
    for code in ["valve-dn25", "WH-B02-01", valve.barcode]:
        response = picks(api, picking, {"code": code})
        assert response.status_code == 201, response.content
    # and two more under the old name, barcode, one of them as the SKU
    assert picks(api, picking, {"barcode": valve.barcode}).status_code == 201
    response = picks(api, picking, {"barcode": "VALVE-DN25"})
    # then each counted one unit
    assert response.json() == {"sku": "VALVE-DN25", "quantity": 5, "picked_quantity": 5}


def test_picks_refuse_an_unknown_code_under_the_name_the_client_used(api, picking):
    # when the code is unknown, sent as code
    body = error(picks(api, picking, {"code": "XYZ"}), 400)
    # then the message says where it looked, and the field is code
    assert body["code"] == "invalid"
    assert body["message"] == UNKNOWN.format("XYZ")
    assert list(body["fields"]) == ["code"]
    # and sent as barcode, the field is barcode, as before
    assert list(error(picks(api, picking, {"barcode": "XYZ"}), 400)["fields"]) == ["barcode"]
    assert picked(picking) == 0


def test_picks_refuse_a_product_not_on_the_order_under_code(api, picking, pump):
    body = error(picks(api, picking, {"code": "pump-100"}), 400)
    assert body["message"] == "PUMP-100 is not on this order."
    assert list(body["fields"]) == ["code"]


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, ["code"]),
        ({"code": ""}, ["code"]),
        ({"code": "VALVE-DN25", "barcode": "6901234500011"}, ["code", "barcode"]),
    ],
)
def test_picks_need_one_code(api, picking, body, fields):
    assert sorted(error(picks(api, picking, body), 400)["fields"]) == sorted(fields)
    assert picked(picking) == 0


def test_picks_accept_code_and_barcode_when_they_agree(api, picking, valve):
    response = picks(api, picking, {"code": valve.barcode, "barcode": valve.barcode})
    assert response.status_code == 201
    assert picked(picking) == 1


def test_the_schema_documents_code_and_barcode(client):
    # when the OpenAPI schema is read, then both fields say what they take
    schema = client.get(
        "/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json", HTTP_ACCEPT_LANGUAGE="en"
    ).json()
    fields = schema["components"]["schemas"]["PickInRequest"]["properties"]
    assert "its SKU (any case) or one of its alternative codes" in fields["code"]["description"]
    assert "kept for existing clients" in fields["barcode"]["description"]


def test_a_product_created_through_the_api_may_not_take_another_products_code(
    manager, pump, api_for_manager
):
    # when a product is created with the pump's supplier EAN as its barcode
    response = api_for_manager.post(
        "/api/v1/products/",
        {"sku": "NEW-1", "name": "新产品", "list_price": "1.00", "barcode": "6925678000128"},
        format="json",
    )
    # then it is refused on the barcode, naming the pump
    body = error(response, 400)
    assert "is already an alternative code of PUMP-100" in body["fields"]["barcode"][0]
    # and so is the pump's SKU in lower case
    response = api_for_manager.post(
        "/api/v1/products/",
        {"sku": "pump-100", "name": "新产品", "list_price": "1.00"},
        format="json",
    )
    assert "is already the SKU of PUMP-100" in error(response, 400)["fields"]["sku"][0]


@pytest.fixture
def api_for_manager(manager):
    _token, key = api_token_issue(user=manager)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client
