"""/api/v1/webhooks/: an external system subscribes, gets its secret once,
sees its own subscriptions and deliveries only; bad input names the field;
a URL that leads inward (loopback, private, metadata) is refused, at
subscription and again at delivery."""

import pytest

from notifications import services
from notifications.models import WebhookSubscription
from orders_site.demo import walk_to
from tests.factories import UserFactory, make_order
from tests.notifications.services import FakeDNS, WebhookReceiver, free_port

pytestmark = pytest.mark.django_db
URL = "/api/v1/webhooks/"
PUBLIC = "93.184.216.34"


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


# --- where a webhook may point (issue 11, item 2) ------------------------------


@pytest.fixture
def no_allowed_hosts(settings):
    """As in production: the test settings' loopback allow-list emptied."""
    settings.NOTIFY_WEBHOOK_ALLOWED_HOSTS = []


@pytest.fixture
def dns(monkeypatch):
    return FakeDNS(monkeypatch)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://127.0.0.1:6379/",
        "http://localhost:8000/hook",
        "http://[::1]/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://0.0.0.0/",
        "http://[::]/",
        "http://[::ffff:127.0.0.1]/",
        "http://10.0.0.5/",
        "http://192.168.1.1/",
        "http://[fe80::1]/",
        "http://224.0.0.1/",
    ],
)
def test_an_inward_address_is_refused_and_the_message_says_what_is_allowed(
    api_for, integration, no_allowed_hosts, url
):
    response = api_for(integration).post(
        URL, {"name": "x", "url": url, "events": ["order.shipped"]}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and list(body["fields"]) == ["url"]
    [message] = body["fields"]["url"]
    assert "public" in message and "http" in message
    assert not WebhookSubscription.objects.exists()


def test_credentials_in_the_url_are_refused(api_for, integration, no_allowed_hosts, dns):
    dns.answer("shop.example.com", PUBLIC)
    response = api_for(integration).post(
        URL,
        {"name": "x", "url": "https://user:secret@shop.example.com/", "events": ["order.shipped"]},
        format="json",
    )
    assert response.status_code == 400
    assert "password" in response.json()["fields"]["url"][0]


def test_a_name_that_resolves_inward_is_refused_and_a_change_of_url_too(
    api_for, integration, no_allowed_hosts, dns
):
    dns.answer("shop.example.com", PUBLIC)
    dns.answer("metadata.example.com", "169.254.169.254")
    api = api_for(integration)
    refused = api.post(
        URL,
        {"name": "x", "url": "http://metadata.example.com/", "events": ["order.shipped"]},
        format="json",
    )
    assert refused.status_code == 400 and "url" in refused.json()["fields"]
    hook = api.post(
        URL,
        {"name": "x", "url": "https://shop.example.com/", "events": ["order.shipped"]},
        format="json",
    ).json()
    changed = api.patch(f"{URL}{hook['id']}/", {"url": "http://[::1]:5432/"}, format="json")
    assert changed.status_code == 400 and "url" in changed.json()["fields"]
    assert WebhookSubscription.objects.get().url == "https://shop.example.com/"


def test_the_operator_s_allow_list_admits_an_internal_host(api_for, integration, settings, dns):
    dns.answer("erp.internal", "10.0.0.7")
    payload = {"name": "ERP", "url": "http://erp.internal/hooks", "events": ["order.shipped"]}
    api = api_for(integration)
    settings.NOTIFY_WEBHOOK_ALLOWED_HOSTS = []
    assert api.post(URL, payload, format="json").status_code == 400
    settings.NOTIFY_WEBHOOK_ALLOWED_HOSTS = ["erp.internal"]
    assert api.post(URL, payload, format="json").status_code == 201


def test_a_host_that_resolves_to_loopback_at_delivery_is_not_delivered_to(
    api_for, integration, no_allowed_hosts, dns
):
    """Public when the client subscribed, loopback when the event is sent
    (the DNS changed): the row is dead at once and the listener never hears."""
    with WebhookReceiver([200]) as receiver:
        dns.answer("hooks.example.com", PUBLIC)
        url = f"http://hooks.example.com:{receiver.port}/hooks/orders"
        api = api_for(integration)
        hook = api.post(
            URL, {"name": "Shop", "url": url, "events": ["order.approved"]}, format="json"
        )
        assert hook.status_code == 201, hook.content
        dns.answer("hooks.example.com", "127.0.0.1")
        [row] = services.webhook_publish(event="order.approved", data={}, dedupe_key="rebind")
        assert services.message_deliver(row.pk) == "dead"
        assert receiver.requests == []
    [delivery] = api.get(f"{URL}{hook.json()['id']}/deliveries/").json()["results"]
    assert delivery["status"] == "dead"
    assert delivery["last_error"] == "refused: address not allowed"


def test_deliveries_show_connection_failed_for_a_closed_port(api_for, integration):
    """A client must not learn from its deliveries which ports are open
    inside: the socket's own reason ("[Errno 111] Connection refused") is
    not shown."""
    api = api_for(integration)
    hook = api.post(
        URL,
        {
            "name": "Probe",
            "url": f"http://127.0.0.1:{free_port()}/",  # loopback is allowed in tests
            "events": ["order.approved"],
        },
        format="json",
    ).json()
    [row] = services.webhook_publish(event="order.approved", data={}, dedupe_key="closed")
    services.message_deliver(row.pk)
    [delivery] = api.get(f"{URL}{hook['id']}/deliveries/").json()["results"]
    assert delivery["last_error"] == "connection failed"
