"""After-sales gains the archive search (``orders.view_archiverecord``)."""

from django.db import migrations

from orders.roles import sync_roles_migration


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0010_event_kinds_after_sales"),
        ("aftersales", "0002_sync_roles"),
    ]

    operations = [migrations.RunPython(sync_roles_migration, migrations.RunPython.noop)]
