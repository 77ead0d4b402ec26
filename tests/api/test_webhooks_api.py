"""/api/v1/webhooks/: an external system subscribes, gets its secret once,
sees its own subscriptions and deliveries only; bad input names the field."""

import pytest

from notifications.models import WebhookSubscription
from orders.demo import walk_to
from tests.factories import UserFactory, make_order

pytestmark = pytest.mark.django_db
URL = "/api/v1/webhooks/"


def test_subscribe_list_change_rotate_and_remove(api_for, integration):
    api = api_for(integration)
    created = api.post(
        URL,
        {
            "name": "Shop",
            "url": "https://shop.example.com/hook",
            "events": ["order.shipped", "order.approved"],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert len(body["secret"]) >= 32
    assert body["events"] == ["order.approved", "order.shipped"]
    subscription = WebhookSubscription.objects.get(pk=body["id"])
    assert subscription.owner == integration and subscription.secret == body["secret"]

    listed = api.get(URL).json()
    assert [s["id"] for s in listed["results"]] == [body["id"]]
    assert "secret" not in listed["results"][0]

    changed = api.patch(f"{URL}{body['id']}/", {"is_active": False}, format="json")
    assert changed.status_code == 200 and changed.json()["is_active"] is False

    rotated = api.post(f"{URL}{body['id']}/rotate-secret/")
    assert rotated.status_code == 200 and rotated.json()["secret"] != body["secret"]

    assert api.delete(f"{URL}{body['id']}/").status_code == 204
    assert not WebhookSubscription.objects.exists()


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"name": "x", "url": "https://a.example.com/", "events": ["order.exploded"]}, "events"),
        ({"name": "x", "url": "https://a.example.com/", "events": []}, "events"),
        ({"name": "x", "url": "ftp://a.example.com/", "events": ["order.shipped"]}, "url"),
        ({"name": "x", "url": "not a url", "events": ["order.shipped"]}, "url"),
        ({"url": "https://a.example.com/", "events": ["order.shipped"]}, "name"),
    ],
)
def test_bad_input_names_the_field(api_for, integration, payload, field):
    response = api_for(integration).post(URL, payload, format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not WebhookSubscription.objects.exists()


def test_another_client_s_subscription_is_not_found(api_for, integration):
    other = UserFactory(username="other-shop", roles=["Integration"])
    theirs = WebhookSubscription.objects.create(
        name="Theirs", url="https://other.example.com/", events=["order.shipped"], owner=other
    )
    api = api_for(integration)
    assert api.get(f"{URL}{theirs.pk}/").status_code == 404
    assert api.delete(f"{URL}{theirs.pk}/").status_code == 404
    assert WebhookSubscription.objects.filter(pk=theirs.pk).exists()


def test_a_role_without_webhooks_is_refused(api_for, warehouse_user):
    response = api_for(warehouse_user).get(URL)
    assert response.status_code == 403


def test_deliveries_list_what_was_sent(api_for, integration, customer, product):
    boss = UserFactory(username="boss", roles=["Sales", "Sales Manager", "Warehouse", "Logistics"])
    api = api_for(integration)
    hook = api.post(
        URL,
        {"name": "Shop", "url": "https://shop.example.com/", "events": ["order.approved"]},
        format="json",
    ).json()
    order = make_order(
        customer=customer, salesperson=boss, lines=[(product, 1)], created_by=integration
    )
    walk_to(order, "approved", boss)
    deliveries = api.get(f"{URL}{hook['id']}/deliveries/").json()["results"]
    assert [(d["event"], d["order"], d["status"]) for d in deliveries] == [
        ("order.approved", order.number, "pending")
    ]
