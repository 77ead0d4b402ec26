"""The archive's job (documentation 5): archive what is due, as the system.
It writes nothing itself: each order goes through the core's
``orders.services.order_archive``, which writes the ``ArchiveRecord``."""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.utils.translation import gettext as _

from orders import services
from orders_site.actors import SYSTEM

from .selectors import orders_due_for_archive

log = logging.getLogger(__name__)


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
