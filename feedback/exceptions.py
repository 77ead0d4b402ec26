"""The refusals of the improvement services (suggestions, meetings, stage
feedback); the pages map them to a field error (400), a 403 or a message."""

from orders_site.errors import ConflictError, DomainError, ForbiddenError


class ImprovementInvalid(DomainError):
    """Input that fails a rule, with the fields at fault."""

    code = "invalid"
    status = 400


class ImprovementForbidden(ForbiddenError):
    """The user's role (or being the author) does not allow this."""


class ImprovementConflict(ConflictError):
    """The record is not in a state that allows this (already decided, voting closed)."""

    code = "invalid_state"
