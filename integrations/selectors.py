"""What the integrations app reads."""

from __future__ import annotations

from .models import ApiToken, hash_token


def api_token_active(*, key: str) -> ApiToken | None:
    """The unrevoked token whose key is ``key``, with its user; None if none."""
    return (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_token(key), revoked_at__isnull=True)
        .first()
    )
