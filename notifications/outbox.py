"""Writing one outbox row: the step every writer (email, webhook) shares."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from .models import OutboxMessage


def outbox_insert(*, dedupe_key: str, **fields) -> OutboxMessage | None:
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
