"""Integration clients may open after-sales cases on their orders and follow them."""

from django.db import migrations

from orders.roles import sync_roles_migration


class Migration(migrations.Migration):
    dependencies = [("orders", "0012_archive_records_for_archived_orders")]

    operations = [migrations.RunPython(sync_roles_migration, migrations.RunPython.noop)]
