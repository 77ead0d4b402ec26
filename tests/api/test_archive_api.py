"""The archive through the API (documentation 5): archiving, 409 ``archived``
for every write to an archived order with nothing changed, and the dossier."""

import pytest
from rest_framework.test import APIClient

from orders import services
from orders.models import ArchiveRecord, Order
from shipping.models import Package, Shipment, ShippingDocument
from tests import flow
from tests.factories import UserFactory, make_order

pytestmark = pytest.mark.django_db


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    data = response.json()
    assert set(data) >= {"code", "message", "fields"}
    assert data["code"] == code
    return data


def snapshot(order):
    order = Order.objects.get(pk=order.pk)
    return (
        order.status,
        order.updated_at,
        order.notes,
        list(order.lines.values_list("pk", "quantity", "picked_quantity")),
        order.events.count(),
        order.contacts.count(),
        list(Shipment.objects.filter(order=order).values()),
        Package.objects.filter(order=order).count(),
        ShippingDocument.objects.filter(order=order).count(),
        list(ArchiveRecord.objects.filter(order=order).values()),
    )


@pytest.fixture
def archived(customer, product, sales, superuser, manager):
    order = make_order(customer=customer, salesperson=sales, lines=[(product, 2)])
    order = flow.walk_to(order, "completed", superuser)
    return services.order_archive(order=order, user=manager)


def test_a_manager_archives_through_the_api(api_for, manager, customer, product, sales):
    order = make_order(customer=customer, salesperson=sales, lines=[(product, 1)])
    services.order_cancel(order=order, user=sales, reason="customer_request")
    response = api_for(manager).post(
        f"/api/v1/orders/{order.number}/archive/", {"note": "closed"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "archived"
    record = ArchiveRecord.objects.get(order=order)
    assert (record.final_status, record.archived_by) == ("cancelled", manager)


def test_every_write_to_an_archived_order_answers_409_archived(api_for, archived, superuser):
    # given a superuser's client, who could do anything to an open order
    client = api_for(superuser)
    base = f"/api/v1/orders/{archived.number}/"
    before = snapshot(archived)
    writes = [
        ("patch", base, {"notes": "late edit"}),
        ("patch", base, {"lines": []}),  # invalid input too: archived comes first
        ("post", base + "contacts/", {"channel": "phone", "summary": "too late"}),
        ("post", base + "picks/", {"barcode": "6900000000000"}),
        *[
            ("post", base + name.replace("_", "-") + "/", flow.kwargs_for(name, archived))
            for name in flow.GRAPH
        ],
    ]
    # when it sends each, then each is refused as archived
    for method, url, body in writes:
        response = getattr(client, method)(url, body, format="json")
        data = assert_error(response, 409, "archived")
        assert archived.number in data["message"], url
    # and nothing changed
    assert snapshot(archived) == before
    # while reading it still works
    assert client.get(base).json()["status"] == "archived"
    assert client.get(base).json()["available_transitions"] == []


def test_the_dossier_through_the_api(api_for, archived, manager):
    response = api_for(manager).get(f"/api/v1/orders/{archived.number}/dossier/")
    assert response.status_code == 200, response.content
    bundle = response.json()
    assert set(bundle) == {
        "order",
        "customer",
        "lines",
        "review_findings",
        "timeline",
        "contacts",
        "shipments",
        "documents",
        "follow_ups",
        "cases",
        "returns",
        "survey",
        "archive",
        "generated_at",
    }
    assert bundle["order"]["number"] == archived.number
    assert bundle["archive"]["final_status"] == "completed"
    assert bundle["shipments"][0]["delivered"] is True
    # documents link to the API's download, which the same token may fetch
    client = api_for(manager)
    for doc in bundle["documents"]:
        assert "/api/v1/documents/" in doc["download_url"]
        path = doc["download_url"].replace("http://testserver", "")
        assert client.get(path).status_code == 200


def test_the_dossier_follows_the_visibility_rules(api_for, integration, customer, product, sales):
    # given an order another client created
    order = make_order(customer=customer, salesperson=sales, lines=[(product, 1)])
    url = f"/api/v1/orders/{order.number}/dossier/"
    # then an integration client gets 404, someone without a role 403, nobody 401
    assert_error(api_for(integration).get(url), 404, "not_found")
    assert_error(api_for(UserFactory(username="norole")).get(url), 403, "forbidden")
    assert APIClient().get(url).status_code == 401
    # while its own order's dossier is there
    own = make_order(customer=customer, salesperson=integration, lines=[(product, 1)])
    assert api_for(integration).get(f"/api/v1/orders/{own.number}/dossier/").status_code == 200


def test_the_dossier_is_in_the_schema(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operation = schema["paths"]["/api/v1/orders/{number}/dossier/"]["get"]
    assert "dossier" in operation["summary"]
    assert {"200", "401", "403", "404"} <= set(operation["responses"])
