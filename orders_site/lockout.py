"""Brute-force protection for the sign-in pages (issue 11 item 5).

django-axes counts failed sign-ins in its ``AccessAttempt`` table (the
database, so every gunicorn worker sees the same count, with or without
Redis) and refuses an attempt once a limit is reached. We keep two limits in
one cool-off window (``LOGIN_COOLOFF_MINUTES``):

* ``LOGIN_FAILURE_LIMIT`` failures for one username from one address: a
  person who forgot their password, or a guesser working on one account;
* ``LOGIN_FAILURE_LIMIT_PER_ADDRESS`` failures from one address over any
  usernames: a guesser trying many accounts.

Both the site login (``/accounts/login/``) and the admin login go through
``django.contrib.auth.authenticate``, so both are covered. A locked attempt
is answered with the same login page, HTTP 429, and the reason as the form's
error; the right password does not help until the cool-off has passed or an
administrator unlocks the account (``manage.py axes_reset_username NAME``, or
deleting its rows under *Axes → Access attempts* in the admin).

The client address is ``REMOTE_ADDR``. ``X-Forwarded-For`` is read only when
the request comes from an address in ``TRUSTED_PROXIES``; anyone can send
that header, so trusting it blindly would let a guesser pick a fresh address
for every try.
"""

from __future__ import annotations

import ipaddress
import math

from axes.attempts import get_cool_off_threshold
from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.template.response import SimpleTemplateResponse, TemplateResponse
from django.utils.translation import ngettext


def _ip(value: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address((value or "").strip())
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str | None:
    """The address a request comes from, for counting failures.

    ``REMOTE_ADDR`` unless it is one of ``TRUSTED_PROXIES``; then the
    ``X-Forwarded-For`` hops are read from the right (each proxy appends the
    address it received the request from), skipping trusted proxies, and the
    first address that is not one is the client. A hop that is not an address
    stops the walk: what lies left of it was written by the client.
    """
    remote = _ip(request.META.get("REMOTE_ADDR"))
    if remote is None:
        return None
    proxies = [ipaddress.ip_network(p.strip(), strict=False) for p in settings.TRUSTED_PROXIES]

    def trusted(ip) -> bool:
        return any(ip in network for network in proxies)

    client = remote
    if trusted(client):
        for hop in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
            ip = _ip(hop)
            if ip is None:
                break
            client = ip
            if not trusted(ip):
                break
    return str(client)


def _failures(attempts) -> int:
    return attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0


class LoginAttemptHandler(AxesDatabaseHandler):
    """Axes's database handler with our two limits and our reset rule."""

    def get_failures(self, request, credentials=None) -> int:
        """Axes compares the one number this returns with one limit,
        ``AXES_FAILURE_LIMIT`` (the per-account limit). The address's count
        is put on that scale, so the address locks at its own, higher limit:
        with limits of 10 and 30, 30 failures from one address count as 10.
        """
        recent = AccessAttempt.objects.filter(
            ip_address=request.axes_ip_address,
            attempt_time__gte=get_cool_off_threshold(request),
        )
        by_account = _failures(recent.filter(username=get_client_username(request, credentials)))
        by_address = _failures(recent)
        account_limit = settings.LOGIN_FAILURE_LIMIT
        address_limit = settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS
        return max(by_account, by_address * account_limit // address_limit)

    def reset_user_attempts(self, request, credentials=None) -> int:
        """A successful sign-in clears that account's failures from that
        address, and nothing else: axes would also clear every other
        username's failures from the address, so a guesser holding one valid
        account could sign in with it now and then to keep the per-address
        count from ever reaching its limit."""
        count, _ = AccessAttempt.objects.filter(
            username=get_client_username(request, credentials),
            ip_address=request.axes_ip_address,
        ).delete()
        return count


class LoginLockoutBackend(AxesStandaloneBackend):
    """Axes's check, for sign-ins that come with a request.

    ``authenticate()`` without a request (a management command, the shell,
    ``Client.login`` in tests, which Django 5.2 calls without one) has no
    client address to count and does not come from the network; axes itself
    raises ``ValueError`` there. Every sign-in over HTTP in this project passes
    the request (Django's ``LoginView`` and the admin's), so it is checked.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def cooloff_minutes() -> int:
    return math.ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60)


def lockout_message() -> str:
    minutes = cooloff_minutes()
    return ngettext(
        "Too many failed sign-ins for this account. Try again in %(minutes)d minute "
        "or ask an administrator to unlock it.",
        "Too many failed sign-ins for this account. Try again in %(minutes)d minutes "
        "or ask an administrator to unlock it.",
        minutes,
    ) % {"minutes": minutes}


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict | None = None,
) -> HttpResponse:
    """``AXES_LOCKOUT_CALLABLE``: the login page the user was on (the site's
    or the admin's), with the lockout as the form's only error, and 429.

    The view has already rendered its page with "wrong password"; we take its
    template and context, replace the form's errors, and render it again.
    """
    message = lockout_message()
    if isinstance(original_response, SimpleTemplateResponse) and "form" in (
        original_response.context_data or {}
    ):
        template = original_response.template_name
        context = dict(original_response.context_data)
    else:  # a sign-in outside a login view: show the site's login page
        template = "registration/login.html"
        username = get_client_username(request, credentials) or ""
        # bound without a password: validating it does not call authenticate()
        context = {"form": AuthenticationForm(request, data={"username": username})}
    form = context["form"]
    form.errors.clear()
    form.add_error(None, ValidationError(message, code="locked_out"))
    response = TemplateResponse(
        request, template, context, status=settings.AXES_HTTP_RESPONSE_CODE
    ).render()
    response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    return response
