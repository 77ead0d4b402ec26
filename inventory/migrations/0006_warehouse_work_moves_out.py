"""PickShortage and QualityCheck are the warehouse stage's (``warehouse``
app) from now on. Their tables stay where they are; only Django's idea of
which app owns them moves (``warehouse.0001_initial`` takes them over)."""

from django.db import migrations

from orders.roles import sync_roles_migration

MOVED = ("pickshortage", "qualitycheck")


def _move(apps, source: str, target: str) -> None:
    from django.contrib.contenttypes.models import ContentType as LiveContentType

    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        old = ContentType.objects.filter(app_label=source, model=model).first()
        if old is None:
            continue
        if ContentType.objects.filter(app_label=target, model=model).exists():
            old.delete()
        else:
            old.app_label = target
            old.save(update_fields=["app_label"])
    LiveContentType.objects.clear_cache()


def content_types_forward(apps, schema_editor) -> None:
    _move(apps, "inventory", "warehouse")
    sync_roles_migration(apps, schema_editor)


def content_types_backward(apps, schema_editor) -> None:
    _move(apps, "warehouse", "inventory")



class Migration(migrations.Migration):
    dependencies = [
        ("inventory", "0005_product_codes"),
        ("warehouse", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="qualitycheck", name="checked_by"),
                migrations.RemoveField(model_name="qualitycheck", name="line"),
                migrations.RemoveField(model_name="qualitycheck", name="order"),
                migrations.DeleteModel(name="PickShortage"),
                migrations.DeleteModel(name="QualityCheck"),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_types_forward, content_types_backward),
    ]
