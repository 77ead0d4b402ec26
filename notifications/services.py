"""The one notifications module every app calls.

Writers (``email_enqueue``, ``webhook_publish``) add outbox rows inside the
caller's transaction and ask for delivery after commit; if the transaction
rolls back, the rows and the request vanish together. ``message_deliver`` is
idempotent: it takes the row lock, skips a row that is sent (or that another
worker is sending), sends, and marks the row sent in one transaction.

Delivery is at least once. The one window for a duplicate: the SMTP server
or webhook receiver accepted the message, and the worker died before its
transaction marked the row sent. Each message carries a stable id (the
email's Message-ID, the webhook's ``X-Event-Id``) so a receiver can drop a
repeat.
"""

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
from collections.abc import Callable, Iterable
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from . import urlguard
from .models import OutboxMessage, UserPreference, WebhookSubscription

log = logging.getLogger(__name__)

S = OutboxMessage.Status
DUE = [S.PENDING, S.FAILED]


# --- settings ---------------------------------------------------------------


def _setting(name: str, default):
    return getattr(settings, name, default)


def retry_delay(attempts: int) -> datetime.timedelta:
    """Exponential backoff after the ``attempts``-th failure: base, 2×base,
    4×base ... capped at ``NOTIFY_RETRY_MAX_SECONDS``."""
    base = _setting("NOTIFY_RETRY_BASE_SECONDS", 60)
    cap = _setting("NOTIFY_RETRY_MAX_SECONDS", 6 * 3600)
    return datetime.timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


# --- languages and templates ------------------------------------------------


def language_of(user) -> str:
    """The language a member of staff chose, else the site's default."""
    try:
        return user.preference.language
    except UserPreference.DoesNotExist:
        return settings.LANGUAGE_CODE


def preference_save(*, user, language: str) -> None:
    if language in dict(settings.LANGUAGES):
        UserPreference.objects.update_or_create(user=user, defaults={"language": language})


def email_render(*, template: str, language: str, context: dict) -> tuple[str, str, str]:
    """Subject, text and HTML of ``notifications/email/<language>/<template>``.

    Each language has its own written templates; dates and numbers are
    formatted for that language too."""
    folder = f"notifications/email/{language}"
    context = {**context, "site_url": settings.SITE_URL.rstrip("/"), "language": language}
    with translation.override(language):
        subject = render_to_string(f"{folder}/{template}.subject.txt", context)
        text = render_to_string(f"{folder}/{template}.txt", context).strip() + "\n"
        html = render_to_string(
            "notifications/email/base.html", {**context, "subject": subject, "text": text.strip()}
        )
    return " ".join(subject.split()), text, html


# --- writing to the outbox ------------------------------------------------


def _insert(*, dedupe_key: str, **fields) -> OutboxMessage | None:
    """One row per ``dedupe_key``: a second write of the same message (a
    scheduled job running twice) is dropped. The savepoint keeps the caller's
    transaction usable after the unique violation."""
    try:
        with transaction.atomic():
            return OutboxMessage.objects.create(dedupe_key=dedupe_key, **fields)
    except IntegrityError:
        if OutboxMessage.objects.filter(dedupe_key=dedupe_key).exists():
            return None
        raise


def email_enqueue(
    *,
    event: str,
    to: str,
    template: str,
    language: str,
    context: dict,
    dedupe_key: str,
    order=None,
    send_at: datetime.datetime | None = None,
) -> OutboxMessage | None:
    """Queue one email, rendered now (it says what was true at this moment).

    ``send_at`` puts it off: the sweeper sends it when it falls due, so long
    delays live in the database, not in the broker."""
    if not to:
        return None
    subject, text, html = email_render(template=template, language=language, context=context)
    message = _insert(
        dedupe_key=dedupe_key,
        event=event,
        channel=OutboxMessage.Channel.EMAIL,
        recipient=to,
        language=language,
        subject=subject[:300],
        body=text,
        body_html=html,
        order=order,
        next_attempt_at=send_at or timezone.now(),
    )
    if message and send_at is None:
        _deliver_after_commit([message.pk])
    return message


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
    subscriptions = WebhookSubscription.objects.filter(is_active=True).select_related("owner")
    messages = []
    for subscription in subscriptions:
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
        message = _insert(
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
    _deliver_after_commit([m.pk for m in messages])
    return messages


def staff_with_role(role: str) -> Iterable:
    return (
        get_user_model()
        .objects.filter(groups__name=role, is_active=True)
        .exclude(email="")
        .select_related("preference")
        .order_by("pk")
    )


# --- handing rows to Celery -------------------------------------------------


def _deliver_after_commit(pks: list[int]) -> None:
    if pks:
        transaction.on_commit(partial(_enqueue, pks), robust=True)


_broker_down_until = 0.0


def _enqueue(pks: Iterable[int], *, countdown: float | None = None) -> None:
    """Hand rows to the broker. If the broker is down the rows stay pending
    and the sweeper queues them later: a state change never fails because a
    message could not be queued. After a failure, further tries are skipped
    for a few seconds so that requests do not each wait for a dead broker."""
    global _broker_down_until
    from .tasks import deliver_message

    pks = list(pks)
    if time.monotonic() < _broker_down_until:
        log.warning("broker down: %d outbox message(s) left to the sweeper", len(pks))
        return
    for pk in pks:
        try:
            deliver_message.apply_async((pk,), countdown=countdown, retry=False)
        except Exception as exc:  # the broker is down: the sweeper will come
            _broker_down_until = time.monotonic() + _setting("NOTIFY_BROKER_PAUSE_SECONDS", 5)
            log.warning("could not queue outbox messages %s: %s", pks, exc)
            return


# --- delivering -------------------------------------------------------------


class DeliveryError(Exception):
    pass


class Undeliverable(DeliveryError):
    """No retry can help (the subscription is gone): the row is dead at once."""


def message_deliver(pk: int) -> str:
    """Send one outbox row if it is due and unsent; return what happened.

    The row lock is held while sending: a second task for the same row
    (redelivered by the broker, or queued by the sweeper) skips it instead of
    sending it again, and a row marked sent is never sent again."""
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("subscription")
            .filter(pk=pk, status__in=DUE)
            .first()
        )
        if message is None:
            return "skipped"
        # A countdown may fire a moment early; anything earlier is a stray
        # task that would cut the backoff short.
        if message.next_attempt_at > timezone.now() + datetime.timedelta(seconds=2):
            return "not_due"
        message.attempts += 1
        try:
            _send(message)
        except Exception as exc:
            return _record_failure(message, exc)
        message.status = S.SENT
        message.sent_at = timezone.now()
        message.last_error = ""
        message.save(update_fields=["status", "sent_at", "attempts", "last_error"])
    return "sent"


