"""The ``NOTIFY_*`` settings, each with its default where it is read."""

from __future__ import annotations

from django.conf import settings


def setting(name: str, default):
    return getattr(settings, name, default)
