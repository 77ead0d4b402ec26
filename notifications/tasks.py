"""Celery tasks: delivery of one outbox row, the sweeper, the review digest.

Delivery is idempotent (``services.message_deliver``), so these tasks are
acknowledged late and given back to the queue when their worker dies: the
message is delivered by the next worker, never lost.

The services never import this module: they queue rows through ``queue``,
which names ``deliver_message`` (``queue.DELIVER_TASK``) instead."""

from celery import shared_task

from . import services
from .queue import DELIVER_TASK


@shared_task(
    name=DELIVER_TASK,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=60,
    time_limit=90,
    ignore_result=True,
)
def deliver_message(pk: int) -> str:
    return services.message_deliver(pk)


@shared_task(ignore_result=True, soft_time_limit=120, time_limit=180)
def sweep_outbox() -> int:
    return services.outbox_sweep()
