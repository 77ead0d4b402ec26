"""Delivering outbox rows: one row at a time, the sweeper, the admin's retry.

``message_deliver`` is idempotent: it takes the row lock, skips a row that is
sent (or that another worker is sending), sends, and marks the row sent in
one transaction."""

from __future__ import annotations

import datetime
import logging

from django.db import transaction
from django.utils import timezone

from .conf import setting
from .emails import email_send
from .exceptions import DeliveryError, Undeliverable
from .models import DUE_STATUSES, OutboxMessage
from .queue import deliver_after_commit, enqueue, tasks_run_eagerly
from .selectors import outbox_due_pks
from .webhooks import webhook_post

log = logging.getLogger(__name__)

S = OutboxMessage.Status


def retry_delay(attempts: int) -> datetime.timedelta:
    """Exponential backoff after the ``attempts``-th failure: base, 2×base,
    4×base ... capped at ``NOTIFY_RETRY_MAX_SECONDS``."""
    base = setting("NOTIFY_RETRY_BASE_SECONDS", 60)
    cap = setting("NOTIFY_RETRY_MAX_SECONDS", 6 * 3600)
    return datetime.timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


def message_deliver(pk: int) -> str:
    """Send one outbox row if it is due and unsent; return what happened.

    The row lock is held while sending: a second task for the same row
    (redelivered by the broker, or queued by the sweeper) skips it instead of
    sending it again, and a row marked sent is never sent again."""
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("subscription")
            .filter(pk=pk, status__in=DUE_STATUSES)
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
    if isinstance(exc, Undeliverable) or message.attempts >= setting("NOTIFY_MAX_ATTEMPTS", 8):
        message.status = S.DEAD
    else:
        message.status = S.FAILED
        delay = retry_delay(message.attempts)
        message.next_attempt_at = timezone.now() + delay
        # A countdown the broker holds must stay well inside Redis's visibility
        # timeout; longer waits are left to the sweeper. Eager mode (make run)
        # has no countdown at all: the row waits for the sweeper or the admin.
        if not tasks_run_eagerly() and delay.total_seconds() <= setting(
            "NOTIFY_MAX_COUNTDOWN_SECONDS", 900
        ):
            deliver_after_commit([message.pk], countdown=delay.total_seconds())
    message.save(update_fields=["status", "attempts", "next_attempt_at", "last_error"])
    log.warning("outbox message %s failed (attempt %s): %s", message.pk, message.attempts, exc)
    return message.status


def _send(message: OutboxMessage) -> None:
    if message.channel == OutboxMessage.Channel.EMAIL:
        email_send(message)
    else:
        webhook_post(message)


def outbox_sweep(*, limit: int = 500) -> int:
    """Queue every row that is due and was not sent: its task was lost (the
    broker was down, a worker died) or it was put off with ``send_at``.
    Rows younger than the grace period are left to their own task."""
    grace = datetime.timedelta(seconds=setting("NOTIFY_SWEEP_GRACE_SECONDS", 60))
    pks = outbox_due_pks(grace=grace, limit=limit)
    enqueue(pks)
    return len(pks)


def message_retry(*, messages) -> int:
    """Give failed or dead rows another round (the admin's action)."""
    pks = list(messages.filter(status__in=[S.FAILED, S.DEAD]).values_list("pk", flat=True))
    OutboxMessage.objects.filter(pk__in=pks).update(
        status=S.PENDING, attempts=0, next_attempt_at=timezone.now()
    )
    with transaction.atomic():
        deliver_after_commit(pks)
    return len(pks)
