"""Scheduled order jobs (``celery beat``)."""

from celery import shared_task

from . import archive, notifications


@shared_task(ignore_result=True, soft_time_limit=120, time_limit=180)
def send_review_digest() -> int:
    """Tell each sales manager which orders have waited in review too long."""
    return notifications.review_digest_send()


@shared_task(ignore_result=True, soft_time_limit=3300, time_limit=3600)
def archive_due_orders() -> dict:
    """Documentation 5: archive the orders completed or cancelled more than
    ARCHIVE_RETENTION_DAYS ago, as the system, each in its own transaction."""
    return archive.orders_archive_due().as_dict()
