from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # Registers the tasks with Celery in every process (web too): ``queue``
        # hands rows to ``deliver_message`` by its name.
        from . import tasks  # noqa: F401
