"""Scheduled order jobs (``celery beat``)."""

from celery import shared_task

from . import notifications


@shared_task(ignore_result=True, soft_time_limit=120, time_limit=180)
def send_review_digest() -> int:
    """Tell each sales manager which orders have waited in review too long."""
    return notifications.review_digest_send()
