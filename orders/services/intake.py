"""Intake (process 1): numbering, recording and amending an order, and the
contacts sales has with the customer about it (2.2)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from inventory import services as inventory_services
from inventory.models import Product
from orders_site.actors import is_system

from ..exceptions import DuplicateExternalRef, OrderInvalid, OrderNotEditable
from ..models import Customer, CustomerContact, Order, OrderEvent, OrderLine
from ..transitions import lock_order, lock_writable, write_event
from .customers import customer_create
from .numbers import order_number_next


@dataclass(frozen=True)
class LineInput:
    product: Product
    quantity: int
    unit_price: Decimal | None = None


def _validate_lines(
    lines: Iterable[LineInput], *, user, kept_prices: dict[int, Decimal] | None = None
) -> list[LineInput]:
    """Quantities > 0, products still sold, each product on one line only,
    and a price other than the list price only from a role allowed to set one
    (``orders.set_line_price``).

    A product on two lines is refused, naming the second line, rather than
    merged: the two lines may carry different prices, and a merge would
    change what the person typed without their seeing it (issue 11)."""
    lines = list(lines)
    may_set_price = is_system(user) or user.has_perm("orders.set_line_price")
    errors: dict[str, list[str]] = {}
    if not lines:
        errors["lines"] = [_("Add at least one line.")]
    first_line: dict[int, int] = {}
    for i, line in enumerate(lines):
        if line.product.pk in first_line:
            errors[f"lines[{i}].product"] = [
                _(
                    "%(sku)s is already on line %(line)d: change that line's quantity "
                    "instead of adding it twice."
                )
                % {"sku": line.product.sku, "line": first_line[line.product.pk] + 1}
            ]
        first_line.setdefault(line.product.pk, i)
        if not isinstance(line.quantity, int) or line.quantity <= 0:
            errors[f"lines[{i}].quantity"] = [_("Enter a whole number greater than zero.")]
        if line.unit_price is not None and line.unit_price < 0:
            errors[f"lines[{i}].unit_price"] = [_("A price cannot be negative.")]
        elif (
            line.unit_price is not None
            and line.unit_price != line.product.list_price
            and line.unit_price != (kept_prices or {}).get(line.product.pk)
            and not may_set_price
        ):
            errors[f"lines[{i}].unit_price"] = [
                _("Your role may not set prices; leave the list price.")
            ]
        if not line.product.is_active:
            errors[f"lines[{i}].product"] = [
                _("%(sku)s is no longer sold.") % {"sku": line.product.sku}
            ]
    if errors:
        raise OrderInvalid(_("The order lines are not valid."), fields=errors)
    return lines


def _validate_requested_date(requested: datetime.date) -> None:
    """A requested delivery date at most ``ORDERS_DELIVERY_HORIZON_DAYS``
    ahead (365): 9999-12-31 is a typing slip, not a plan, and no stock or
    transit finding can be made for it. A date in the past or sooner than
    the earliest feasible one is a review finding, not a refusal."""
    horizon = timezone.localdate() + datetime.timedelta(days=settings.ORDERS_DELIVERY_HORIZON_DAYS)
    if requested is not None and requested > horizon:
        message = _(
            "The requested delivery date is too far ahead: choose a date up to %(date)s."
        ) % {"date": horizon.isoformat()}
        raise OrderInvalid(message, fields={"requested_delivery_date": [message]})


def _priced_lines(*, order: Order, lines: list[LineInput]) -> list[OrderLine]:
    """The unit price is captured now (list price unless one is given), the
    order's total computed from the line totals."""
    objs = []
    for line in lines:
        price = line.unit_price if line.unit_price is not None else line.product.list_price
        objs.append(
            OrderLine(
                order=order,
                product=line.product,
                quantity=line.quantity,
                unit_price=price,
                line_total=(price * line.quantity).quantize(Decimal("0.01")),
            )
        )
    order.total = sum((o.line_total for o in objs), Decimal("0.00"))
    return objs


def _write_lines(*, order: Order, lines: list[LineInput]) -> None:
    """Replace the order's lines and recompute its total."""
    order.lines.all().delete()
    OrderLine.objects.bulk_create(_priced_lines(order=order, lines=lines))


@transaction.atomic
def order_create(
    *,
    customer: Customer,
    salesperson,
    created_by,
    channel: str,
    requested_delivery_date: datetime.date,
    payment_method: str,
    lines: Iterable[LineInput],
    notes: str = "",
    external_ref: str = "",
) -> Order:
    """Record a new order in ``draft`` (process 1.1–1.2) with its number.

    ``external_ref`` is the client system's reference, unique per client: a
    second order with it raises ``DuplicateExternalRef`` naming the first.
    """
    lines = _validate_lines(lines, user=created_by)
    _validate_requested_date(requested_delivery_date)
    external_ref = (external_ref or "").strip()
    if external_ref and created_by is None:
        # The unique constraint covers (client, reference) pairs only; with a
        # client, a duplicate is refused by it at the insert below, without
        # a query on every intake.
        _refuse_duplicate_ref(created_by=created_by, external_ref=external_ref)
    warehouse = inventory_services.warehouse_default()
    order = Order(
        customer=customer,
        salesperson=salesperson,
        created_by=created_by,
        channel=channel,
        requested_delivery_date=requested_delivery_date,
        payment_method=payment_method,
        notes=notes,
        external_ref=external_ref,
        warehouse=warehouse,
    )
    line_rows = _priced_lines(order=order, lines=lines)  # sets order.total
    # A sequence on PostgreSQL: no lock held, a rollback leaves a gap
    # (services/numbers.py).
    order.number = order_number_next()
    try:
        with transaction.atomic():
            order.save()
    except IntegrityError:
        # This client already used the reference (maybe a concurrent request
        # that won the race): name that order. The rollback gives the number back.
        _refuse_duplicate_ref(created_by=created_by, external_ref=external_ref)
        raise
    for row in line_rows:
        row.order = order  # the saved order, now with its primary key
    OrderLine.objects.bulk_create(line_rows)
    _remember_lines(order, line_rows)
    write_event(order=order, kind=OrderEvent.Kind.CREATED, actor=created_by, to_status=order.status)
    return order


