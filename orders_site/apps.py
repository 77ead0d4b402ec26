from django.apps import AppConfig


class SiteConfig(AppConfig):
    """The project's own rules that hold for every app (no models)."""

    name = "orders_site"
    verbose_name = "Orders site"

    def ready(self) -> None:
        from . import numbers

        numbers.install()
