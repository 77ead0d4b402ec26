"""Give the roles the permissions added since 0002 (sync is idempotent)."""

from django.db import migrations


def sync(apps, schema_editor):
    from orders.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0004_set_line_price_permission"),
        ("integrations", "0001_initial"),
    ]

    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
