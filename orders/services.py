"""Every write to orders. Each state change passes through ``_transition``:
one transaction, the order row locked, the FSM method called, the audit event
written beside it. Views, admin actions, the API and tasks all call these."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import can_proceed

from inventory import services as inventory_services
from inventory.models import Product
from orders_site.actors import is_system
from shipping import documents as shipping_documents
from shipping import services as shipping_services

from . import notifications as order_notifications
from .exceptions import (
    CustomerForbidden,
    DuplicateExternalRef,
    InvalidTransition,
    OrderArchived,
    OrderConflict,
    OrderInvalid,
    OrderNotEditable,
    TransitionForbidden,
)
from .models import (
    RESERVED_STATUSES,
    ArchiveRecord,
    Customer,
    CustomerContact,
    CustomerEvent,
    Order,
    OrderEvent,
    OrderLine,
    OrderNumberSequence,
    OrderStatus,
    may_cancel,
)
from .selectors import (
    TRANSITION_LABELS,
    customer_changeable_by,
    order_available_transitions,
    order_compute_findings,
    role_allows,
)

ADJUSTMENT_REASONS = ["stock_shortage", "price_change", "delivery_date", "credit", "other"]


@dataclass(frozen=True)
class LineInput:
    product: Product
    quantity: int
    unit_price: Decimal | None = None


# --- customers (process 1.2) -------------------------------------------


CUSTOMER_FIELDS = [
    "name",
    "company",
    "contact_person",
    "phone",
    "email",
    "province",
    "city",
    "district",
    "street",
    "postcode",
    "preferred_language",
    "credit_limit",
    "payment_terms",
]


def _customer_clean(customer: Customer) -> Customer:
    from django.core.exceptions import ValidationError

    from .validators import normalise_phone

    customer.phone = normalise_phone(customer.phone)
    try:
        customer.full_clean()
    except ValidationError as exc:
        raise OrderInvalid(
            _("The customer details are not valid."), fields=exc.message_dict
        ) from exc
    return customer


#: A manager's decision (permission ``orders.set_customer_terms``): the
#: money rules of a customer. Everyone who may add or change customers may set
#: the other fields; an API client only on customers it may change
#: (``selectors.customer_changeable_by``).
CUSTOMER_TERMS_FIELDS = ["credit_limit", "payment_terms"]


def customer_fields_for(user) -> list[str]:
    """The customer fields ``user`` may set: the form, the admin and the API
    offer these (the service checks again)."""
    if is_system(user) or user.has_perm("orders.set_customer_terms"):
        return list(CUSTOMER_FIELDS)
    return [f for f in CUSTOMER_FIELDS if f not in CUSTOMER_TERMS_FIELDS]


def _customer_value(value: Any) -> Any:
    """A field's value as the timeline stores it (JSON)."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    return str(value)


def _customer_terms_check(user, changed: Iterable[str]) -> None:
    refused = [f for f in changed if f in CUSTOMER_TERMS_FIELDS]
    if refused and not (is_system(user) or user.has_perm("orders.set_customer_terms")):
        message = _("Only a sales manager may set a customer's credit limit and payment terms.")
        raise CustomerForbidden(message, fields={f: [message] for f in refused})


def _customer_fields_check(fields: dict[str, Any]) -> None:
    unknown = [name for name in fields if name not in CUSTOMER_FIELDS]
    if unknown:
        raise OrderInvalid(
            _("Unknown field %(f)s.") % {"f": ", ".join(unknown)},
            fields={name: [_("Unknown field.")] for name in unknown},
        )


@transaction.atomic
def customer_create(*, user, **fields: Any) -> Customer:
    """A new customer; the phone must be a mainland mobile or landline. Terms
    other than the defaults (prepaid, no credit limit set) need a manager."""
    if not (is_system(user) or user.has_perm("orders.add_customer")):
        raise CustomerForbidden(_("Your role may not add customers."))
    _customer_fields_check(fields)
    defaults = Customer()
    _customer_terms_check(user, [f for f in fields if fields[f] != getattr(defaults, f)])
    customer = _customer_clean(Customer(**fields, created_by=None if is_system(user) else user))
    customer.save()
    customer.refresh_from_db()  # the values as stored (2000 -> 2000.00)
    CustomerEvent.objects.create(
        customer=customer,
        kind=CustomerEvent.Kind.CREATED,
        actor=None if is_system(user) else user,
        changes=[
            {"field": name, "from": None, "to": _customer_value(getattr(customer, name))}
            for name in CUSTOMER_FIELDS
            if getattr(customer, name) not in (None, "")
        ],
    )
    return customer


