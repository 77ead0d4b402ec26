"""After-sales scheduled jobs (``celery beat``, daily)."""

import logging

from celery import shared_task

from . import services

log = logging.getLogger(__name__)


@shared_task(ignore_result=True, soft_time_limit=600, time_limit=660)
def daily() -> dict:
    """Follow-ups for delivered orders that lack them, reminders of overdue
    ones, and completion of orders whose follow-up window has passed."""
    return {
        "scheduled": services.follow_ups_schedule_missing(),
        "reminded": services.follow_ups_remind_overdue(),
        "completed": services.orders_complete_due(),
    }
