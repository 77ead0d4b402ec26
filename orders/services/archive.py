"""The archive's records (documentation 5): the ``archive`` transition, which
writes the ``ArchiveRecord`` in its transaction, and the yearly review (5.2).
What is due, the nightly job, the search and the dossier are the ``archive``
app's; they write through these."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..exceptions import ArchiveForbidden, ArchiveReviewNotDue, OrderInvalid
from ..models import ArchiveRecord, ArchiveReview, Order
from ..transitions import transition


def order_archive(*, order: Order, user, note: str = "") -> Order:
    """Documentation 5: a completed or cancelled order goes into the archive
    and is read-only from then on. Its ``ArchiveRecord`` (the state it ended
    in, who archived it, when it is first reviewed, 5.2) is written in the
    same transaction. A manager archives by hand; the nightly job
    (``orders.archive.orders_archive_due``) as ``SYSTEM``."""
    # _lock refuses a copy whose status is stale, so the caller's status is
    # the one the order is archived from.
    final_status = order.status

    def record(locked: Order) -> dict:
        archive_record = ArchiveRecord.objects.create(
            order=locked,
            final_status=final_status,
            archived_by=user if user is not None and user.is_authenticated else None,
            next_review_on=timezone.localdate()
            + datetime.timedelta(days=settings.ARCHIVE_REVIEW_INTERVAL_DAYS),
        )
        return {
            "final_status": final_status,
            "next_review_on": archive_record.next_review_on.isoformat(),
        }

    return transition(order=order, user=user, name="archive", note=note, after=record)


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
