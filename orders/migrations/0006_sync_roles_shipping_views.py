"""Managers and logistics may view shipments and packages."""

from django.db import migrations


def sync(apps, schema_editor):
    from orders.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [("orders", "0005_sync_roles")]

    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
