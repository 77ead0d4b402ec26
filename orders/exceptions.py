from orders_site.errors import ConflictError, DomainError, ForbiddenError


class InvalidTransition(DomainError):
    """The order is not in a state that allows this move (or a condition fails)."""

    code = "invalid_transition"
    status = 409


class TransitionForbidden(ForbiddenError):
    """The user's role may not take this transition."""


class CustomerForbidden(ForbiddenError):
    """The user's role may not add or change this customer, or these fields
    of it (credit limit and payment terms are a manager's)."""


class OrderConflict(ConflictError):
    """The order changed since the caller loaded it."""


class OrderNotEditable(DomainError):
    code = "not_editable"
    status = 409


class OrderInvalid(DomainError):
    """Input that fails a business rule, with the fields at fault."""

    code = "invalid"
    status = 400


class DuplicateExternalRef(ConflictError):
    """This client already sent an order with this reference."""

    code = "duplicate_external_ref"


class OrderArchived(DomainError):
    """Documentation 5: an archived order and everything attached to it
    (lines, shipments, documents, cases, returns) is read-only."""

    code = "archived"
    status = 409


class ArchiveForbidden(ForbiddenError):
    """The user's role may not do this in the archive."""


class ArchiveReviewNotDue(ConflictError):
    """Documentation 5.2: the record was reviewed already; its next review is
    not due yet (``next_review_on``)."""

    code = "review_not_due"
