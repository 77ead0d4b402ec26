"""The Celery app. Without REDIS_URL tasks run eagerly (``make run``, ``make test``)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orders_site.settings.local")

app = Celery("orders_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
