"""Roles gain the carrier, document, shortage and quality-check permissions."""

from django.db import migrations


def sync(apps, schema_editor):
    from orders.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0007_verbose_names"),
        ("shipping", "0004_default_carriers"),
        ("inventory", "0004_pickshortage_qualitycheck"),
    ]

    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
