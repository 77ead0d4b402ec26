"""Webhook delivery against real sockets on loopback (allowed by the test
settings): the address checked is the address connected to, redirects are
not followed, a refused address is dead at once, and the stored error never
tells the client why a socket failed (which ports are open inside)."""

import ssl

import pytest

from notifications import services, webhooks
from notifications.models import OutboxMessage, WebhookSubscription
from tests.factories import UserFactory

from .services import FakeDNS, SilentListener, ThrowawayCertificates, WebhookReceiver, free_port

pytestmark = pytest.mark.django_db
M = OutboxMessage.Status
PUBLIC = "93.184.216.34"


@pytest.fixture
def dns(monkeypatch):
    return FakeDNS(monkeypatch)


@pytest.fixture
def owner(db):
    return UserFactory(username="erp-owner")


def queued(owner, url: str, *, key: str = "1") -> OutboxMessage:
    """One webhook row for a subscription to ``url``, as an order event
    writes it. The subscription is made directly, as rows from before the
    check were: only delivery stands between it and the network."""
    WebhookSubscription.objects.create(name="ERP", url=url, events=["order.approved"], owner=owner)
    [message] = services.webhook_publish(
        event="order.approved", data={"order": "SO-1"}, dedupe_key=f"test:{key}"
    )
    return message


def delivered(message: OutboxMessage) -> OutboxMessage:
    services.message_deliver(message.pk)
    message.refresh_from_db()
    return message


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_not_followed(owner, status):
    with WebhookReceiver([200]) as elsewhere:
        with WebhookReceiver([status], headers={"Location": elsewhere.url}) as receiver:
            row = delivered(queued(owner, receiver.url))
        assert len(receiver.requests) == 1
        assert elsewhere.requests == []
    assert row.status == M.FAILED  # retried like any other non-2xx answer
    assert row.last_error == f"HTTP {status} from receiver: redirect not followed"


def test_a_closed_port_says_connection_failed_and_nothing_more(owner):
    row = delivered(queued(owner, f"http://127.0.0.1:{free_port()}/hooks"))
    assert row.status == M.FAILED
    assert row.last_error == "connection failed"


def test_a_receiver_that_never_answers_timed_out(owner, settings):
    settings.NOTIFY_WEBHOOK_TIMEOUT_SECONDS = 0.5
    with SilentListener() as listener:
        row = delivered(queued(owner, listener.url))
    assert (row.status, row.last_error) == (M.FAILED, "timed out")


def test_an_error_answer_names_the_status_only(owner):
    with WebhookReceiver([500]) as receiver:
        row = delivered(queued(owner, receiver.url))
    assert row.last_error == "HTTP 500 from receiver"


@pytest.mark.parametrize(
    "host",
    ["2130706433", "0x7f000001", "127.1", "[::ffff:127.0.0.1]", "localhost.localdomain"],
)
def test_a_stored_url_that_reaches_loopback_another_way_is_refused_and_dead_at_once(
    owner, dns, host
):
    """The test settings allow 127.0.0.1, localhost and ::1 by name; none of
    these spellings is on the list, so each is judged by where it leads."""
    dns.answer("localhost.localdomain", "127.0.0.1")
    with WebhookReceiver([200]) as receiver:
        row = delivered(queued(owner, f"http://{host}:{receiver.port}/hooks/orders"))
        assert receiver.requests == []
    assert (row.status, row.attempts) == (M.DEAD, 1)  # no retry can make it allowed
    assert row.last_error == "refused: address not allowed"


def test_a_stored_url_with_credentials_is_refused(owner):
    with WebhookReceiver([200]) as receiver:
        row = delivered(queued(owner, f"http://user:pw@127.0.0.1:{receiver.port}/hooks"))
        assert receiver.requests == []
    assert row.status == M.DEAD
    assert row.last_error == "refused: URLs with a user name or password are not allowed"


def test_the_connection_goes_to_the_address_that_was_checked(owner, dns, monkeypatch):
    """A rebind between the check and the connection: the first lookup says
    public, any later one says loopback. The socket is opened to the checked
    address (here it refuses: no such host on the test machine's network)
    and the name is looked up once."""
    with WebhookReceiver([200]) as receiver:
        dns.answer("hooks.example.com", PUBLIC, then=["127.0.0.1"])
        opened = []

        def open_socket(addresses, timeout):
            opened.extend(info[4] for info in addresses)
            raise ConnectionRefusedError(111, "Connection refused")

        monkeypatch.setattr(webhooks, "_open_socket", open_socket)
        row = delivered(queued(owner, f"http://hooks.example.com:{receiver.port}/hooks"))
        assert receiver.requests == []
    assert opened == [(PUBLIC, receiver.port)]
    assert dns.lookups == {"hooks.example.com": 1}
    assert row.last_error == "connection failed"


@pytest.fixture
def certificates(tmp_path, monkeypatch):
    """A certificate for erp.internal from a test CA that deliveries trust."""
    made = ThrowawayCertificates(tmp_path, "erp.internal")
    monkeypatch.setattr(ssl, "create_default_context", made.client_context)
    return made


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_an_allowed_host_is_delivered_to_with_its_own_name_in_host(
    owner, dns, settings, request, scheme
):
    """The operator's allow-list at delivery: without the entry the row is
    refused; with it (and the admin's retry) the same row goes out, to the
    address the name resolves to, with the name in ``Host`` (and, over TLS,
    in SNI and the certificate check)."""
    tls = request.getfixturevalue("certificates") if scheme == "https" else None
    settings.NOTIFY_WEBHOOK_ALLOWED_HOSTS = []
    with WebhookReceiver([200], tls=tls) as receiver:
        dns.answer("erp.internal", "127.0.0.1")
        url = f"{scheme}://erp.internal:{receiver.port}/hooks/orders?source=orders"
        row = delivered(queued(owner, url))
        assert (row.status, receiver.requests) == (M.DEAD, [])

        settings.NOTIFY_WEBHOOK_ALLOWED_HOSTS = ["erp.internal"]
        services.message_retry(messages=OutboxMessage.objects.filter(pk=row.pk))
        row = delivered(row)
        [call] = receiver.requests
    assert (row.status, row.last_error) == (M.SENT, "")
    assert call["method"] == "POST"
    assert call["path"] == "/hooks/orders?source=orders"
    assert call["headers"]["Host"] == f"erp.internal:{receiver.port}"
    assert call["headers"]["X-Event-Id"] == str(row.event_id)
    if tls:
        assert receiver.sni == ["erp.internal"]


def test_a_certificate_for_another_name_fails_without_details(owner, dns, settings, certificates):
    """Connecting to a checked address does not mean trusting it: the
    certificate must still name the URL's host."""
    settings.NOTIFY_WEBHOOK_ALLOWED_HOSTS = ["crm.internal"]
    with WebhookReceiver([200], tls=certificates) as receiver:
        dns.answer("crm.internal", "127.0.0.1")
        row = delivered(queued(owner, f"https://crm.internal:{receiver.port}/hooks"))
        assert receiver.requests == []
    assert row.status == M.FAILED
    assert row.last_error == "connection failed: TLS handshake or certificate refused"
