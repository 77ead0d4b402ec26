"""The one path every status change of an order takes.

``transition`` locks the order, checks the role and the state, runs the
stage's work, flips the state, lets the stages registered in
``orders.hooks`` react, writes the audit event and the outbox rows, all in
one transaction: a failure anywhere changes nothing. The stages call it from
their own services (``warehouse.services.order_pass_qc`` …); a step that
changes no state (a pick, a customer contact) locks the order with
``lock_order`` and writes its event with ``write_event``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import can_proceed

from orders_site.services import copy_fields

from . import hooks
from . import notifications as order_notifications
from .exceptions import InvalidTransition, OrderArchived, OrderConflict, TransitionForbidden
from .models import Order, OrderEvent, OrderStatus
from .selectors import TRANSITION_LABELS, order_available_transitions, role_allows

#: What a transition's unmet condition means, in words (``Order``'s conditions).
CONDITION_MESSAGES = {
    "submit": gettext_lazy("Add at least one line before submitting."),
    "resubmit": gettext_lazy("Add at least one line before submitting."),
    "finish_picking": gettext_lazy("Every line must be fully picked first."),
    "pack": gettext_lazy("Record at least one package first."),
    "ship": gettext_lazy("Record the carrier and tracking number first."),
}


def write_event(
    *, order: Order, kind: str, actor, note: str = "", data: dict | None = None, **extra: Any
) -> OrderEvent:
    """One entry on the order's timeline (the audit trail)."""
    return OrderEvent.objects.create(
        order=order,
        kind=kind,
        actor=actor if actor is not None and actor.is_authenticated else None,
        note=note,
        data=data or {},
        **extra,
    )


def refuse_archived(order: Order) -> None:
    """Raise ``OrderArchived`` (409, code ``archived``) if ``order`` is in the
    archive. Every write that touches an order or what hangs from it calls
    this first, with the order's row locked where state matters."""
    if order.status == OrderStatus.ARCHIVED:
        raise OrderArchived(
            _("Order %(number)s is archived and can no longer be changed.")
            % {"number": order.number}
        )


def lock_writable(order: Order) -> Order:
    """Re-read the order with its row locked; refuse if it is archived.

    Archiving takes the same lock, so a write that gets past this check
    finishes before the order can be archived, and one that waited behind
    the archive sees the new state and is refused.
    """
    locked = Order.objects.select_for_update().get(pk=order.pk)
    refuse_archived(locked)
    return locked


def lock_order(order: Order) -> Order:
    """Re-read the order with its row locked; refuse if it is archived or
    changed meanwhile."""
    locked = lock_writable(order)
    if locked.status != order.status:
        raise OrderConflict(
            _(
                "Order %(number)s was changed by someone else meanwhile "
                "(now %(status)s). Reload it and try again."
            )
            % {"number": locked.number, "status": locked.get_status_display()},
            status_now=locked.status,
        )
    return locked


def transition(
    *,
    order: Order,
    user,
    name: str,
    note: str = "",
    data: dict | None = None,
    before: Callable[[Order], dict | None] | None = None,
    after: Callable[[Order], dict | None] | None = None,
) -> Order:
    """Run transition ``name`` on ``order`` for ``user``.

    Lock the row (a second worker waits, then sees the new status and gets a
    conflict), check the role and the state, let ``before`` do the stage's
    work that must happen first (reserve stock, record a shipment), check the
    transition's conditions, flip the state, let ``after`` recompute what
    depends on the new state, run the ``orders.hooks.after`` handlers of the
    stages, save, and write the audit event and the outbox rows, all in one
    transaction. What ``before``, ``after`` and the handlers return is added
    to the event's data.

    An archived order is refused with ``OrderArchived`` before anything else
    (documentation 5), whoever asks and whatever the transition. ``user`` is
    ``orders_site.actors.SYSTEM`` for a scheduled job.
    """
    with transaction.atomic():
        locked = lock_order(order)
        method = getattr(locked, name)
        if not role_allows(order=locked, user=user, transition=name):
            raise TransitionForbidden(
                _("Your role may not %(action)s orders.") % {"action": _action(name)},
                status_now=locked.status,
            )
        if not can_proceed(method, check_conditions=False):
            raise InvalidTransition(
                _("Order %(number)s cannot %(action)s while %(status)s.")
                % {
                    "number": locked.number,
                    "action": _action(name),
                    "status": locked.get_status_display(),
                },
                status_now=locked.status,
                allowed_transitions=order_available_transitions(order=locked, user=user),
            )
        extra = (before(locked) or {}) if before else {}
        if not can_proceed(method):
            raise InvalidTransition(
                CONDITION_MESSAGES.get(name, _("A condition of this step is not met.")),
                status_now=locked.status,
                allowed_transitions=order_available_transitions(order=locked, user=user),
            )
        data = {**(data or {}), **extra}
        from_status = locked.status
        method()
        if after:
            data.update(after(locked) or {})
        data.update(hooks.run_after(name, order=locked, user=user))
        locked.save()
        event = write_event(
            order=locked,
            kind=OrderEvent.Kind.TRANSITION,
            actor=user,
            note=note,
            data=data,
            transition=name,
            from_status=from_status,
            to_status=locked.status,
        )
        order_notifications.order_changed(order=locked, event=event)
    copy_fields(locked, order)
    return locked


def _action(name: str) -> str:
    return str(TRANSITION_LABELS.get(name, name))
