"""Process 5.2: goods the customer sends back, through the return's state
machine: requested, received at the warehouse, inspected (each line
restocked or scrapped), or cancelled before it arrives."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from inventory import services as inventory_services
from orders.models import OrderEvent, OrderLine
from orders.transitions import lock_writable, write_event
from orders_site.services import copy_fields

from ..exceptions import AfterSalesConflict, AfterSalesInvalid
from ..models import Case, Return, ReturnLine
from ..selectors import SHIPPED_STATUSES, returned_quantities
from .common import require


@dataclass(frozen=True)
class ReturnLineInput:
    order_line: OrderLine
    quantity: int


@transaction.atomic
def return_create(
    *,
    case: Case,
    user,
    reason: str,
    lines: Iterable[ReturnLineInput],
    refund_amount: Decimal | None = None,
) -> Return:
    """Goods the customer sends back, never more than was shipped across all
    the order's returns. The order row is locked so two returns entered at
    once cannot together exceed it."""
    require(user, "aftersales.add_return", _("Your role may not record returns."))
    order = lock_writable(case.order)
    lines = list(lines)
    errors: dict[str, list[str]] = {}
    if order.status not in SHIPPED_STATUSES:
        errors["order"] = [_("Only goods that were shipped can come back.")]
    if not (reason or "").strip():
        errors["reason"] = [_("This field is required.")]
    if not lines:
        errors["lines"] = [_("Add at least one line.")]
    returned = returned_quantities(order=order)
    seen = set()
    for i, item in enumerate(lines):
        line = item.order_line
        if line.order_id != order.pk:
            errors[f"lines[{i}].order_line"] = [
                _("Choose lines of order %(number)s.") % {"number": order.number}
            ]
            continue
        if line.pk in seen:
            errors[f"lines[{i}].order_line"] = [_("This line is listed twice.")]
            continue
        seen.add(line.pk)
        if not isinstance(item.quantity, int) or item.quantity <= 0:
            errors[f"lines[{i}].quantity"] = [_("Enter a whole number greater than zero.")]
            continue
        left = line.quantity - returned.get(line.pk, 0)
        if item.quantity > left:
            errors[f"lines[{i}].quantity"] = [
                _(
                    "At most %(left)d of %(sku)s can come back (%(shipped)d shipped, %(done)d already returned)."  # noqa: E501
                )
                % {
                    "left": left,
                    "sku": line.product.sku,
                    "shipped": line.quantity,
                    "done": returned.get(line.pk, 0),
                }
            ]
    refund_limit = sum(
        (i.order_line.unit_price * i.quantity for i in lines if isinstance(i.quantity, int)),
        Decimal("0"),
    )
    if refund_amount is not None and not (Decimal("0") <= refund_amount <= refund_limit):
        errors["refund_amount"] = [
            _("Refund between 0 and %(max)s (the value of the returned goods).")
            % {"max": refund_limit}
        ]
    if errors:
        raise AfterSalesInvalid(_("The return is not valid."), fields=errors)
    return_request = Return.objects.create(
        case=case,
        order=order,
        reason=reason.strip(),
        refund_amount=refund_amount,
        created_by=user,
    )
    ReturnLine.objects.bulk_create(
        ReturnLine(return_request=return_request, order_line=i.order_line, quantity=i.quantity)
        for i in lines
    )
    write_event(
        order=order,
        kind=OrderEvent.Kind.RETURN,
        actor=user,
        note=return_request.reason,
        data={
            "return": return_request.pk,
            "case": case.pk,
            "status": return_request.status,
            "lines": {i.order_line.product.sku: i.quantity for i in lines},
        },
    )
    return return_request


def _lock_return(return_request: Return, *, step: str, user) -> Return:
    """The return and its order, locked; refused unless the role handles
    returns, the order is live and the return's state machine allows
    ``step``."""
    require(user, "aftersales.change_return", _("Your role may not handle returns."))
    locked = Return.objects.select_for_update().get(pk=return_request.pk)
    locked.order = lock_writable(locked.order)
    if not can_proceed(getattr(locked, step)):
        raise AfterSalesConflict(
            _("Return %(number)s is %(status)s.")
            % {"number": locked, "status": locked.get_status_display()}
        )
    return locked


def _write_step(locked: Return, *, user, note: str = "", **data) -> None:
    write_event(
        order=locked.order,
        kind=OrderEvent.Kind.RETURN,
        actor=user,
        note=note,
        data={"return": locked.pk, "status": locked.status, **data},
    )


@transaction.atomic
def return_receive(*, return_request: Return, user, note: str = "") -> Return:
    """The goods arrived at the warehouse."""
    locked = _lock_return(return_request, step="receive", user=user)
    locked.receive()
    locked.received_at, locked.received_by = timezone.now(), user
    locked.save()
    _write_step(locked, user=user, note=note)
    copy_fields(locked, return_request)
    return locked


@transaction.atomic
def return_inspect(
    *,
    return_request: Return,
    user,
    dispositions: dict[int, str],
    notes: str = "",
    refund_amount: Decimal | None = None,
) -> Return:
    """Inspection decides each line: restock (on hand rises, a ledger row
    naming the order) or scrap. The refund, if any, is recorded."""
    locked = _lock_return(return_request, step="inspect", user=user)
    lines = list(locked.lines.select_related("order_line__product"))
    errors = {}
    for i, line in enumerate(lines):
        if dispositions.get(line.pk) not in ReturnLine.Disposition.values:
            errors[f"lines[{i}].disposition"] = [_("Choose restock or scrap.")]
    limit = sum((line.order_line.unit_price * line.quantity for line in lines), Decimal("0"))
    if refund_amount is not None and not (Decimal("0") <= refund_amount <= limit):
        errors["refund_amount"] = [
            _("Refund between 0 and %(max)s (the value of the returned goods).") % {"max": limit}
        ]
    if errors:
        raise AfterSalesInvalid(_("The inspection is not complete."), fields=errors)
    restocked = {}
    for line in lines:
        line.disposition = dispositions[line.pk]
        if line.disposition == ReturnLine.Disposition.RESTOCK:
            line.stock_movement = inventory_services.stock_return(
                product=line.order_line.product,
                quantity=line.quantity,
                user=user,
                order=locked.order,
                warehouse=locked.order.warehouse,
                reason=f"{locked.order.number} {locked}",
            )
            restocked[line.order_line.product.sku] = line.quantity
        line.save(update_fields=["disposition", "stock_movement"])
    locked.inspect()
    locked.inspection_notes = (notes or "").strip()
    locked.inspected_at, locked.inspected_by = timezone.now(), user
    if refund_amount is not None:
        locked.refund_amount = refund_amount
    locked.save()
    _write_step(
        locked,
        user=user,
        note=locked.inspection_notes,
        restocked=restocked,
        refund=str(locked.refund_amount) if locked.refund_amount is not None else None,
    )
    copy_fields(locked, return_request)
    return locked


@transaction.atomic
def return_cancel(*, return_request: Return, user, note: str = "") -> Return:
    """The customer keeps the goods after all: the quantities are free again."""
    locked = _lock_return(return_request, step="cancel", user=user)
    locked.cancel()
    locked.save(update_fields=["status"])
    _write_step(locked, user=user, note=note)
    copy_fields(locked, return_request)
    return locked
