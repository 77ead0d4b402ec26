"""Webhooks: one signed JSON body per event and subscription, fixed when
queued, POSTed by the delivery to the address ``urlguard`` vetted."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import http.client
import json
import logging
import socket
import ssl
import time
import uuid
from collections.abc import Callable

from django.utils import timezone

from . import urlguard
from .conf import setting
from .exceptions import AddressRefused, DeliveryError, Undeliverable
from .models import OutboxMessage
from .outbox import outbox_insert
from .queue import deliver_after_commit
from .selectors import webhook_subscriptions_active

log = logging.getLogger(__name__)


def webhook_publish(
    *,
    event: str,
    data: dict,
    dedupe_key: str,
    order=None,
    audience: Callable[[object], bool] = lambda owner: True,
    occurred_at: datetime.datetime | None = None,
) -> list[OutboxMessage]:
    """Queue ``event`` for every active subscription that chose it and whose
    owner ``audience`` admits. The body is fixed now so that every retry sends
    the same bytes."""
    messages = []
    for subscription in webhook_subscriptions_active():
        if event not in subscription.events or not audience(subscription.owner):
            continue
        event_id = uuid.uuid4()
        body = json.dumps(
            {
                "id": str(event_id),
                "event": event,
                "occurred_at": (occurred_at or timezone.now()).isoformat(),
                "data": data,
            },
            ensure_ascii=False,
            sort_keys=True,
            separators=(",", ":"),
        )
        message = outbox_insert(
            dedupe_key=f"{dedupe_key}:webhook:{subscription.pk}",
            event_id=event_id,
            event=event,
            channel=OutboxMessage.Channel.WEBHOOK,
            recipient=subscription.url,
            body=body,
            order=order,
            subscription=subscription,
        )
        if message:
            messages.append(message)
    deliver_after_commit([m.pk for m in messages])
    return messages


def webhook_signature(*, secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=`` and the hex HMAC-SHA256 of ``<timestamp>.<body>``."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the vetted addresses only; ``Host`` names the URL's host."""

    def __init__(self, destination: urlguard.Destination, *, timeout: float):
        super().__init__(destination.host, destination.port, timeout=timeout)
        self._addresses = destination.addresses

    def connect(self):
        self.sock = _open_socket(self._addresses, self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """As above, with TLS: the certificate is checked against the URL's host
    name (also sent as SNI), not against the address connected to."""

    def __init__(self, destination: urlguard.Destination, *, timeout: float):
        super().__init__(
            destination.host,
            destination.port,
            timeout=timeout,
            context=ssl.create_default_context(),
        )
        self._addresses = destination.addresses

    def connect(self):
        sock = _open_socket(self._addresses, self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _open_socket(addresses, timeout: float) -> socket.socket:
    """A TCP connection to the first of the vetted ``getaddrinfo`` entries
    that answers. No name is resolved here: that was done, once, by the
    check."""
    error: OSError = ConnectionError("no address")
    for family, kind, proto, _canonname, sockaddr in addresses:
        sock = socket.socket(family, kind, proto)
        try:
            sock.settimeout(timeout)
            sock.connect(sockaddr)
            return sock
        except OSError as exc:
            sock.close()
            error = exc
    raise error


_REFUSED = {
    "address": "refused: address not allowed",
    "scheme": "refused: only http and https URLs are allowed",
    "credentials": "refused: URLs with a user name or password are not allowed",
    "invalid": "refused: not a valid URL",
}


def webhook_post(message: OutboxMessage) -> None:
    """POST one webhook to the address that was checked.

    The host is resolved once and every address vetted by ``urlguard``; the
    connection goes to those addresses (with the URL's host in ``Host`` and
    in TLS SNI and certificate checks), so a DNS answer that changes in
    between (rebinding) cannot steer it inward. Redirects are never
    followed: a 3xx answer is a failed delivery, retried like any other
    non-2xx, and its ``Location`` is not visited.

    The errors stored on the row (and shown to the client in its deliveries
    list and in the admin) say only "connection failed", "timed out",
    "refused: ..." or "HTTP <status> from receiver": never the socket's own
    reason, which would tell the client which internal ports are open. The
    full reason goes to the log."""
    if message.subscription is None or not message.subscription.is_active:
        raise Undeliverable("the subscription was removed or switched off")
    try:
        destination = urlguard.destination_resolve(message.recipient)
    except urlguard.URLNotAllowed as exc:
        raise AddressRefused(_REFUSED.get(exc.code, _REFUSED["invalid"])) from None
    except urlguard.HostNotFound:
        raise DeliveryError("connection failed: host name not found") from None
    body = message.body.encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "orders-webhooks/1",
        "Connection": "close",
        "X-Event-Id": str(message.event_id),
        "X-Event": message.event,
        "X-Event-Timestamp": timestamp,
        "X-Signature-256": webhook_signature(
            secret=message.subscription.secret, timestamp=timestamp, body=body
        ),
    }
    timeout = setting("NOTIFY_WEBHOOK_TIMEOUT_SECONDS", 10)
    pinned = _PinnedHTTPSConnection if destination.scheme == "https" else _PinnedHTTPConnection
    connection = None
    try:
        connection = pinned(destination, timeout=timeout)
        connection.request("POST", destination.target, body=body, headers=headers)
        status = connection.getresponse().status
    except TimeoutError as exc:
        log.info("webhook %s to %s: %r", message.pk, destination.host, exc)
        raise DeliveryError("timed out") from None
    except ssl.SSLError as exc:
        log.info("webhook %s to %s: %r", message.pk, destination.host, exc)
        raise DeliveryError("connection failed: TLS handshake or certificate refused") from None
    except (OSError, http.client.HTTPException, ValueError) as exc:
        log.info("webhook %s to %s: %r", message.pk, destination.host, exc)
        raise DeliveryError("connection failed") from None
    finally:
        if connection is not None:
            connection.close()
    if 300 <= status < 400:
        raise DeliveryError(f"HTTP {status} from receiver: redirect not followed")
    if not 200 <= status < 300:
        raise DeliveryError(f"HTTP {status} from receiver")
