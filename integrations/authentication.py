"""``Authorization: Token <key>`` for machine clients.

Bad tokens are counted per client address (issue 11 item 5): after
``API_TOKEN_FAILURE_LIMIT`` within ``API_TOKEN_COOLOFF_MINUTES`` the address
is locked out for the cool-off, and every request from it that brings a token
gets 429 ``throttled`` with ``Retry-After``, a valid token too. Letting a valid
token through would be friendlier to a client behind the same address, but a
guesser would then still learn which guess is right (200 instead of 429), so
the lock would not stop the guessing at all. Requests without a token
(sessions, anonymous) are not affected.

The counters live in the default cache (Redis when ``REDIS_URL`` is set, so
all gunicorn workers share them); ``cache.incr`` is atomic there and in the
local-memory cache.
"""

import time

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from orders_site.lockout import client_address

from .selectors import api_token_active
from .services import api_token_used


def _failures_key(address: str | None) -> str:
    return f"api-token-failures:{address}"


def _lock_key(address: str | None) -> str:
    return f"api-token-lock:{address}"


def token_lockout_check(address: str | None) -> None:
    """Refuse every token request from a locked-out address."""
    until = cache.get(_lock_key(address))
    if until is None:
        return
    wait = until - time.time()
    if wait > 0:
        raise exceptions.Throttled(
            wait=wait, detail=gettext("Too many invalid API tokens from your address.")
        )


def token_failure_record(address: str | None) -> None:
    """Count one bad token from the address; at the limit, lock the address
    for the cool-off and start counting afresh after it. The window is fixed,
    from the first failure: ``incr`` keeps the key's expiry."""
    cooloff = settings.API_TOKEN_COOLOFF_MINUTES * 60
    key = _failures_key(address)
    cache.add(key, 0, timeout=cooloff)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.add(key, 1, timeout=cooloff)
        count = 1
    if count >= settings.API_TOKEN_FAILURE_LIMIT:
        cache.set(_lock_key(address), time.time() + cooloff, timeout=cooloff)
        cache.delete(key)


class TokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        address = client_address(request)
        token_lockout_check(address)
        try:
            return self._authenticate_token(header)
        except exceptions.AuthenticationFailed:
            token_failure_record(address)
            raise

    def _authenticate_token(self, header: list[bytes]):
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("Invalid Authorization header: use 'Token <key>'.")
            )
        try:
            key = header[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from exc
        token = api_token_active(key=key)
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        api_token_used(token=token)
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    """Describes ``Authorization: Token <key>`` in the OpenAPI schema."""

    target_class = "integrations.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <key>`; issue one with `manage.py issue_api_token --user NAME`.",
        }
