"""Managers see the outbox and retry dead messages; managers and Integration
clients manage webhook subscriptions."""

from django.db import migrations

from orders.roles import sync_roles_migration


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
        ("orders", "0008_sync_roles_carriers"),
    ]

    operations = [migrations.RunPython(sync_roles_migration, migrations.RunPython.noop)]
