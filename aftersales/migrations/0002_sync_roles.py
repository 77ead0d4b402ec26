"""Roles gain the after-sales and archive permissions."""

from django.db import migrations

from orders.roles import sync_roles_migration


class Migration(migrations.Migration):
    dependencies = [
        ("aftersales", "0001_initial"),
        ("orders", "0009_archive"),
        ("notifications", "0002_sync_roles"),
    ]

    operations = [migrations.RunPython(sync_roles_migration, migrations.RunPython.noop)]
