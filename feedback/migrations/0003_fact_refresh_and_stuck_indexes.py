"""Indexes for feedback.analytics (see docs/PERFORMANCE.md, stage analytics).

* ``refreshed_at``: the incremental refresh's watermark is max(refreshed_at),
  one index probe instead of a scan of every fact.
* one partial index per stage an order can be stuck in, on the column the
  stage starts at, holding only the orders in that stage now (a few
  thousand of a million): ``stuck_orders`` reads the overdue ones oldest
  first straight from it. The predicates are those of
  ``feedback.analytics.stuck._CURRENT``; change both together.

Plain SQL that SQLite and PostgreSQL both accept, kept out of the model
state on purpose: Django cannot name these partial indexes' purpose, and
``OrderFact`` belongs to the model file, not to the analytics.
"""

from django.db import migrations

FACT = "feedback_orderfact"

INDEXES = {
    "fact_refreshed_idx": ("refreshed_at", None),
    "fact_in_intake_idx": ("created_at", "submitted_at IS NULL AND cancelled_at IS NULL"),
    "fact_in_review_idx": (
        "submitted_at",
        "submitted_at IS NOT NULL AND approved_at IS NULL AND cancelled_at IS NULL",
    ),
    "fact_in_fulfilment_idx": (
        "approved_at",
        "approved_at IS NOT NULL AND packed_at IS NULL AND cancelled_at IS NULL",
    ),
    "fact_in_handover_idx": (
        "packed_at",
        "packed_at IS NOT NULL AND shipped_at IS NULL AND cancelled_at IS NULL",
    ),
    "fact_in_transit_idx": (
        "shipped_at",
        "shipped_at IS NOT NULL AND delivered_at IS NULL AND cancelled_at IS NULL",
    ),
}


def _create(name, column, where):
    sql = f"CREATE INDEX {name} ON {FACT} ({column})"
    return sql + (f" WHERE {where}" if where else "")


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0002_sync_roles"),
    ]

    operations = [
        migrations.RunSQL(_create(name, column, where), f"DROP INDEX {name}")
        for name, (column, where) in INDEXES.items()
    ]
