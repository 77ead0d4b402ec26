"""Settings package: ``base`` holds what every environment shares; ``local``,
``production`` and ``test`` adjust it. The Celery app is imported here so that
``@shared_task`` binds to it and ``delay_on_commit`` exists (Celery's DjangoTask)."""

from orders_site.celery import app as celery_app

__all__ = ("celery_app",)
