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

The work is done by one module per job, and every name callers use is
importable from here:

* ``emails``: rendering and queueing emails, sending one;
* ``webhooks``: queueing signed webhook bodies, POSTing one;
* ``delivery``: delivering one row, the sweeper, the admin's retry;
* ``queue``: handing rows to the broker after commit;
* ``selectors``: the reads (who is told, in which language).

This module itself writes preferences and webhook subscriptions.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from .delivery import message_deliver, message_retry, outbox_sweep, retry_delay
from .emails import email_enqueue, email_render
from .exceptions import AddressRefused, DeliveryError, Undeliverable
from .models import UserPreference, WebhookSubscription, _new_secret
from .selectors import language_of, staff_with_role
from .webhooks import webhook_publish, webhook_signature

__all__ = [
    "AddressRefused",
    "DeliveryError",
    "Undeliverable",
    "email_enqueue",
    "email_render",
    "language_of",
    "message_deliver",
    "message_retry",
    "outbox_sweep",
    "preference_save",
    "retry_delay",
    "staff_with_role",
    "webhook_publish",
    "webhook_signature",
    "webhook_subscription_create",
    "webhook_subscription_delete",
    "webhook_subscription_rotate_secret",
    "webhook_subscription_update",
]


def preference_save(*, user, language: str) -> None:
    if language in dict(settings.LANGUAGES):
        UserPreference.objects.update_or_create(user=user, defaults={"language": language})


# --- webhook subscriptions ----------------------------------------------------
#
# The URL (``urlguard``) and the events are checked by the API serializer and
# the admin form before these are called; the URL again at every delivery.

#: What a subscription's owner (or the admin) may change.
_SUBSCRIPTION_FIELDS = {"name", "url", "events", "is_active", "owner"}


@transaction.atomic
def webhook_subscription_create(
    *, owner, name: str, url: str, events: list[str], is_active: bool = True
) -> WebhookSubscription:
    """A new subscription, with a new signing secret."""
    return WebhookSubscription.objects.create(
        owner=owner, name=name, url=url, events=events, is_active=is_active
    )


@transaction.atomic
def webhook_subscription_update(
    *, subscription: WebhookSubscription, **changes
) -> WebhookSubscription:
    unknown = set(changes) - _SUBSCRIPTION_FIELDS
    if unknown:
        raise TypeError(f"not a subscription field one may change: {', '.join(sorted(unknown))}")
    for name, value in changes.items():
        setattr(subscription, name, value)
    subscription.save()
    return subscription


@transaction.atomic
def webhook_subscription_rotate_secret(*, subscription: WebhookSubscription) -> WebhookSubscription:
    """A new signing secret; the old one stops working at once."""
    subscription.secret = _new_secret()
    subscription.save(update_fields=["secret"])
    return subscription


@transaction.atomic
def webhook_subscription_delete(*, subscription: WebhookSubscription) -> None:
    """Remove the subscription; its sent rows stay, without it."""
    subscription.delete()
