"""What the notifications app reads: outbox rows, subscriptions, who is told
and in which language."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import DUE_STATUSES, OutboxMessage, UserPreference, WebhookSubscription


def order_messages(*, order) -> QuerySet[OutboxMessage]:
    """The emails an order caused, newest first: what the customer and
    colleagues were told, and whether it went out."""
    return (
        OutboxMessage.objects.filter(order=order, channel=OutboxMessage.Channel.EMAIL)
        .only(
            "event",
            "recipient",
            "subject",
            "status",
            "sent_at",
            "created_at",
            "last_error",
            "order_id",
        )
        .order_by("-created_at", "-pk")
    )


def outbox_due_pks(*, grace: datetime.timedelta, limit: int) -> list[int]:
    """Rows that are due and were not sent, oldest due first; rows younger
    than ``grace`` that were never tried are left to their own task."""
    now = timezone.now()
    return list(
        OutboxMessage.objects.filter(status__in=DUE_STATUSES, next_attempt_at__lte=now)
        .filter(Q(attempts__gt=0) | Q(created_at__lte=now - grace))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def language_of(user) -> str:
    """The language a member of staff chose, else the site's default."""
    try:
        return user.preference.language
    except UserPreference.DoesNotExist:
        return settings.LANGUAGE_CODE


def staff_with_role(role: str) -> Iterable:
    return (
        get_user_model()
        .objects.filter(groups__name=role, is_active=True)
        .exclude(email="")
        .select_related("preference")
        .order_by("pk")
    )


def webhook_subscriptions_active() -> QuerySet[WebhookSubscription]:
    return WebhookSubscription.objects.filter(is_active=True).select_related("owner")


def webhook_subscriptions_of(*, owner) -> QuerySet[WebhookSubscription]:
    """A client's own subscriptions: each sees only these."""
    return WebhookSubscription.objects.filter(owner=owner).order_by("pk")


def webhook_subscription_deliveries(*, subscription) -> QuerySet[OutboxMessage]:
    """The rows sent (or tried) to a subscription, newest first."""
    return subscription.messages.select_related("order").order_by("-created_at", "-pk")
