"""Handing outbox rows to the broker.

The writers and the delivery's retry ask for delivery here; the task that
delivers (``notifications.tasks.deliver_message``) is looked up by name in
the Celery app the project configured, so this module needs neither the
tasks module nor the project's app. ``NotificationsConfig.ready`` imports the
tasks, so the name is registered in every process."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from functools import partial

from celery import current_app
from django.db import transaction

from .conf import setting

log = logging.getLogger(__name__)

DELIVER_TASK = "notifications.tasks.deliver_message"

_broker_down_until = 0.0


def tasks_run_eagerly() -> bool:
    """Whether tasks run in the calling process (``make run``, the tests):
    then no broker holds a countdown."""
    return bool(current_app.conf.task_always_eager)


def deliver_after_commit(pks: list[int], *, countdown: float | None = None) -> None:
    """Queue the rows once the caller's transaction commits; nothing if it
    rolls back."""
    if pks:
        transaction.on_commit(partial(enqueue, pks, countdown=countdown), robust=True)


def enqueue(pks: Iterable[int], *, countdown: float | None = None) -> None:
    """Hand rows to the broker. If the broker is down the rows stay pending
    and the sweeper queues them later: a state change never fails because a
    message could not be queued. After a failure, further tries are skipped
    for a few seconds so that requests do not each wait for a dead broker."""
    global _broker_down_until

    pks = list(pks)
    if time.monotonic() < _broker_down_until:
        log.warning("broker down: %d outbox message(s) left to the sweeper", len(pks))
        return
    deliver_message = current_app.tasks[DELIVER_TASK]
    for pk in pks:
        try:
            deliver_message.apply_async((pk,), countdown=countdown, retry=False)
        except Exception as exc:  # the broker is down: the sweeper will come
            _broker_down_until = time.monotonic() + setting("NOTIFY_BROKER_PAUSE_SECONDS", 5)
            log.warning("could not queue outbox messages %s: %s", pks, exc)
            return
