"""Managers and logistics may view shipments and packages."""

from django.db import migrations

from orders.roles import sync_roles_migration


class Migration(migrations.Migration):
    dependencies = [("orders", "0005_sync_roles")]

    operations = [migrations.RunPython(sync_roles_migration, migrations.RunPython.noop)]
