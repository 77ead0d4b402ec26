"""The transitions the manager takes from the admin: the form each asks for,
its messages, and running it order by order."""

from __future__ import annotations

from django.contrib import messages
from django.utils.translation import gettext_lazy as _

from orders_site.errors import DomainError

from .. import forms as order_forms
from .. import hooks


class AdjustmentForm(order_forms.AdjustmentForm):
    """The web UI's form, with the note required: the manager's note is what
    sales reads to know what to fix; the reason code alone is too coarse."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["note"].required = True
        self.fields["note"].help_text = _("Sales sees this note on the order.")


class CancelForm(order_forms.CancelForm):
    """A cancellation is final, so the admin asks for a note saying why."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["note"].required = True
        self.fields["note"].help_text = _("Recorded on the order's timeline.")


# The transitions a manager takes from the admin, with the form each asks for
# and its per-order messages. Which of them a user may take on an order now
# always comes from the state machine, never from this list.
ADMIN_TRANSITIONS: dict[str, dict] = {
    "approve": {
        "form": order_forms.NoteForm,
        "button": _("Approve"),
        "title": _("Approve orders"),
        "done": _("Order %(number)s approved; stock reserved."),
        "failed": _("Order %(number)s was not approved: %(message)s"),
    },
    "request_adjustment": {
        "form": AdjustmentForm,
        "button": _("Request adjustment"),
        "title": _("Send orders back to sales for adjustment"),
        "done": _("Order %(number)s sent back to sales for adjustment."),
        "failed": _("Order %(number)s was not sent back: %(message)s"),
    },
    "cancel": {
        "form": CancelForm,
        "button": _("Cancel order"),
        "title": _("Cancel orders"),
        "done": _("Order %(number)s cancelled; its reservations were released."),
        "failed": _("Order %(number)s was not cancelled: %(message)s"),
    },
    "complete": {
        "form": order_forms.NoteForm,
        "button": _("Complete"),
        "title": _("Complete orders"),
        "done": _("Order %(number)s completed."),
        "failed": _("Order %(number)s was not completed: %(message)s"),
    },
    "archive": {
        "form": order_forms.NoteForm,
        "button": _("Archive"),
        "title": _("Archive orders"),
        "done": _("Order %(number)s archived."),
        "failed": _("Order %(number)s was not archived: %(message)s"),
    },
}


def run_transition(request, orders, name: str, **kwargs) -> int:
    """Call the transition's service for each order and report each outcome.

    Each call is its own transaction, so one order that cannot move (short of
    stock, changed meanwhile, in the wrong state) leaves the others alone.
    Returns how many succeeded.
    """
    spec = ADMIN_TRANSITIONS[name]
    service = hooks.get_step(name).service
    done = 0
    for order in orders:
        try:
            service(order=order, user=request.user, **kwargs)
        except DomainError as exc:
            messages.error(
                request, spec["failed"] % {"number": order.number, "message": exc.message}
            )
        else:
            done += 1
            messages.success(request, spec["done"] % {"number": order.number})
    return done
