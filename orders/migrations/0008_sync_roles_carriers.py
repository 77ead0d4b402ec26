"""Roles gain the carrier, document, shortage and quality-check permissions."""

from django.db import migrations

from orders.roles import sync_roles_migration


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0007_verbose_names"),
        ("shipping", "0004_default_carriers"),
        ("inventory", "0004_pickshortage_qualitycheck"),
    ]

    operations = [migrations.RunPython(sync_roles_migration, migrations.RunPython.noop)]
