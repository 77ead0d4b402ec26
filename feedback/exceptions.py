"""The refusals of feedback's services (suggestions, meetings, stage
feedback, stage targets); the pages map them to a field error (400), a 403
or a message."""

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


class StageTargetInvalid(DomainError):
    """A stage target that is not a number of hours, or names no stage."""

    code = "invalid"
    status = 400


class StageTargetForbidden(ForbiddenError):
    """Only a sales manager sets the stage targets."""
