"""The integrations app's exceptions (the API's own plumbing refusing a
request); each carries its stable ``code`` for the one error shape."""

from __future__ import annotations

from orders_site.errors import DomainError


class IdempotencyKeyReused(DomainError):
    code = "idempotency_key_reused"
    status = 422
