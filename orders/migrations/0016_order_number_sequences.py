"""Order numbers come from a PostgreSQL sequence per year
(``orders_number_<year>``) from now on, not from the locked counter row:
intakes no longer queue behind one another, and a rolled-back create leaves
a gap. Each year that has orders or a counter row gets its sequence,
starting after the highest number already given. SQLite keeps the counter
row (one writer at a time there anyway)."""

from django.db import migrations


def create_sequences(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    Order = apps.get_model("orders", "Order")
    Counter = apps.get_model("orders", "OrderNumberSequence")
    last = {row.year: row.last_value for row in Counter.objects.all()}
    with connection.cursor() as cursor:
        # The highest number given per year, in one pass over the orders.
        cursor.execute(
            "SELECT split_part(number, '-', 2)::int, max(split_part(number, '-', 3)::bigint) "
            f"FROM {connection.ops.quote_name(Order._meta.db_table)} "
            "WHERE number ~ '^SO-[0-9]{4}-[0-9]+$' GROUP BY 1"
        )
        for year, value in cursor.fetchall():
            last[year] = max(last.get(year, 0), value)
        for year, value in sorted(last.items()):
            name = connection.ops.quote_name(f"orders_number_{year}")
            cursor.execute(
                f"CREATE SEQUENCE IF NOT EXISTS {name} AS bigint MINVALUE 1 START WITH %s",
                [value + 1],
            )


def drop_sequences(apps, schema_editor):
    """Back to the counter rows: each year's row continues after its sequence."""
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    Counter = apps.get_model("orders", "OrderNumberSequence")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sequencename, last_value FROM pg_sequences "
            "WHERE schemaname = current_schema() AND sequencename LIKE 'orders_number_%%'"
        )
        for name, value in cursor.fetchall():
            year = int(name.rsplit("_", 1)[1])
            Counter.objects.update_or_create(year=year, defaults={"last_value": value or 0})
            cursor.execute(f"DROP SEQUENCE {connection.ops.quote_name(name)}")


class Migration(migrations.Migration):
    dependencies = [("orders", "0015_cancel_approved_order_permission")]

    operations = [migrations.RunPython(create_sequences, drop_sequences)]
