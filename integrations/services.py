"""Issuing and revoking API tokens."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils import timezone

from .models import ApiToken, hash_token


@transaction.atomic
def api_token_issue(*, user, name: str = "") -> tuple[ApiToken, str]:
    """Create a token for ``user``; returns the row and the key, which is
    never stored and so can be shown only now."""
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name, prefix=key[:8], key_hash=hash_token(key))
    return token, key


def api_token_revoke(*, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_tokens_revoke(*, tokens) -> int:
    """Revoke every token of the queryset ``tokens`` not yet revoked; returns
    how many were."""
    return tokens.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())


#: ``last_used_at`` is written at most this often: no write on every request.
LAST_USED_RESOLUTION_SECONDS = 60


def api_token_used(*, token: ApiToken) -> None:
    """Record that ``token`` authenticated a request."""
    now = timezone.now()
    if (
        token.last_used_at is None
        or (now - token.last_used_at).total_seconds() > LAST_USED_RESOLUTION_SECONDS
    ):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
