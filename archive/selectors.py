"""The archive's reads (documentation 5): what is due to be archived, the
archive search and the records due for their yearly review."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from aftersales.models import OPEN_CASE_STATUSES, Case, Return
from orders.models import ArchiveRecord, Order, OrderEvent, OrderLine, OrderStatus
from orders.selectors import orders_visible_to

S = OrderStatus


#: The states an order is archived from: the ends of the process.
FINAL_STATUSES = [S.COMPLETED, S.CANCELLED]


def orders_due_for_archive(*, now: datetime.datetime | None = None) -> QuerySet[Order]:
    """Completed or cancelled orders that reached that state more than
    ``ARCHIVE_RETENTION_DAYS`` ago (older than the retention period, to the
    second), oldest order first.

    When they reached it is the time of the transition event that put them
    there (the latest one into their current state); an order with no such
    event (loaded from elsewhere) counts from its last update instead.

    An order with after-sales work still open (a case not resolved, a return
    not settled) waits: archiving would freeze that work half done. A manager
    can still archive it by hand.
    """
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.ARCHIVE_RETENTION_DAYS)
    # One indexed look-up per order (order, created_at), not a join of every
    # event grouped by order.
    reached = Subquery(
        OrderEvent.objects.filter(
            order=OuterRef("pk"),
            kind=OrderEvent.Kind.TRANSITION,
            to_status=OuterRef("status"),
        )
        .order_by("-created_at", "-pk")
        .values("created_at")[:1]
    )
    return (
        Order.objects.filter(status__in=FINAL_STATUSES)
        .annotate(settled_at=Coalesce(reached, "updated_at"))
        .filter(settled_at__lt=cutoff)
        .exclude(Exists(Case.objects.filter(order=OuterRef("pk"), status__in=OPEN_CASE_STATUSES)))
        .exclude(
            Exists(
                Return.objects.filter(
                    order=OuterRef("pk"),
                    status__in=[Return.Status.REQUESTED, Return.Status.RECEIVED],
                )
            )
        )
        .order_by("pk")
    )


def archive_search(*, user, filters: dict[str, Any] | None = None) -> QuerySet[Order]:
    """Archived orders the user may see, newest order first, with what a
    result row shows fetched in the same query.

    ``filters``: ``number``, ``customer`` (name, company or phone),
    ``product`` (SKU or name of any line), ``date_from`` / ``date_to`` (the
    order's date), ``final_status`` (completed or cancelled).
    """
    filters = filters or {}
    qs = (
        orders_visible_to(user=user)
        .filter(status=S.ARCHIVED)
        .select_related("customer", "salesperson", "archive_record")
    )
    if number := (filters.get("number") or "").strip():
        qs = qs.filter(number__icontains=number)
    if customer := (filters.get("customer") or "").strip():
        qs = qs.filter(
            Q(customer__name__icontains=customer)
            | Q(customer__company__icontains=customer)
            | Q(customer__phone__icontains=customer.replace(" ", "").replace("-", ""))
        )
    if product := (filters.get("product") or "").strip():
        # EXISTS, not a join: an order with two matching lines is one result.
        lines = OrderLine.objects.filter(order=OuterRef("pk")).filter(
            Q(product__sku__icontains=product) | Q(product__name__icontains=product)
        )
        qs = qs.filter(Exists(lines))
    if date_from := filters.get("date_from"):
        qs = qs.filter(created_at__date__gte=date_from)
    if date_to := filters.get("date_to"):
        qs = qs.filter(created_at__date__lte=date_to)
    if final_status := filters.get("final_status"):
        qs = qs.filter(archive_record__final_status=final_status)
    return qs.order_by("-created_at", "-pk")


def archive_reviews_due(*, today: datetime.date | None = None) -> QuerySet[ArchiveRecord]:
    """Archived records whose review is due today or earlier, the longest
    overdue first."""
    today = today or timezone.localdate()
    return (
        ArchiveRecord.objects.filter(next_review_on__lte=today)
        .select_related("order__customer", "archived_by")
        .order_by("next_review_on", "pk")
    )
