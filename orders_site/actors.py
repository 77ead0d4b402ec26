"""Who acts when nobody clicked: the system.

Scheduled jobs (archiving after the retention period, completing orders
whose follow-up window has passed) call the same services as people do, with
``user=SYSTEM``. ``SYSTEM`` is ``None``, the value the services have always
taken for "no person" (the audit event records no actor and the timeline
says "system"); the name makes a job's call read as what it is. The role
check (``orders.selectors.role_allows``) lets the system take any transition,
since only our own code can be it.

A web request can never act as the system: every request has a user (an
``AnonymousUser`` at worst), and ``WebRequestMiddleware`` marks the context
of each request so that ``is_system`` raises ``SystemActorInRequest`` if
``None`` reaches a service there anyway (a view that forgot to pass
``request.user``). That is a bug, so it fails loudly as a logged 500 rather
than quietly acting with every permission.
"""

from __future__ import annotations

from contextvars import ContextVar

SYSTEM = None

_in_web_request: ContextVar[bool] = ContextVar("in_web_request", default=False)


class SystemActorInRequest(RuntimeError):
    """A service was called with no user from inside a web request."""


def is_system(user) -> bool:
    """Whether ``user`` is the system (``SYSTEM``); refused inside a request."""
    if user is not SYSTEM:
        return False
    if _in_web_request.get():
        raise SystemActorInRequest(
            "A web request called a service without a user; pass request.user."
        )
    return True


class WebRequestMiddleware:
    """Marks everything that runs while a request is handled (views, the
    admin, the API, tasks run eagerly from ``on_commit``) as a web request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _in_web_request.set(True)
        try:
            return self.get_response(request)
        finally:
            _in_web_request.reset(token)
