"""The shipping API: carriers for tracking links, an order's documents and
their download, and shipping / delivery through the order API."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from inventory.models import StockItem, StockMovement
from orders.models import Order
from tests import flow
from tests.api.test_orders_api import assert_error
from tests.factories import UserFactory, make_order

pytestmark = pytest.mark.django_db


def post(client, number, name, payload=None):
    return client.post(f"/api/v1/orders/{number}/{name}/", payload or {}, format="json")


@pytest.fixture
def own_packed_order(integration, superuser, customer, product):
    """A packed order the Integration client created."""
    order = make_order(customer=customer, salesperson=integration, lines=[(product, 2)])
    return flow.walk_to(order, "packed", superuser)


# --- carriers ----------------------------------------------------------------------


@pytest.mark.parametrize("role", flow.ROLES)
def test_every_role_reads_the_carriers_with_tracking_templates(api_for, role):
    # when any role's client lists the carriers
    response = api_for(UserFactory(username=f"c-{role}", roles=[role])).get("/api/v1/carriers/")
    # then it gets each carrier's pattern, tracking URL template and services
    assert response.status_code == 200, response.content
    carriers = {c["code"]: c for c in response.json()}
    assert set(carriers) >= {"sf", "zto", "deppon"}
    sf = carriers["sf"]
    assert sf["name"] == "顺丰速运 SF Express"
    assert sf["tracking_number_pattern"] == r"SF\d{12}"
    assert "{tracking_number}" in sf["tracking_url_template"]
    assert sf["is_active"] is True
    assert {"code": "standard", "name": "顺丰标快 Standard"} in sf["services"]


def test_carriers_need_credentials_and_a_role(api_for, db):
    assert_error(APIClient().get("/api/v1/carriers/"), 401, "not_authenticated")
    nobody = api_for(UserFactory(username="no-role"))
    assert_error(nobody.get("/api/v1/carriers/"), 403, "forbidden")


def test_the_carrier_list_costs_the_same_queries_for_many_carriers(
    api_for, logistics, django_assert_max_num_queries
):
    from shipping.models import Carrier, CarrierService

    client = api_for(logistics)
    client.get("/api/v1/carriers/")
    for i in range(10):
        carrier = Carrier.objects.create(code=f"c{i}", name=f"C{i}", tracking_number_pattern=r"\d+")
        CarrierService.objects.create(carrier=carrier, code="std", name="Std")
    # token, permissions, carriers, services
    with django_assert_max_num_queries(6):
        assert len(client.get("/api/v1/carriers/").json()) == 13


# --- documents ---------------------------------------------------------------------


def test_the_owner_lists_and_downloads_its_orders_documents(api_for, integration, own_packed_order):
    client = api_for(integration)
    # when the shop lists the order's documents
    response = client.get(f"/api/v1/orders/{own_packed_order.number}/documents/")
    # then it gets the delivery note and the labels, each with a download URL
    assert response.status_code == 200, response.content
    docs = response.json()
    assert sorted(d["kind"] for d in docs) == ["labels", "packing_slip"]
    for doc in docs:
        assert set(doc) == {"id", "kind", "language", "created_at", "download_url"}
        assert doc["language"] == "zh-hans"
        assert doc["download_url"] == f"http://testserver/api/v1/documents/{doc['id']}/download/"
        # and the URL answers the PDF with the same token
        pdf = client.get(doc["download_url"])
        assert pdf.status_code == 200
        assert pdf["Content-Type"] == "application/pdf"
        assert b"".join(pdf.streaming_content).startswith(b"%PDF")


def test_another_client_gets_404_for_documents_it_does_not_own(
    api_for, own_packed_order, superuser
):
    other = api_for(UserFactory(username="other-shop", roles=["Integration"]))
    doc = own_packed_order.documents.first()
    assert_error(
        other.get(f"/api/v1/orders/{own_packed_order.number}/documents/"), 404, "not_found"
    )
    assert_error(other.get(f"/api/v1/documents/{doc.pk}/download/"), 404, "not_found")
    assert_error(other.get("/api/v1/documents/999999/download/"), 404, "not_found")
    # staff see every order's documents
    assert api_for(superuser).get(f"/api/v1/documents/{doc.pk}/download/").status_code == 200


def test_a_download_asked_for_as_pdf_still_answers_errors_in_json(api_for, integration):
    response = api_for(integration).get(
        "/api/v1/documents/999999/download/", HTTP_ACCEPT="application/pdf"
    )
    assert_error(response, 404, "not_found")


# --- ship and confirm delivery -------------------------------------------------------


def test_ship_with_a_bad_tracking_number_names_the_field_and_changes_nothing(
    api_for, logistics, own_packed_order, product
):
    client = api_for(logistics)
    n = own_packed_order.number
    reserved = StockItem.objects.get(product=product).reserved
    # when logistics sends a number that is not an SF number
    response = post(client, n, "ship", {"carrier": "sf", "tracking_number": "SF-123"})
    # then 400 names tracking_number and nothing changed
    data = assert_error(response, 400, "invalid")
    # with the carrier's format in words (issue 12)
    assert data["fields"]["tracking_number"] == [
        "SF-123 is not a 顺丰速运 SF Express tracking number.",
        "顺丰速运 SF Express tracking numbers are SF + 12 digits (e.g. SF123456789012).",
    ]
    assert Order.objects.get(pk=own_packed_order.pk).status == "packed"
    assert StockItem.objects.get(product=product).reserved == reserved
    assert not StockMovement.objects.filter(kind="shipment").exists()


def test_ship_by_carrier_code_answers_the_shipment_with_its_tracking_link(
    api_for, logistics, integration, own_packed_order
):
    n = own_packed_order.number
    # given the planned shipment the rules proposed at packing
    planned = api_for(integration).get(f"/api/v1/orders/{n}/").json()["shipments"]
    assert planned == [
        {
            "carrier": "顺丰速运 SF Express",
            "carrier_code": "sf",
            "service": "standard",
            "tracking_number": "",
            "tracking_url": "",
            "proposed_carrier": "sf",
            "override_reason": "",
            "transit_days": 3,
            "shipped_at": None,
            "delivered_at": None,
            "signed_by": "",
        }
    ]
    # when logistics ships with the carrier's code and a valid number
    response = post(
        api_for(logistics), n, "ship", {"carrier": "sf", "tracking_number": "SF123456789012"}
    )
    # then the order answers with carrier, service, tracking link and the proposal
    assert response.status_code == 200, response.content
    shipment = response.json()["shipments"][0]
    assert response.json()["status"] == "shipped"
    assert shipment["carrier_code"] == "sf" and shipment["service"] == "standard"
    assert shipment["tracking_number"] == "SF123456789012"
    assert shipment["tracking_url"].endswith("/SF123456789012")
    assert shipment["proposed_carrier"] == "sf" and shipment["override_reason"] == ""
    assert shipment["shipped_at"] is not None
    # and the shop reads the same link on its own order
    mine = api_for(integration).get(f"/api/v1/orders/{n}/").json()["shipments"][0]
    assert mine["tracking_url"] == shipment["tracking_url"]


def test_another_carrier_needs_a_reason_and_keeps_it(api_for, logistics, own_packed_order):
    client, n = api_for(logistics), own_packed_order.number
    refused = post(client, n, "ship", {"carrier": "zto", "tracking_number": "71234567890123"})
    assert "override_reason" in assert_error(refused, 400, "invalid")["fields"]
    shipped = post(
        client,
        n,
        "ship",
        {
            "carrier": "zto",
            "service": "economy",
            "tracking_number": "71234567890123",
            "override_reason": "SF pickup missed",
        },
    )
    shipment = shipped.json()["shipments"][0]
    assert (shipment["carrier_code"], shipment["service"]) == ("zto", "economy")
    assert (shipment["proposed_carrier"], shipment["override_reason"]) == ("sf", "SF pickup missed")
    assert shipment["tracking_url"] == "https://www.zto.com/?num=71234567890123"


def test_confirm_delivery_with_the_time_it_was_signed(api_for, logistics, own_packed_order):
    client, n = api_for(logistics), own_packed_order.number
    post(client, n, "ship", {"carrier": "sf", "tracking_number": "SF123456789012"})
    own_packed_order.shipments.update(shipped_at=timezone.now() - datetime.timedelta(days=1))
    signed_at = (timezone.now() - datetime.timedelta(hours=3)).replace(microsecond=0)
    response = post(
        client, n, "confirm-delivery", {"signed_by": "王五", "delivered_at": signed_at.isoformat()}
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["status"] == "delivered"
    shipment = data["shipments"][0]
    assert shipment["signed_by"] == "王五"
    assert datetime.datetime.fromisoformat(shipment["delivered_at"]) == signed_at
    # a delivery in the future is refused on its field
    other = flow.walk_to(
        make_order(
            customer=own_packed_order.customer,
            salesperson=own_packed_order.salesperson,
            lines=[(own_packed_order.lines.get().product, 1)],
        ),
        "shipped",
        UserFactory(username="root2", is_superuser=True),
    )
    future = (timezone.now() + datetime.timedelta(days=1)).isoformat()
    refused = post(client, other.number, "confirm-delivery", {"delivered_at": future})
    assert "delivered_at" in assert_error(refused, 400, "invalid")["fields"]


def test_a_delivery_before_the_hand_over_is_refused(api_for, logistics, own_packed_order):
    # given an order shipped now
    client, n = api_for(logistics), own_packed_order.number
    post(client, n, "ship", {"carrier": "sf", "tracking_number": "SF123456789012"})
    # when the delivery is dated before it (a mistyped year)
    response = post(client, n, "confirm-delivery", {"delivered_at": "0129-05-20T00:53:04Z"})
    # then it is refused on delivered_at, and the order stays shipped
    assert "delivered_at" in assert_error(response, 400, "invalid")["fields"]
    assert Order.objects.get(pk=own_packed_order.pk).status == "shipped"
    assert own_packed_order.shipments.get().delivered_at is None
