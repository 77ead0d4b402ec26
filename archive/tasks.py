"""The archive's scheduled job (``celery beat``)."""

from celery import shared_task

from . import services


@shared_task(ignore_result=True, soft_time_limit=3300, time_limit=3600)
def archive_due_orders() -> dict:
    """Documentation 5: archive the orders completed or cancelled more than
    ARCHIVE_RETENTION_DAYS ago, as the system, each in its own transaction."""
    return services.orders_archive_due().as_dict()