@transaction.atomic
def customer_update(*, customer: Customer, user, **fields: Any) -> Customer:
    """Change a customer's fields; the timeline records who changed which,
    from what, to what. Fields sent with their current value are no change
    (so a form that sends every field needs no more permission than its
    changes do)."""
    _customer_fields_check(fields)
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    if not (is_system(user) or customer_changeable_by(user=user, customer=locked)):
        raise CustomerForbidden(
            _("Your role may not change this customer: it is used by orders of others.")
            if user.has_perm("orders.change_customer")
            else _("Your role may not change customers.")
        )
    before = {name: getattr(locked, name) for name in CUSTOMER_FIELDS}
    for name, value in fields.items():
        setattr(locked, name, value)
    _customer_clean(locked)
    changed = [name for name in CUSTOMER_FIELDS if getattr(locked, name) != before[name]]
    _customer_terms_check(user, changed)
    if changed:
        locked.save()
        locked.refresh_from_db()  # the values as stored (2000 -> 2000.00)
        CustomerEvent.objects.create(
            customer=locked,
            kind=CustomerEvent.Kind.CHANGED,
            actor=None if is_system(user) else user,
            changes=[
                {
                    "field": name,
                    "from": _customer_value(before[name]),
                    "to": _customer_value(getattr(locked, name)),
                }
                for name in changed
            ],
        )
    return locked


# --- numbering -------------------------------------------------------------


def order_number_next(*, year: int | None = None) -> str:
    """``SO-<year>-<6 digits>``, unique under concurrency.

    The year's counter row is incremented in place by one UPDATE, which
    locks it until the transaction ends, so two intakes never read the same
    value and a rolled-back intake gives its number back; the row is created
    first if the year has none. Must run inside a transaction.
    """
    year = year or timezone.localdate().year
    value = _sequence_increment(year)
    if value is None:
        OrderNumberSequence.objects.get_or_create(year=year)
        value = _sequence_increment(year)
    return f"SO-{year}-{value:06d}"


def _sequence_increment(year: int) -> int | None:
    """One ``UPDATE ... RETURNING``: the row lock and the new value in a
    single round trip (held until the caller's transaction ends, like
    ``select_for_update``). None when the year has no row yet."""
    table = connection.ops.quote_name(OrderNumberSequence._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last_value = last_value + 1 WHERE year = %s RETURNING last_value",
            [year],
        )
        row = cursor.fetchone()
    return row[0] if row else None


# --- intake (process 1) ----------------------------------------------------


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


def _event(
    *, order: Order, kind: str, actor, note: str = "", data: dict | None = None, **extra: Any
) -> OrderEvent:
    return OrderEvent.objects.create(
        order=order,
        kind=kind,
        actor=actor if actor is not None and actor.is_authenticated else None,
        note=note,
        data=data or {},
        **extra,
    )


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
    # The year's counter stays locked until the transaction ends: take the
    # number last, so concurrent intakes queue behind as little work as possible.
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
    _event(order=order, kind=OrderEvent.Kind.CREATED, actor=created_by, to_status=order.status)
    return order


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


def order_refuse_archived(order: Order) -> None:
    """Raise ``OrderArchived`` (409, code ``archived``) if ``order`` is in the
    archive. Every write that touches an order or what hangs from it calls
    this first, with the order's row locked where state matters."""
    if order.status == OrderStatus.ARCHIVED:
        raise OrderArchived(
            _("Order %(number)s is archived and can no longer be changed.")
            % {"number": order.number}
        )


def _lock_writable(order: Order) -> Order:
    """Re-read the order with its row locked; refuse if it is archived.

    Archiving takes the same lock, so a write that gets past this check
    finishes before the order can be archived, and one that waited behind
    the archive sees the new state and is refused.
    """
    locked = Order.objects.select_for_update().get(pk=order.pk)
    order_refuse_archived(locked)
    return locked


def _lock(order: Order) -> Order:
    """Re-read the order with its row locked; refuse if it is archived or
    changed meanwhile."""
    locked = _lock_writable(order)
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
    locked = _lock(order)
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
        _event(order=locked, kind=OrderEvent.Kind.UPDATED, actor=user, data={"changes": changed})
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
    order = _lock_writable(order)
    contact = CustomerContact.objects.create(
        order=order, channel=channel, summary=summary, contacted_by=user
    )
    _event(
        order=order,
        kind=OrderEvent.Kind.CONTACT,
        actor=user,
        note=summary,
        data={"channel": channel, "contact_id": contact.pk},
    )
    return contact


