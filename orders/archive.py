"""The archive (documentation 5): what is due to be archived, the nightly job
that archives it, the archive search, and the yearly review (5.2).

Its reads and writes live together here because they are one topic with one
set of rules (retention, review interval); the transition itself is
``orders.services.order_archive``, which writes the ``ArchiveRecord``.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from orders_site.actors import SYSTEM

from . import services
from .exceptions import ArchiveForbidden, ArchiveReviewNotDue, OrderInvalid
from .models import ArchiveRecord, ArchiveReview, Order, OrderEvent, OrderLine, OrderStatus
from .selectors import orders_visible_to

log = logging.getLogger(__name__)

S = OrderStatus
#: The states an order is archived from: the ends of the process.
FINAL_STATUSES = [S.COMPLETED, S.CANCELLED]


# --- archiving after the retention period (the nightly job) ------------------------


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
    from aftersales.models import OPEN_CASE_STATUSES, Case, Return

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


@dataclass
class ArchiveRun:
    archived: int = 0
    failed: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"archived": self.archived, "failed": self.failed}


def orders_archive_due(
    *, now: datetime.datetime | None = None, batch_size: int | None = None
) -> ArchiveRun:
    """Archive every order due (``orders_due_for_archive``) as the system.

    Batches of ``ARCHIVE_BATCH_SIZE`` ids, taken in primary-key order after
    the last one seen, so a long backlog neither sits in memory nor makes the
    job re-read orders it has already tried. Each order is archived by
    ``order_archive`` in its own transaction; one that fails (changed
    meanwhile, archived by a manager a moment ago, a database error) is logged
    and the job goes on with the next. Safe to run twice: an archived order is
    no longer due.
    """
    batch_size = batch_size or settings.ARCHIVE_BATCH_SIZE
    due = orders_due_for_archive(now=now)
    run = ArchiveRun()
    last_pk = 0
    while True:
        batch = list(due.filter(pk__gt=last_pk)[:batch_size])
        if not batch:
            return run
        for order in batch:
            try:
                services.order_archive(
                    order=order,
                    user=SYSTEM,
                    note=_("Archived %(days)s days after the order was completed or cancelled.")
                    % {"days": settings.ARCHIVE_RETENTION_DAYS},
                )
            except SoftTimeLimitExceeded:
                raise  # the job's time is up; the next run goes on from here
            except Exception:  # logged; the next run tries again
                log.exception("could not archive order %s", order.number)
                run.failed += 1
            else:
                run.archived += 1
        last_pk = batch[-1].pk


# --- the archive search ------------------------------------------------------------------


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


# --- the yearly review (documentation 5.2) ------------------------------------------


def archive_reviews_due(*, today: datetime.date | None = None) -> QuerySet[ArchiveRecord]:
    """Archived records whose review is due today or earlier, the longest
    overdue first."""
    today = today or timezone.localdate()
    return (
        ArchiveRecord.objects.filter(next_review_on__lte=today)
        .select_related("order__customer", "archived_by")
        .order_by("next_review_on", "pk")
    )


def _next_review_on(due_on: datetime.date, today: datetime.date) -> datetime.date:
    """The interval counts from the review that was due, so a record keeps its
    yearly date; a review done so late that the next one would already be
    due counts from today instead."""
    interval = datetime.timedelta(days=settings.ARCHIVE_REVIEW_INTERVAL_DAYS)
    following = due_on + interval
    return following if following > today else today + interval


@transaction.atomic
def archive_review_record(*, record: ArchiveRecord, user, note: str) -> ArchiveReview:
    """Documentation 5.2: a reviewer checked an archived record and says what
    they found (the note is required). The review is a row; the record's
    ``last_reviewed_at`` is now and its ``next_review_on`` moves on by
    ``ARCHIVE_REVIEW_INTERVAL_DAYS``.

    Only a record that is due may be reviewed: a second submit of the same
    review (a double click, a reload) finds it no longer due and is refused,
    rather than moving the date on twice.
    """
    if not user.has_perm("orders.review_archive"):
        raise ArchiveForbidden(_("Your role may not review archived records."))
    note = (note or "").strip()
    if not note:
        raise OrderInvalid(
            _("Write what the review found."), fields={"note": [_("This field is required.")]}
        )
    locked = ArchiveRecord.objects.select_for_update().select_related("order").get(pk=record.pk)
    today = timezone.localdate()
    if locked.next_review_on > today:
        raise ArchiveReviewNotDue(
            _("The archived order %(number)s is not due for review until %(date)s.")
            % {"number": locked.order.number, "date": locked.next_review_on.isoformat()},
            next_review_on=locked.next_review_on.isoformat(),
        )
    review = ArchiveReview.objects.create(record=locked, reviewer=user, note=note)
    locked.last_reviewed_at = review.reviewed_at
    locked.next_review_on = _next_review_on(locked.next_review_on, today)
    locked.save(update_fields=["last_reviewed_at", "next_review_on"])
    record.last_reviewed_at, record.next_review_on = locked.last_reviewed_at, locked.next_review_on
    return review
