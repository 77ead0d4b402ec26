"""After-sales reads."""

from __future__ import annotations

import datetime

from django.db.models import QuerySet
from django.utils import timezone

from .models import FollowUp


def follow_ups_for(*, user, scope: str = "due", everyone: bool = False) -> QuerySet[FollowUp]:
    """A person's follow-ups (or everyone's, for after-sales staff):
    ``due`` = due today or overdue, ``upcoming`` = later, ``done``."""
    today = timezone.localdate()
    qs = FollowUp.objects.select_related("order", "order__customer", "owner")
    if not everyone:
        qs = qs.filter(owner=user)
    if scope == "done":
        return qs.filter(status=FollowUp.Status.DONE).order_by("-done_at", "-pk")
    qs = qs.filter(status=FollowUp.Status.OPEN).exclude(order__status="archived")
    if scope == "upcoming":
        return qs.filter(due_on__gt=today).order_by("due_on", "pk")
    return qs.filter(due_on__lte=today).order_by("due_on", "pk")


def days_overdue(follow_up: FollowUp, today: datetime.date | None = None) -> int:
    return ((today or timezone.localdate()) - follow_up.due_on).days