# --- the one path for every transition -------------------------------------


def _transition(
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
    conflict), check the role and the state, let ``before`` do the side work
    that must happen first (reserve stock, record a shipment), flip the state,
    let ``after`` recompute what depends on the new state, save, and write the
    audit event, all in one transaction: a failure anywhere changes nothing.

    An archived order is refused with ``OrderArchived`` before anything else
    (documentation 5), whoever asks and whatever the transition. ``user`` is
    ``orders_site.actors.SYSTEM`` for a scheduled job.
    """
    with transaction.atomic():
        locked = _lock(order)
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
        if before:
            extra = before(locked) or {}
        else:
            extra = {}
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
        locked.save()
        event = _event(
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
    _copy_state(source=locked, target=order)
    return locked


def _copy_state(*, source: Order, target: Order) -> None:
    """Bring the caller's copy up to date with the saved order.

    Not ``refresh_from_db``: django-fsm's version switches the status field's
    ``protected`` flag off and on again on the field object every model
    instance shares, so under a threaded server another thread's transition
    in between fails with "Direct status modification is not allowed".
    Writing the values into the instance's ``__dict__`` touches nothing shared.
    """
    for field in Order._meta.concrete_fields:
        target.__dict__[field.attname] = source.__dict__[field.attname]
    target._state.fields_cache.clear()
    getattr(target, "_prefetched_objects_cache", {}).clear()


def _action(name: str) -> str:
    return str(TRANSITION_LABELS.get(name, name))


CONDITION_MESSAGES = {
    "submit": gettext_lazy("Add at least one line before submitting."),
    "resubmit": gettext_lazy("Add at least one line before submitting."),
    "finish_picking": gettext_lazy("Every line must be fully picked first."),
    "pack": gettext_lazy("Record at least one package first."),
    "ship": gettext_lazy("Record the carrier and tracking number first."),
}


def _store_findings(order: Order) -> dict:
    order.review_findings = order_compute_findings(order=order)
    order.findings_computed_at = timezone.now()
    return {"findings": [f["code"] for f in order.review_findings]}


def order_submit(*, order: Order, user, note: str = "") -> Order:
    """Process 1.3: sales confirms the order; review findings are computed."""
    return _transition(order=order, user=user, name="submit", note=note, after=_store_findings)


def order_resubmit(*, order: Order, user, note: str = "") -> Order:
    """Process 2.2: the amended order goes back to review; findings recomputed."""
    return _transition(order=order, user=user, name="resubmit", note=note, after=_store_findings)


def order_request_adjustment(*, order: Order, user, reason: str, note: str = "") -> Order:
    """Process 2.2: the manager sends the order back to sales with a reason."""
    if reason not in ADJUSTMENT_REASONS:
        raise OrderInvalid(
            _("Choose a reason: %(r)s.") % {"r": ", ".join(ADJUSTMENT_REASONS)},
            fields={"reason": [_("Not a valid choice.")]},
        )
    return _transition(
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

    return _transition(order=order, user=user, name="approve", note=note, before=reserve)


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

    return _transition(
        order=order, user=user, name="cancel", note=note, data={"reason": reason}, before=release
    )


def order_start_picking(*, order: Order, user, note: str = "") -> Order:
    """Process 3.1: the warehouse takes the order."""
    return _transition(order=order, user=user, name="start_picking", note=note)


@transaction.atomic
def order_record_pick(*, order: Order, user, product: Product, quantity: int = 1) -> OrderLine:
    """Process 3.1: confirm ``quantity`` units of a line as picked; refuses a
    product not on the order or a pick beyond the ordered quantity."""
    if not user.has_perm("orders.pick_order"):
        raise TransitionForbidden(_("Your role may not pick orders."), status_now=order.status)
    locked = _lock(order)
    if locked.status != OrderStatus.PICKING:
        raise InvalidTransition(
            _("Order %(number)s is not being picked.") % {"number": locked.number},
            status_now=locked.status,
        )
    if quantity <= 0:
        raise OrderInvalid(
            _("Enter a quantity greater than zero."),
            fields={"quantity": [_("Enter a whole number greater than zero.")]},
        )
    line = (
        locked.lines.select_for_update()
        .filter(product=product, picked_quantity__lt=F("quantity"))
        .order_by("pk")
        .first()
    )
    if line is None:
        on_order = locked.lines.filter(product=product).exists()
        message = (
            _("All of %(sku)s is already picked.")
            if on_order
            else _("%(sku)s is not on this order.")
        )
        raise OrderInvalid(
            message % {"sku": product.sku}, fields={"barcode": [message % {"sku": product.sku}]}
        )
    if line.picked_quantity + quantity > line.quantity:
        raise OrderInvalid(
            _("Only %(left)s more of %(sku)s to pick.")
            % {"left": line.quantity - line.picked_quantity, "sku": product.sku},
            fields={"quantity": [_("More than ordered.")]},
        )
    line.picked_quantity += quantity
    line.save(update_fields=["picked_quantity"])
    _event(
        order=locked,
        kind=OrderEvent.Kind.PICK,
        actor=user,
        data={"sku": product.sku, "quantity": quantity, "picked": line.picked_quantity},
    )
    return line


def order_finish_picking(*, order: Order, user, note: str = "") -> Order:
    """Process 3.1: only when every line is fully picked."""
    return _transition(order=order, user=user, name="finish_picking", note=note)


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
    from inventory.models import QualityCheck

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
        raise OrderInvalid(
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

    return _transition(order=order, user=user, name="pass_qc", note=note or notes, before=record)


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
    from inventory.models import QualityCheck

    if not (reason or "").strip():
        raise OrderInvalid(
            _("Say what failed the check."), fields={"reason": [_("This field is required.")]}
        )

    def reset(locked: Order) -> dict:
        lines = locked.lines.all()
        if line_id is not None:
            lines = lines.filter(pk=line_id)
            if not lines.exists():
                raise OrderInvalid(
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
        lines.update(picked_quantity=0)
        return {"line": line_id}

    return _transition(
        order=order, user=user, name="fail_qc", note=note, data={"reason": reason}, before=reset
    )


def order_report_shortage(
    *, order: Order, user, line_id: int, quantity_missing: int, reason: str, note: str = ""
) -> Order:
    """Process 3.1: a line cannot be found on the shelf. Rather than ship
    short, the order goes back to the manager's review queue: the shortage is
    recorded, picks are put back, the reservation is released, and the review
    findings (recomputed) show it, so the manager can adjust, wait or cancel."""
    from inventory.models import PickShortage

    errors = {}
    if not (reason or "").strip():
        errors["reason"] = [_("Say why the goods cannot be picked.")]
    if not isinstance(quantity_missing, int) or quantity_missing <= 0:
        errors["quantity_missing"] = [_("Enter a whole number greater than zero.")]
    if errors:
        raise OrderInvalid(_("The shortage report is incomplete."), fields=errors)

    def record(locked: Order) -> dict:
        line = locked.lines.select_related("product").filter(pk=line_id).first()
        if line is None:
            raise OrderInvalid(
                _("That line is not on this order."), fields={"line": [_("Unknown line.")]}
            )
        if quantity_missing > line.quantity:
            raise OrderInvalid(
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
        locked.lines.update(picked_quantity=0)
        moves = inventory_services.stock_release_for_order(
            order=locked, user=user, reason=f"{locked.number}: pick shortage"
        )
        return {
            "sku": line.product.sku,
            "missing": quantity_missing,
            "reason": reason.strip(),
            "released": {m.stock_item.product.sku: -m.reserved_change for m in moves},
        }

    return _transition(
        order=order,
        user=user,
        name="report_shortage",
        note=note,
        before=record,
        after=_store_findings,
    )


def order_pack(*, order: Order, user, packages: list[dict], note: str = "") -> Order:
    """Process 3.3: record the packages (weight in kg, dimensions in cm)."""
    from shipping.models import Package

    if not packages:
        raise OrderInvalid(
            _("Record at least one package."), fields={"packages": [_("This field is required.")]}
        )
    for i, p in enumerate(packages):
        weight = p.get("weight_kg")
        if weight is None or Decimal(str(weight)) <= 0:
            raise OrderInvalid(
                _("Each package needs a weight above zero."),
                fields={f"packages[{i}].weight_kg": [_("Enter a weight in kg above zero.")]},
            )

    def record(locked: Order) -> dict:
        locked.packages.all().delete()
        Package.objects.bulk_create(
            Package(
                order=locked,
                weight_kg=Decimal(str(p["weight_kg"])),
                length_cm=p.get("length_cm"),
                width_cm=p.get("width_cm"),
                height_cm=p.get("height_cm"),
            )
            for p in packages
        )
        shipment = shipping_services.shipment_plan(order=locked)
        documents = shipping_documents.documents_generate(order=locked)
        return {
            "packages": len(packages),
            "proposed_carrier": shipment.carrier.code if shipment.carrier else "",
            "documents": [d.kind for d in documents],
        }

    return _transition(order=order, user=user, name="pack", note=note, before=record)


def order_ship(
    *,
    order: Order,
    user,
    carrier,
    tracking_number: str,
    service=None,
    override_reason: str = "",
    note: str = "",
) -> Order:
    """Process 4.1–4.3: record carrier and a tracking number that matches the
    carrier's pattern (another carrier than proposed needs a reason); the
    stock leaves the books: on hand and reserved both drop, with ledger rows."""

    def record(locked: Order) -> dict:
        shipment = shipping_services.shipment_ship(
            order=locked,
            user=user,
            carrier=carrier,
            tracking_number=tracking_number,
            service=service,
            override_reason=override_reason,
        )
        inventory_services.stock_ship_for_order(order=locked, user=user)
        return {
            "carrier": shipment.carrier.code,
            "tracking_number": shipment.tracking_number,
            "override_reason": shipment.override_reason,
        }

    return _transition(order=order, user=user, name="ship", note=note, before=record)


def order_confirm_delivery(
    *, order: Order, user, signed_by: str = "", delivered_at=None, note: str = ""
) -> Order:
    """Process 4.3: when and who signed; not in the future."""
    delivered_at = delivered_at or timezone.now()
    if delivered_at > timezone.now() + datetime.timedelta(minutes=5):
        raise OrderInvalid(
            _("Delivery cannot be in the future."),
            fields={"delivered_at": [_("Enter the time the goods were signed for.")]},
        )

    def record(locked: Order) -> dict:
        shipping_services.shipment_confirm_delivery(
            order=locked, user=user, delivered_at=delivered_at, signed_by=signed_by
        )
        return {"signed_by": signed_by, "delivered_at": delivered_at.isoformat()}

    def after_sales(locked: Order) -> dict:
        # Process 5.1: follow-ups from the day of delivery, and the survey
        # link the delivered email carries.
        from aftersales.services import order_delivered

        return order_delivered(order=locked, delivered_on=timezone.localdate(delivered_at))

    return _transition(
        order=order,
        user=user,
        name="confirm_delivery",
        note=note,
        before=record,
        after=after_sales,
    )


def order_complete(*, order: Order, user, note: str = "") -> Order:
    """Process 5: the follow-up window closed."""
    return _transition(order=order, user=user, name="complete", note=note)


def order_archive(*, order: Order, user, note: str = "") -> Order:
    """Documentation 5: a completed or cancelled order goes into the archive
    and is read-only from then on. Its ``ArchiveRecord`` (the state it ended
    in, who archived it, when it is first reviewed, 5.2) is written in the
    same transaction. A manager archives by hand; the nightly job
    (``orders.archive.orders_archive_due``) as ``SYSTEM``."""
    # _lock refuses a copy whose status is stale, so the caller's status is
    # the one the order is archived from.
    final_status = order.status

    def record(locked: Order) -> dict:
        archive_record = ArchiveRecord.objects.create(
            order=locked,
            final_status=final_status,
            archived_by=user if user is not None and user.is_authenticated else None,
            next_review_on=timezone.localdate()
            + datetime.timedelta(days=settings.ARCHIVE_REVIEW_INTERVAL_DAYS),
        )
        return {
            "final_status": final_status,
            "next_review_on": archive_record.next_review_on.isoformat(),
        }

    return _transition(order=order, user=user, name="archive", note=note, after=record)


TRANSITION_SERVICES = {
    "submit": order_submit,
    "request_adjustment": order_request_adjustment,
    "resubmit": order_resubmit,
    "approve": order_approve,
    "cancel": order_cancel,
    "start_picking": order_start_picking,
    "finish_picking": order_finish_picking,
    "report_shortage": order_report_shortage,
    "pass_qc": order_pass_qc,
    "fail_qc": order_fail_qc,
    "pack": order_pack,
    "ship": order_ship,
    "confirm_delivery": order_confirm_delivery,
    "complete": order_complete,
    "archive": order_archive,
}
