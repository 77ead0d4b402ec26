"""Give the roles the permissions added since 0002 (sync is idempotent)."""

from django.db import migrations

from orders.roles import sync_roles_migration


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0004_set_line_price_permission"),
        ("integrations", "0001_initial"),
    ]

    operations = [migrations.RunPython(sync_roles_migration, migrations.RunPython.noop)]
