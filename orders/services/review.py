"""Review (process 1.3–2.3): submit, send back, approve (stock reserved) and cancel."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from inventory import services as inventory_services
from orders_site.actors import is_system

from ..exceptions import OrderInvalid, TransitionForbidden
from ..models import RESERVED_STATUSES, Order, may_cancel
from ..selectors import order_compute_findings
from ..transitions import transition

ADJUSTMENT_REASONS = ["stock_shortage", "price_change", "delivery_date", "credit", "other"]


def store_findings(order: Order) -> dict:
    order.review_findings = order_compute_findings(order=order)
    order.findings_computed_at = timezone.now()
    return {"findings": [f["code"] for f in order.review_findings]}


def order_submit(*, order: Order, user, note: str = "") -> Order:
    """Process 1.3: sales confirms the order; review findings are computed."""
    return transition(order=order, user=user, name="submit", note=note, after=store_findings)


def order_resubmit(*, order: Order, user, note: str = "") -> Order:
    """Process 2.2: the amended order goes back to review; findings recomputed."""
    return transition(order=order, user=user, name="resubmit", note=note, after=store_findings)


def order_request_adjustment(*, order: Order, user, reason: str, note: str = "") -> Order:
    """Process 2.2: the manager sends the order back to sales with a reason."""
    if reason not in ADJUSTMENT_REASONS:
        raise OrderInvalid(
            _("Choose a reason: %(r)s.") % {"r": ", ".join(ADJUSTMENT_REASONS)},
            fields={"reason": [_("Not a valid choice.")]},
        )
    return transition(
        order=order, user=user, name="request_adjustment", note=note, data={"reason": reason}
    )


def order_approve(*, order: Order, user, note: str = "") -> Order:
    """Process 2.3: approve and reserve stock for every line, all or nothing.

    Raises ``InsufficientStock`` naming the short SKUs; then nothing is
    reserved and the order stays submitted.
    """

    def reserve(locked: Order) -> dict:
        moves = inventory_services.stock_reserve_for_order(order=locked, user=user)
        return {"reserved": {m.stock_item.product.sku: m.reserved_change for m in moves}}

    return transition(order=order, user=user, name="approve", note=note, before=reserve)


CANCEL_REASONS = ["customer_request", "stock_unavailable", "payment", "duplicate", "other"]


def order_cancel(*, order: Order, user, reason: str, note: str = "") -> Order:
    """Cancel before shipping, with a reason; any reservation is released.
    Who may is ``models.may_cancel`` (a manager once the order is approved)."""
    if not (reason or "").strip():
        raise OrderInvalid(
            _("Say why the order is cancelled."), fields={"reason": [_("This field is required.")]}
        )
    if not is_system(user) and user.has_perm("orders.cancel_order") and not may_cancel(order, user):
        # The transition refuses it too (under the row lock); this says why.
        if order.status in RESERVED_STATUSES:
            message = _(
                "Your role may not cancel order %(number)s: it is approved, its stock is "
                "reserved and the warehouse may be working on it. Ask a sales manager."
            )
        else:
            message = _(
                "Your role may not cancel order %(number)s: it came from an API client, so "
                "that system or a sales manager cancels it."
            )
        raise TransitionForbidden(message % {"number": order.number}, status_now=order.status)

    def release(locked: Order) -> dict:
        moves = inventory_services.stock_release_for_order(
            order=locked, user=user, reason=f"{locked.number}: {reason}"
        )
        return {"released": {m.stock_item.product.sku: -m.reserved_change for m in moves}}

    return transition(
        order=order, user=user, name="cancel", note=note, data={"reason": reason}, before=release
    )