def _record_failure(message: OutboxMessage, exc: Exception) -> str:
    # A DeliveryError's text is written to be shown (to the client too);
    # anything else is the operator's own SMTP server talking.
    if isinstance(exc, DeliveryError):
        message.last_error = str(exc)[:2000]
    else:
        message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    if isinstance(exc, Undeliverable) or message.attempts >= _setting("NOTIFY_MAX_ATTEMPTS", 8):
        message.status = S.DEAD
    else:
        message.status = S.FAILED
        delay = retry_delay(message.attempts)
        message.next_attempt_at = timezone.now() + delay
        # A countdown the broker holds must stay well inside Redis's visibility
        # timeout; longer waits are left to the sweeper. Eager mode (make run)
        # has no countdown at all: the row waits for the sweeper or the admin.
        from orders_site.celery import app

        if not app.conf.task_always_eager and delay.total_seconds() <= _setting(
            "NOTIFY_MAX_COUNTDOWN_SECONDS", 900
        ):
            transaction.on_commit(
                partial(_enqueue, [message.pk], countdown=delay.total_seconds()), robust=True
            )
    message.save(update_fields=["status", "attempts", "next_attempt_at", "last_error"])
    log.warning("outbox message %s failed (attempt %s): %s", message.pk, message.attempts, exc)
    return message.status


def _send(message: OutboxMessage) -> None:
    if message.channel == OutboxMessage.Channel.EMAIL:
        email = EmailMultiAlternatives(
            subject=message.subject,
            body=message.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.recipient],
            headers={"Message-ID": message.message_id},
        )
        if message.body_html:
            email.attach_alternative(message.body_html, "text/html")
        email.send(fail_silently=False)
    else:
        _post_webhook(message)


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


class AddressRefused(Undeliverable):
    """The guard refused the URL at delivery (its DNS now points inward, or
    the row predates the check). Retrying would only knock on the same door:
    the row is dead at once; the admin can send it again once it is fixed."""


_REFUSED = {
    "address": "refused: address not allowed",
    "scheme": "refused: only http and https URLs are allowed",
    "credentials": "refused: URLs with a user name or password are not allowed",
    "invalid": "refused: not a valid URL",
}


def _post_webhook(message: OutboxMessage) -> None:
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
    timeout = _setting("NOTIFY_WEBHOOK_TIMEOUT_SECONDS", 10)
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


# --- the sweeper and the admin's retry ---------------------------------------


def outbox_sweep(*, limit: int = 500) -> int:
    """Queue every row that is due and was not sent: its task was lost (the
    broker was down, a worker died) or it was put off with ``send_at``.
    Rows younger than the grace period are left to their own task."""
    grace = datetime.timedelta(seconds=_setting("NOTIFY_SWEEP_GRACE_SECONDS", 60))
    now = timezone.now()
    pks = list(
        OutboxMessage.objects.filter(status__in=DUE, next_attempt_at__lte=now)
        .filter(Q(attempts__gt=0) | Q(created_at__lte=now - grace))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    _enqueue(pks)
    return len(pks)


def message_retry(*, messages) -> int:
    """Give failed or dead rows another round (the admin's action)."""
    pks = list(messages.filter(status__in=[S.FAILED, S.DEAD]).values_list("pk", flat=True))
    OutboxMessage.objects.filter(pk__in=pks).update(
        status=S.PENDING, attempts=0, next_attempt_at=timezone.now()
    )
    with transaction.atomic():
        _deliver_after_commit(pks)
    return len(pks)
