"""Orders archived before the archive kept records get theirs, so they
appear in the archive search and the yearly review (documentation 5.2).

What each record says comes from the order's own timeline: the ``archive``
event gives when and by whom, and the state it left (completed or cancelled).
"""

import datetime

from django.conf import settings
from django.db import migrations
from django.utils import timezone


def backfill(apps, schema_editor):
    Order = apps.get_model("orders", "Order")
    OrderEvent = apps.get_model("orders", "OrderEvent")
    ArchiveRecord = apps.get_model("orders", "ArchiveRecord")
    interval = datetime.timedelta(days=settings.ARCHIVE_REVIEW_INTERVAL_DAYS)
    orphans = Order.objects.filter(status="archived", archive_record__isnull=True)
    for order in orphans.iterator():
        event = (
            OrderEvent.objects.filter(order=order, kind="transition", to_status="archived")
            .order_by("-created_at", "-pk")
            .first()
        )
        archived_at = event.created_at if event else order.updated_at
        record = ArchiveRecord.objects.create(
            order=order,
            final_status=(event.from_status if event else "") or "completed",
            archived_by_id=event.actor_id if event else None,
            next_review_on=timezone.localdate(archived_at) + interval,
        )
        # archived_at is auto_now_add: set the real time afterwards.
        ArchiveRecord.objects.filter(pk=record.pk).update(archived_at=archived_at)


class Migration(migrations.Migration):
    dependencies = [("orders", "0011_sync_roles_archive_search")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
