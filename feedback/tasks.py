"""Scheduled analytics jobs (``celery beat``)."""

from celery import shared_task

from . import analytics


@shared_task(ignore_result=True, soft_time_limit=240, time_limit=290)
def refresh_facts() -> int:
    """Every 5 minutes: rebuild the order facts of orders with events since
    the last refresh (all of them the first time). Safe to run twice or
    concurrently: the upsert is idempotent and a second run skips while the
    first holds the lock."""
    return analytics.facts_refresh_changed()
