"""Every role takes part in improvement; managers see the analytics and decide."""

from django.db import migrations

from orders.roles import sync_roles_migration


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0001_initial"),
        ("orders", "0013_sync_roles_integration_cases"),
    ]

    operations = [migrations.RunPython(sync_roles_migration, migrations.RunPython.noop)]
