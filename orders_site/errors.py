"""The base of every domain exception.

Services raise these with a stable ``code``; one DRF exception handler and one
HTML path turn them into a status and a message the user can act on.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A business rule refused the operation; nothing was changed."""

    code = "domain_error"
    status = 422

    def __init__(self, message: str, *, fields: dict[str, Any] | None = None, **extra: Any):
        super().__init__(message)
        self.message = str(message)
        self.fields = fields or {}
        self.extra = extra

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "fields": self.fields, **self.extra}


class ConflictError(DomainError):
    """Someone else changed the record meanwhile; reload and try again."""

    code = "conflict"
    status = 409


class ForbiddenError(DomainError):
    """The user's role does not allow this operation."""

    code = "forbidden"
    status = 403
