"""The default carriers and rules (shipping/defaults.py), and a carrier for
shipments recorded before carriers existed, matched by name."""

from django.db import migrations


def forwards(apps, schema_editor):
    from shipping.defaults import carriers_ensure_defaults

    carriers_ensure_defaults(apps)
    Carrier = apps.get_model("shipping", "Carrier")
    Shipment = apps.get_model("shipping", "Shipment")
    for carrier in Carrier.objects.all():
        english = carrier.name.split(" ", 1)[-1]
        Shipment.objects.filter(carrier__isnull=True, carrier_name__in=[carrier.name, english]).update(
            carrier=carrier
        )


class Migration(migrations.Migration):
    dependencies = [("shipping", "0003_carriers_documents")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