def _remember_lines(order: Order, rows: list[OrderLine]) -> None:
    """Give the caller's copy its lines as inserted (the insert returned
    their ids, in order), as ``prefetch_related`` would: answering the
    create with them costs no query reading them back."""
    lines = order.lines.all()
    lines._result_cache = list(rows)
    lines._prefetch_done = True
    order._prefetched_objects_cache = {"lines": lines}


def _refuse_duplicate_ref(*, created_by, external_ref: str) -> None:
    existing = (
        Order.objects.filter(created_by=created_by, external_ref=external_ref)
        .values_list("number", flat=True)
        .first()
    )
    if existing:
        raise DuplicateExternalRef(
            _("An order with external reference %(ref)s already exists: %(number)s.")
            % {"ref": external_ref, "number": existing},
            fields={"external_ref": [_("Already used by order %(n)s.") % {"n": existing}]},
            number=existing,
        )


@transaction.atomic
def order_update(
    *,
    order: Order,
    user,
    lines: Iterable[LineInput] | None = None,
    **fields: Any,
) -> Order:
    """Amend an order; only in ``draft`` or ``needs_adjustment`` (process 2.2)."""
    allowed = {
        "customer",
        "salesperson",
        "channel",
        "requested_delivery_date",
        "payment_method",
        "notes",
    }
    unknown = set(fields) - allowed
    if unknown:
        raise OrderInvalid(
            _("These fields cannot be changed: %(f)s") % {"f": ", ".join(sorted(unknown))},
            fields={f: [_("This field cannot be changed.")] for f in unknown},
        )
    locked = lock_order(order)
    if not locked.is_editable:
        raise OrderNotEditable(
            _("Order %(number)s is %(status)s and can no longer be edited.")
            % {"number": locked.number, "status": locked.get_status_display()},
            status_now=locked.status,
        )
    if "requested_delivery_date" in fields:
        if fields["requested_delivery_date"] != locked.requested_delivery_date:
            _validate_requested_date(fields["requested_delivery_date"])
    changed = {}
    for name, value in fields.items():
        old = getattr(locked, name)
        if old != value:
            changed[name] = [str(old), str(value)]
            setattr(locked, name, value)
    if lines is not None:
        # A line sent without a price keeps the price its product has on the
        # order (a discount agreed with the manager survives an amendment
        # from a client that cannot set prices); a new product takes the
        # list price.
        kept = {ln.product_id: ln.unit_price for ln in locked.lines.all()}
        lines = [
            LineInput(product=ln.product, quantity=ln.quantity, unit_price=kept[ln.product.pk])
            if ln.unit_price is None and ln.product.pk in kept
            else ln
            for ln in lines
        ]
        lines = _validate_lines(lines, user=user, kept_prices=kept)
        before = [(ln.product.sku, ln.quantity, str(ln.unit_price)) for ln in locked.lines.all()]
        _write_lines(order=locked, lines=lines)
        after = [(ln.product.sku, ln.quantity, str(ln.unit_price)) for ln in locked.lines.all()]
        if before != after:
            changed["lines"] = [before, after]
    locked.save()
    if changed:
        write_event(
            order=locked, kind=OrderEvent.Kind.UPDATED, actor=user, data={"changes": changed}
        )
    return locked


@transaction.atomic
def order_record_contact(*, order: Order, user, channel: str, summary: str) -> CustomerContact:
    """Process 2.2: what sales told the customer and what they agreed."""
    if not summary.strip():
        raise OrderInvalid(
            _("Write what was discussed."), fields={"summary": [_("This field is required.")]}
        )
    if channel not in CustomerContact.Channel.values:
        raise OrderInvalid(_("Choose a channel."), fields={"channel": [_("Not a valid choice.")]})
    # A contact may be recorded whatever the order's state, so a copy whose
    # status is stale is no conflict here; an archived order is.
    order = lock_writable(order)
    contact = CustomerContact.objects.create(
        order=order, channel=channel, summary=summary, contacted_by=user
    )
    write_event(
        order=order,
        kind=OrderEvent.Kind.CONTACT,
        actor=user,
        note=summary,
        data={"channel": channel, "contact_id": contact.pk},
    )
    return contact


def order_intake(
    *,
    user,
    lines: Iterable[LineInput],
    customer: Customer | None = None,
    customer_fields: dict[str, Any] | None = None,
    order: Order | None = None,
    salesperson=None,
    **fields: Any,
) -> Order:
    """The intake's one write (process 1.1–1.2, 2.2), for the form and the
    API: record ``order`` anew (``order`` None) or amend it, for ``customer``
    or for a new customer made of ``customer_fields``. A customer entered at
    intake is kept only together with the order that needed it (one
    transaction around both)."""

    def record(customer: Customer) -> Order:
        if order is None:
            return order_create(
                customer=customer,
                salesperson=salesperson or user,
                created_by=user,
                lines=lines,
                **fields,
            )
        return order_update(order=order, user=user, customer=customer, lines=lines, **fields)

    if customer is not None:
        return record(customer)
    with transaction.atomic():
        return record(customer_create(user=user, **(customer_fields or {})))
