"""Scheduled analytics jobs (``celery beat``)."""

from celery import shared_task

from . import analytics


# The limits allow the first build of the facts and the rollup of a large
# database (minutes at a few million orders); the usual run, the orders with
# events in the last five minutes, takes seconds.
@shared_task(ignore_result=True, soft_time_limit=1800, time_limit=1900)
def refresh_facts() -> int:
    """Every 5 minutes: rebuild the order facts of orders with events since
    the last refresh (all of them the first time), and adjust the rollup
    for them. Safe to run twice or concurrently: the upsert is idempotent
    and a second run skips while the first holds the lock."""
    return analytics.facts_refresh_changed()
