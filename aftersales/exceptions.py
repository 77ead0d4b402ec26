from orders_site.errors import ConflictError, DomainError, ForbiddenError


class AfterSalesInvalid(DomainError):
    """Input that fails an after-sales rule, with the fields at fault."""

    code = "invalid"
    status = 400


class AfterSalesForbidden(ForbiddenError):
    """The user may not act on this follow-up or case."""


class AfterSalesConflict(ConflictError):
    """The record is not in a state that allows this (already done, closed)."""

    code = "invalid_state"


class SurveyLinkInvalid(DomainError):
    """An unknown, used or expired survey link (the customer sees the message)."""

    code = "survey_link_invalid"
    status = 410
