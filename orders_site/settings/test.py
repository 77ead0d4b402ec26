"""Test settings: fast hashing, in-memory email; the database and Redis come
from DATABASE_URL / REDIS_URL when set (CI), SQLite and eager tasks otherwise."""

from .base import *  # noqa: F403
from .base import env

SECRET_KEY = env("SECRET_KEY", default="test-key-not-secret")
DEBUG = False
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# In memory, unless a test starts a worker process with a real SMTP server
# on loopback (EMAIL_URL).
if not env("EMAIL_URL", default=""):
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LANGUAGE_CODE = "en"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Tasks run in-process in tests; the Redis-marked tests start their own Redis,
# SMTP server and worker processes (tests/notifications/test_real_delivery.py),
# which run with CELERY_TASK_ALWAYS_EAGER=false.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
# The webhook receivers the tests start listen on loopback, which production
# refuses (notifications/urlguard.py); tests of the refusal empty this list.
NOTIFY_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1", "localhost", "::1"]

# Serve static files from the app folders without collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
