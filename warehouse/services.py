"""Every write of the warehouse stage (process 3): taking an order, picking
with scan-to-confirm, shortages, the quality check and packing. Each status
change goes through the core's ``orders.transitions.transition``; the lines'
picked quantities are the core's, written through ``orders.services``; the
packages, the planned shipment and the documents are shipping's, made at
packing through ``shipping``'s services."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from inventory import services as inventory_services
from inventory.models import Product
from orders import services as order_services
from orders.exceptions import InvalidTransition, TransitionForbidden
from orders.models import Order, OrderEvent, OrderLine, OrderStatus
from orders.services.review import store_findings
from orders.transitions import lock_order, transition, write_event
from shipping import documents as shipping_documents
from shipping import services as shipping_services

from .exceptions import WarehouseInvalid
from .models import PickShortage, QualityCheck


def order_start_picking(*, order: Order, user, note: str = "") -> Order:
    """Process 3.1: the warehouse takes the order."""
    return transition(order=order, user=user, name="start_picking", note=note)


@transaction.atomic
def order_record_pick(*, order: Order, user, product: Product, quantity: int = 1) -> OrderLine:
    """Process 3.1: confirm ``quantity`` units of a line as picked; refuses a
    product not on the order or a pick beyond the ordered quantity."""
    if not user.has_perm("orders.pick_order"):
        raise TransitionForbidden(_("Your role may not pick orders."), status_now=order.status)
    locked = lock_order(order)
    if locked.status != OrderStatus.PICKING:
        raise InvalidTransition(
            _("Order %(number)s is not being picked.") % {"number": locked.number},
            status_now=locked.status,
        )
    if quantity <= 0:
        raise WarehouseInvalid(
            _("Enter a quantity greater than zero."),
            fields={"quantity": [_("Enter a whole number greater than zero.")]},
        )
    line = order_services.line_to_pick(order=locked, product_id=product.pk)
    if line is None:
        on_order = locked.lines.filter(product=product).exists()
        message = (
            _("All of %(sku)s is already picked.")
            if on_order
            else _("%(sku)s is not on this order.")
        )
        raise WarehouseInvalid(
            message % {"sku": product.sku}, fields={"barcode": [message % {"sku": product.sku}]}
        )
    if line.picked_quantity + quantity > line.quantity:
        raise WarehouseInvalid(
            _("Only %(left)s more of %(sku)s to pick.")
            % {"left": line.quantity - line.picked_quantity, "sku": product.sku},
            fields={"quantity": [_("More than ordered.")]},
        )
    order_services.line_picked_add(line=line, quantity=quantity)
    write_event(
        order=locked,
        kind=OrderEvent.Kind.PICK,
        actor=user,
        data={"sku": product.sku, "quantity": quantity, "picked": line.picked_quantity},
    )
    return line


def order_finish_picking(*, order: Order, user, note: str = "") -> Order:
    """Process 3.1: only when every line is fully picked."""
    return transition(order=order, user=user, name="finish_picking", note=note)


def order_pass_qc(
    *,
    order: Order,
    user,
    quantity_ok: bool = True,
    undamaged: bool = True,
    packaging_ok: bool = True,
    notes: str = "",
    note: str = "",
) -> Order:
    """Process 3.2: the checklist (quantity right, nothing damaged, packaging
    intact) must be all yes to pass; otherwise the order fails the check."""
    unticked = {
        name: [_("Tick this to pass, or fail the check instead.")]
        for name, ok in (
            ("quantity_ok", quantity_ok),
            ("undamaged", undamaged),
            ("packaging_ok", packaging_ok),
        )
        if not ok
    }
    if unticked:
        raise WarehouseInvalid(
            _("Every check must be ticked to pass; otherwise fail the quality check."),
            fields=unticked,
        )

    def record(locked: Order) -> dict:
        QualityCheck.objects.create(
            order=locked,
            passed=True,
            quantity_ok=True,
            undamaged=True,
            packaging_ok=True,
            notes=notes,
            checked_by=user,
        )
        return {}

    return transition(order=order, user=user, name="pass_qc", note=note or notes, before=record)


def order_fail_qc(
    *,
    order: Order,
    user,
    reason: str,
    note: str = "",
    line_id: int | None = None,
    quantity_ok: bool = True,
    undamaged: bool = True,
    packaging_ok: bool = True,
    notes: str = "",
) -> Order:
    """Process 3.2: back to picking with the defect recorded (which line and
    why); the failed line, or every line, must be picked again. The failure
    is a QualityCheck row the process analytics count."""
    if not (reason or "").strip():
        raise WarehouseInvalid(
            _("Say what failed the check."), fields={"reason": [_("This field is required.")]}
        )

    def reset(locked: Order) -> dict:
        lines = locked.lines.all()
        if line_id is not None:
            lines = lines.filter(pk=line_id)
            if not lines.exists():
                raise WarehouseInvalid(
                    _("That line is not on this order."), fields={"line": [_("Unknown line.")]}
                )
        QualityCheck.objects.create(
            order=locked,
            passed=False,
            quantity_ok=quantity_ok,
            undamaged=undamaged,
            packaging_ok=packaging_ok,
            line_id=line_id,
            reason=reason,
            notes=notes,
            checked_by=user,
        )
        order_services.lines_picks_reset(
            order=locked, line_ids=None if line_id is None else [line_id]
        )
        return {"line": line_id}

    return transition(
        order=order, user=user, name="fail_qc", note=note, data={"reason": reason}, before=reset
    )


def order_report_shortage(
    *, order: Order, user, line_id: int, quantity_missing: int, reason: str, note: str = ""
) -> Order:
    """Process 3.1: a line cannot be found on the shelf. Rather than ship
    short, the order goes back to the manager's review queue: the shortage is
    recorded, picks are put back, the reservation is released, and the review
    findings (recomputed) show it, so the manager can adjust, wait or cancel."""
    errors = {}
    if not (reason or "").strip():
        errors["reason"] = [_("Say why the goods cannot be picked.")]
    if not isinstance(quantity_missing, int) or quantity_missing <= 0:
        errors["quantity_missing"] = [_("Enter a whole number greater than zero.")]
    if errors:
        raise WarehouseInvalid(_("The shortage report is incomplete."), fields=errors)

    def record(locked: Order) -> dict:
        line = locked.lines.select_related("product").filter(pk=line_id).first()
        if line is None:
            raise WarehouseInvalid(
                _("That line is not on this order."), fields={"line": [_("Unknown line.")]}
            )
        if quantity_missing > line.quantity:
            raise WarehouseInvalid(
                _("More missing than ordered."),
                fields={"quantity_missing": [_("At most %(n)s.") % {"n": line.quantity}]},
            )
        PickShortage.objects.create(
            order=locked,
            line=line,
            quantity_missing=quantity_missing,
            reason=reason.strip(),
            reported_by=user,
        )
        order_services.lines_picks_reset(order=locked)
        moves = inventory_services.stock_release_for_order(
            order=locked, user=user, reason=f"{locked.number}: pick shortage"
        )
        return {
            "sku": line.product.sku,
            "missing": quantity_missing,
            "reason": reason.strip(),
            "released": {m.stock_item.product.sku: -m.reserved_change for m in moves},
        }

    return transition(
        order=order,
        user=user,
        name="report_shortage",
        note=note,
        before=record,
        after=store_findings,
    )


def order_pack(*, order: Order, user, packages: list[dict], note: str = "") -> Order:
    """Process 3.3: record the packages (weight in kg, dimensions in cm)."""
    if not packages:
        raise WarehouseInvalid(
            _("Record at least one package."), fields={"packages": [_("This field is required.")]}
        )
    for i, p in enumerate(packages):
        weight = p.get("weight_kg")
        if weight is None or Decimal(str(weight)) <= 0:
            raise WarehouseInvalid(
                _("Each package needs a weight above zero."),
                fields={f"packages[{i}].weight_kg": [_("Enter a weight in kg above zero.")]},
            )

    def record(locked: Order) -> dict:
        # The packages are shipping's from here on: its documents, labels,
        # manifests and carrier rules read them.
        shipping_services.packages_record(order=locked, packages=packages)
        shipment = shipping_services.shipment_plan(order=locked)
        documents = shipping_documents.documents_generate(order=locked)
        return {
            "packages": len(packages),
            "proposed_carrier": shipment.carrier.code if shipment.carrier else "",
            "documents": [d.kind for d in documents],
        }

    return transition(order=order, user=user, name="pack", note=note, before=record)
