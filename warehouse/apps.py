from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WarehouseConfig(AppConfig):
    """Process 3: picking (scan to confirm, shortages), quality check and
    packing, on the warehouse's tablets and through the API."""

    name = "warehouse"
    verbose_name = _("Warehouse")

    def ready(self) -> None:
        from . import steps

        steps.register()
