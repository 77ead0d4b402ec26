"""Every write to stock. Stock rows are locked only here, always in primary-key
order, and quantities change with ``F()`` expressions; the CHECK constraint on
``StockItem`` is the last line of defence against overselling."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Protocol

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .exceptions import InsufficientStock, ProductCodeInvalid, ProductCodeTaken, StockRuleError
from .models import Product, ProductCode, StockItem, StockMovement, Warehouse
from .selectors import code_uses
from .warehouses import warehouse_default

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


class Order(Protocol):
    """What stock needs of an order (``orders.models.Order``, which sits above
    this app and is never imported here): its number for the ledger's
    reasons, its warehouse and its lines (product, quantity). Ledger rows
    point at it by key."""

    pk: Any
    number: str
    warehouse: Warehouse
    lines: Any


# --- product codes: what a scan may name -------------------------------------

# Lazy: read in the language of whoever is refused, not the one at import.
CODE_USE_MESSAGES = {
    "barcode": gettext_lazy("'%(code)s' is already the barcode of %(product)s."),
    "sku": gettext_lazy("'%(code)s' is already the SKU of %(product)s."),
    "code": gettext_lazy("'%(code)s' is already an alternative code of %(product)s."),
}


def product_code_ensure_free(
    *,
    code: str,
    product: Product | None,
    as_kind: str,
    field: str,
    code_id: int | None = None,
) -> None:
    """Refuse a code that would make a scan ambiguous (process 3.1).

    A scan looks for a code among all barcodes, SKUs and alternative codes
    at once, ignoring case, so no code may name two products. ``as_kind``
    says what the code is about to become for ``product`` (None: a product
    not saved yet): its ``barcode``, its ``sku``, or an alternative
    ``code`` (``code_id``: the row being edited). A product's barcode may
    equal its own SKU or alternative code, since a scan still finds the
    right product; a new alternative code may not repeat anything, as it
    adds nothing but a second row to keep in step. The error names the
    product that has the code, so the user knows where to look.
    """
    for use in code_uses(code=code):
        same_product = product is not None and use.product.pk == product.pk
        if use.kind == "code" and code_id is not None and use.code_id == code_id:
            continue  # the row being edited
        if same_product and as_kind != "code":
            continue
        message = CODE_USE_MESSAGES[use.kind] % {"code": code.strip(), "product": use.product}
        raise ProductCodeTaken(message, fields={field: [message]})


@transaction.atomic
def product_code_add(
    *, product: Product, code: str, kind: str = ProductCode.Kind.OTHER, note: str = ""
) -> ProductCode:
    """Give ``product`` another code a scan finds it by (a supplier's EAN,
    an internal label). Refused if any product already answers to it."""
    code = (code or "").strip()
    if not code:
        raise ProductCodeInvalid(
            _("Enter the code."), fields={"code": [_("This field is required.")]}
        )
    product_code_ensure_free(code=code, product=product, as_kind="code", field="code")
    try:
        with transaction.atomic():
            return ProductCode.objects.create(product=product, code=code, kind=kind, note=note)
    except IntegrityError as exc:  # added meanwhile in another session: the unique constraint
        message = _("'%(code)s' is already in use: it was added meanwhile.") % {"code": code}
        raise ProductCodeTaken(message, fields={"code": [message]}) from exc


def _lock_stock_items(*, product_ids: Iterable[int], warehouse: Warehouse) -> dict[int, StockItem]:
    """Lock the stock rows of these products, creating missing ones first.

    Lock order: always ascending primary key. Two approvals whose lines name
    the same SKUs in opposite order then queue behind each other instead of
    each holding one row and waiting for the other (a deadlock).
    """
    product_ids = sorted(set(product_ids))
    existing = set(
        StockItem.objects.filter(warehouse=warehouse, product_id__in=product_ids).values_list(
            "product_id", flat=True
        )
    )
    for product_id in product_ids:
        if product_id not in existing:
            # A concurrent creator may win the race; the unique constraint
            # tells us, and its row is then the one we lock below.
            try:
                with transaction.atomic():
                    StockItem.objects.create(product_id=product_id, warehouse=warehouse)
            except IntegrityError:
                pass
    items = (
        StockItem.objects.select_for_update()
        .filter(warehouse=warehouse, product_id__in=product_ids)
        .select_related("product")
        .order_by("pk")
    )
    return {item.product_id: item for item in items}


def _apply(
    *,
    item: StockItem,
    kind: str,
    on_hand_change: int = 0,
    reserved_change: int = 0,
    user: AbstractBaseUser | None,
    reason: str = "",
    order: Order | None = None,
) -> StockMovement:
    """Change one locked stock row with F() and write its ledger row."""
    try:
        with transaction.atomic():
            StockItem.objects.filter(pk=item.pk).update(
                on_hand=F("on_hand") + on_hand_change, reserved=F("reserved") + reserved_change
            )
    except IntegrityError as exc:  # the CHECK constraint: 0 <= reserved <= on hand
        raise StockRuleError(
            _("Stock of %(sku)s cannot go below what is reserved or below zero.")
            % {"sku": item.product.sku},
            fields={"quantity": [_("Would leave less on hand than is reserved.")]},
        ) from exc
    item.refresh_from_db(fields=["on_hand", "reserved"])
    return StockMovement.objects.create(
        stock_item=item,
        kind=kind,
        on_hand_change=on_hand_change,
        reserved_change=reserved_change,
        on_hand_after=item.on_hand,
        reserved_after=item.reserved,
        reason=reason[:255],
        order=order,
        created_by=user if user is not None and user.is_authenticated else None,
    )


@transaction.atomic
def stock_receive(
    *,
    product: Product,
    quantity: int,
    user: AbstractBaseUser | None,
    warehouse: Warehouse | None = None,
    reason: str = "",
) -> StockMovement:
    """Goods arrive: on hand rises by ``quantity`` (> 0)."""
    if quantity <= 0:
        raise StockRuleError(
            _("A receipt must be a positive quantity."),
            fields={"quantity": [_("Enter a quantity greater than zero.")]},
        )
    warehouse = warehouse or warehouse_default()
    item = _lock_stock_items(product_ids=[product.pk], warehouse=warehouse)[product.pk]
    return _apply(
        item=item,
        kind=StockMovement.Kind.RECEIPT,
        on_hand_change=quantity,
        user=user,
        reason=reason,
    )


@transaction.atomic
def stock_adjust(
    *,
    product: Product,
    quantity: int,
    reason: str,
    user: AbstractBaseUser | None,
    warehouse: Warehouse | None = None,
) -> StockMovement:
    """A stock count correction by a signed ``quantity``, with its reason.

    On hand may not drop below what orders have reserved (nor below zero).
    """
    if quantity == 0:
        raise StockRuleError(
            _("An adjustment must change the quantity."),
            fields={"quantity": [_("Enter a quantity other than zero.")]},
        )
    if not reason.strip():
        raise StockRuleError(
            _("Say why the stock is adjusted."), fields={"reason": [_("This field is required.")]}
        )
    warehouse = warehouse or warehouse_default()
    item = _lock_stock_items(product_ids=[product.pk], warehouse=warehouse)[product.pk]
    return _apply(
        item=item,
        kind=StockMovement.Kind.ADJUSTMENT,
        on_hand_change=quantity,
        user=user,
        reason=reason,
    )


def _quantities_by_product(order: Order) -> dict[int, int]:
    wanted: dict[int, int] = defaultdict(int)
    for line in order.lines.all():
        wanted[line.product_id] += line.quantity
    return wanted


def _reserved_for_order(order: Order) -> dict[int, int]:
    """Net quantity this order holds reserved, per stock item, from the ledger."""
    rows = (
        StockMovement.objects.filter(order=order)
        .values("stock_item_id")
        .annotate(net=Sum("reserved_change"))
    )
    return {row["stock_item_id"]: row["net"] for row in rows if row["net"]}


def stock_reserve_for_order(*, order: Order, user: AbstractBaseUser | None) -> list[StockMovement]:
    """Reserve every line of the order, all or nothing (process 2.3).

    Must run inside the caller's transaction: if any SKU is short,
    ``InsufficientStock`` names every short SKU and nothing is reserved.
    """
    wanted = _quantities_by_product(order)
    items = _lock_stock_items(product_ids=wanted, warehouse=order.warehouse)
    shortages = {}
    for product_id, quantity in wanted.items():
        item = items[product_id]
        if item.available < quantity:
            shortages[item.product.sku] = {"requested": quantity, "available": item.available}
    if shortages:
        raise InsufficientStock(shortages)
    return [
        _apply(
            item=items[product_id],
            kind=StockMovement.Kind.RESERVATION,
            reserved_change=quantity,
            user=user,
            reason=order.number,
            order=order,
        )
        for product_id, quantity in sorted(wanted.items(), key=lambda kv: items[kv[0]].pk)
    ]


def stock_release_for_order(
    *, order: Order, user: AbstractBaseUser | None, reason: str = ""
) -> list[StockMovement]:
    """Give back whatever the order still holds reserved (cancel)."""
    held = _reserved_for_order(order)
    if not held:
        return []
    items = StockItem.objects.select_for_update().filter(pk__in=held).select_related("product")
    return [
        _apply(
            item=item,
            kind=StockMovement.Kind.RELEASE,
            reserved_change=-held[item.pk],
            user=user,
            reason=reason or order.number,
            order=order,
        )
        for item in items.order_by("pk")
    ]


def stock_ship_for_order(*, order: Order, user: AbstractBaseUser | None) -> list[StockMovement]:
    """Goods leave the warehouse (process 4.1): on hand and reserved both drop
    by what the order holds reserved."""
    held = _reserved_for_order(order)
    items = StockItem.objects.select_for_update().filter(pk__in=held).select_related("product")
    return [
        _apply(
            item=item,
            kind=StockMovement.Kind.SHIPMENT,
            on_hand_change=-held[item.pk],
            reserved_change=-held[item.pk],
            user=user,
            reason=order.number,
            order=order,
        )
        for item in items.order_by("pk")
    ]


@transaction.atomic
def stock_return(
    *,
    product: Product,
    quantity: int,
    user: AbstractBaseUser | None,
    order: Order,
    warehouse: Warehouse | None = None,
    reason: str = "",
) -> StockMovement:
    """Returned goods that passed inspection go back on the shelf (process
    5.2): on hand rises by ``quantity``, with the order on the ledger row."""
    if quantity <= 0:
        raise StockRuleError(
            _("A return must be a positive quantity."),
            fields={"quantity": [_("Enter a quantity greater than zero.")]},
        )
    warehouse = warehouse or warehouse_default()
    item = _lock_stock_items(product_ids=[product.pk], warehouse=warehouse)[product.pk]
    return _apply(
        item=item,
        kind=StockMovement.Kind.RETURN,
        on_hand_change=quantity,
        user=user,
        reason=reason or order.number,
        order=order,
    )
