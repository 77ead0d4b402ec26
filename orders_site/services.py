"""Small pieces every app's services share (the shared kernel: it imports no app)."""

from __future__ import annotations

from django.conf import settings

from .actors import is_system
from .errors import ForbiddenError


def copy_fields(source, target) -> None:
    """Bring the caller's instance up to date with the locked, saved copy.

    Not ``refresh_from_db``: a protected FSM ``status`` refuses assignment,
    and django-fsm's refresh flips a flag on the field object every instance
    shares (a race under a threaded server). Writing the values into the
    instance's ``__dict__`` touches nothing shared."""
    if source is target:
        return
    for field in type(source)._meta.concrete_fields:
        target.__dict__[field.attname] = source.__dict__[field.attname]
    target._state.fields_cache.clear()
    getattr(target, "_prefetched_objects_cache", {}).clear()


def require_perm(
    user,
    perm: str,
    message: str,
    *,
    error: type[ForbiddenError] = ForbiddenError,
    allow_system: bool = True,
) -> None:
    """The role check a service makes before it writes. ``SYSTEM`` (a job)
    passes unless ``allow_system`` is false (no job votes or decides)."""
    if is_system(user):
        if allow_system:
            return
        raise error(message)
    if not user.has_perm(perm):
        raise error(message)


def absolute_url(path: str) -> str:
    """``path`` on the site's public address, for links in emails."""
    return settings.SITE_URL.rstrip("/") + path
