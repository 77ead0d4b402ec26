"""What delivery starts and what closes the order (process 5): the
follow-ups and survey link scheduled when the goods are signed for, and the
order completed once the follow-up window has passed with no open case."""

from __future__ import annotations

import datetime
import logging

from django.db import transaction
from django.utils.translation import gettext as _

from orders.models import Order
from orders.transitions import transition
from orders_site.actors import SYSTEM

from .. import selectors
from .common import today
from .follow_ups import follow_ups_schedule, survey_issue

log = logging.getLogger("aftersales.services")


def order_delivered(*, order: Order, user=None, delivered_on: datetime.date | None = None) -> dict:
    """The ``orders.hooks.after("confirm_delivery")`` handler, run inside the
    delivery transition: schedule the follow-ups from the day the goods were
    signed for and issue the survey link the delivered email carries
    (``order.survey_url``)."""
    if delivered_on is None:
        delivered_on = selectors.delivered_on(order=order)
    follow_ups = follow_ups_schedule(order=order, delivered_on=delivered_on)
    order.survey_url = survey_issue(order=order)
    return {"follow_ups": [f.due_on.isoformat() for f in follow_ups]}


def follow_ups_schedule_missing() -> int:
    """Delivered orders without follow-ups (delivered before after-sales was
    switched on, or through a path that skipped it) get them, dated from
    their delivery."""
    count = 0
    for order in selectors.orders_missing_follow_ups():
        on = selectors.delivered_on(order=order, latest_shipment=True) or today()
        with transaction.atomic():
            follow_ups_schedule(order=order, delivered_on=on)
        count += 1
    return count


def order_complete(*, order: Order, user, note: str = "") -> Order:
    """Process 5: the follow-up window closed (after-sales, or the daily job)."""
    return transition(order=order, user=user, name="complete", note=note)


def orders_complete_due(*, today: datetime.date | None = None) -> int:
    """Complete each order whose follow-up window has passed with no open
    case (process 5), as the system; each in its own transaction, one failure
    does not stop the rest."""
    done = 0
    for order in selectors.orders_due_for_completion(today=today):
        try:
            order_complete(
                order=order,
                user=SYSTEM,
                note=_("Follow-up window passed with no open case."),
            )
        except Exception:  # logged; the next run tries again
            log.exception("could not complete order %s", order.number)
        else:
            done += 1
    return done
