"""Reads of orders: lists, the timeline, the review queue, the findings."""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Protocol

from django.conf import settings
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import can_proceed

from inventory.models import Product, StockItem, Warehouse
from orders_site.actors import is_system

from . import hooks
from .models import OPEN_STATUSES, Customer, Order, OrderEvent, OrderStatus
from .roles import is_integration_client


def order_list(*, filters: dict[str, Any] | None = None) -> QuerySet[Order]:
    """Orders for the list pages, with what a row shows fetched up front."""
    filters = filters or {}
    qs = Order.objects.select_related("customer", "salesperson")
    if status := filters.get("status"):
        qs = qs.filter(status=status)
    if customer := filters.get("customer"):
        qs = qs.filter(customer=customer)
    if salesperson := filters.get("salesperson"):
        qs = qs.filter(salesperson=salesperson)
    if date_from := filters.get("date_from"):
        qs = qs.filter(created_at__date__gte=date_from)
    if date_to := filters.get("date_to"):
        qs = qs.filter(created_at__date__lte=date_to)
    if q := (filters.get("q") or "").strip():
        qs = qs.filter(
            Q(number__icontains=q)
            | Q(customer__name__icontains=q)
            | Q(customer__company__icontains=q)
            | Q(customer__phone__icontains=q.replace(" ", ""))
        )
    return qs.order_by("-created_at", "-pk")


def orders_visible_to(*, user) -> QuerySet[Order]:
    """Staff see every order (process principle P2, transparency); an
    Integration client sees only the orders it created."""
    qs = Order.objects.all()
    if is_integration_client(user):
        qs = qs.filter(created_by=user)
    return qs


def customers_visible_to(*, user) -> QuerySet[Customer]:
    """Staff see every customer; an Integration client sees the customers it
    entered and those its own orders name, no one else's."""
    qs = Customer.objects.all()
    if is_integration_client(user):
        qs = qs.filter(Q(created_by=user) | Q(orders__created_by=user)).distinct()
    return qs


def customer_visible(*, user, pk: int) -> Customer | None:
    """The customer ``pk`` if ``user`` may see it (``customers_visible_to``),
    else None: two plain look-ups at most instead of the OR-join and
    DISTINCT that listing needs (every intake of an API client asks)."""
    customer = Customer.objects.filter(pk=pk).first()
    if customer is None or not is_integration_client(user):
        return customer
    if customer.created_by_id == user.pk:
        return customer
    if Order.objects.filter(customer_id=pk, created_by=user).exists():
        return customer
    return None


CUSTOMER_SEARCH_LIMIT = 20
_DIGITS = re.compile(r"[0-9]+")


def _prefix_range(field: str, prefix: str) -> Q:
    """``field`` starts with ``prefix``, written as a range so that a plain
    B-tree index serves it on SQLite and PostgreSQL alike (``LIKE 'p%'``
    uses one only under particular collations or operator classes)."""
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return Q(**{f"{field}__gte": prefix, f"{field}__lt": upper})


def customer_search(*, user, query: str, limit: int = CUSTOMER_SEARCH_LIMIT) -> list[dict]:
    """Customers this user may see whose name, company or phone holds
    ``query``: what the intake form's customer search lists (process 1.2),
    at most ``limit``.

    Every query here is built to stop early rather than to read the table:
    typed digits are first a phone's leading digits (with or without +86),
    a range read in order along the phone index, one variant at a time, and
    a customer number (the primary key). Only when no phone starts with
    them are the digits looked for anywhere in the phone ("尾号 5678"). Text is looked
    for in name and company, newest customers first with no sort, so a
    common fragment such as 王 stops at the first ``limit`` rows; only a
    fragment that matches (almost) nobody reads every row. The few found are
    then put in order: names that start with the query first.
    """
    query = (query or "").strip()[:100]
    if not query:
        return []
    visible = customers_visible_to(user=user)
    digits = re.sub(r"[\s()+-]", "", query)
    found: list[Customer] = []
    if _DIGITS.fullmatch(digits):
        typed = re.sub(r"[\s()]", "", query)
        if len(digits) <= 9:
            found += visible.filter(pk=int(digits))
        by_number = len(found)
        for prefix in dict.fromkeys([typed, digits, f"+86{digits}", f"86{digits}"]):
            if len(found) >= limit:
                break
            found += (
                visible.filter(_prefix_range("phone", prefix))
                .exclude(pk__in=[c.pk for c in found])
                .order_by("phone")[: limit - len(found)]
            )
        if len(found) == by_number and len(digits) >= 4:
            found += (
                visible.filter(phone__contains=digits)
                .exclude(pk__in=[c.pk for c in found])
                .order_by("-pk")[: limit - len(found)]
            )
        return [customer_choice(c) for c in found]
    found = list(
        visible.filter(Q(name__icontains=query) | Q(company__icontains=query)).order_by("-pk")[
            :limit
        ]
    )
    lowered = query.casefold()
    found.sort(key=lambda c: (not c.name.casefold().startswith(lowered), c.name, c.pk))
    return [customer_choice(c) for c in found]


def customer_choice(customer: Customer) -> dict[str, Any]:
    """A customer as the intake's search lists it and the form shows it once
    chosen: enough to tell two 王先生 apart on the phone."""
    return {
        "id": customer.pk,
        "label": str(customer),
        "name": customer.name,
        "company": customer.company,
        "phone": customer.phone,
        "city": customer.city,
    }


def customer_changeable_by(*, user, customer: Customer) -> bool:
    """Staff with ``orders.change_customer`` change any customer (the
    money fields need ``orders.set_customer_terms`` too); an Integration
    client only a customer it entered and that no one else's order names, so
    it can never redirect another client's or the sales desk's emails."""
    if not user.has_perm("orders.change_customer"):
        return False
    if not is_integration_client(user):
        return True
    if customer.created_by_id != user.pk:
        return False
    return not Order.objects.filter(customer=customer).exclude(created_by=user).exists()


def review_queue() -> QuerySet[Order]:
    """Submitted orders, oldest first (process 2.1)."""
    return (
        Order.objects.filter(status=OrderStatus.SUBMITTED)
        .select_related("customer", "salesperson")
        .order_by("updated_at", "pk")
    )


def order_timeline(*, order: Order) -> QuerySet[OrderEvent]:
    return order.events.select_related("actor").order_by("created_at", "pk")


# Transitions whose condition the caller's own input meets: ``pack`` records
# the packages and ``ship`` the shipment as part of the step, so their
# conditions are checked by the service, not to decide whether to offer them.
CONDITION_MET_BY_INPUT = ("pack", "ship")


def order_available_transitions(*, order: Order, user) -> list[str]:
    """Names of the transitions this user may take on this order now, in the
    order of the process."""
    if is_system(user):
        names = {t.name for t in order.get_available_status_transitions()}
    else:
        names = {t.name for t in order.get_available_user_status_transitions(user)}
    for name in CONDITION_MET_BY_INPUT:
        if can_proceed(getattr(order, name), check_conditions=False) and role_allows(
            order=order, user=user, transition=name
        ):
            names.add(name)
    return [name for name in TRANSITION_LABELS if name in names]


def role_allows(*, order: Order, user, transition: str) -> bool:
    """Whether the user's role may take this transition at all, whatever the
    order's state: the permission declared on the ``@transition``. The
    system (a scheduled job, ``orders_site.actors``) may take any."""
    if is_system(user):
        return True
    meta = getattr(order, transition)._django_fsm
    return any(t.has_perm(order, user) for t in meta.transitions.values())


TRANSITION_LABELS = {
    "submit": gettext_lazy("submit"),
    "request_adjustment": gettext_lazy("request adjustment"),
    "resubmit": gettext_lazy("resubmit"),
    "approve": gettext_lazy("approve"),
    "cancel": gettext_lazy("cancel"),
    "start_picking": gettext_lazy("start picking"),
    "finish_picking": gettext_lazy("finish picking"),
    "report_shortage": gettext_lazy("report a shortage"),
    "pass_qc": gettext_lazy("pass quality check"),
    "fail_qc": gettext_lazy("fail quality check"),
    "pack": gettext_lazy("pack"),
    "ship": gettext_lazy("ship"),
    "confirm_delivery": gettext_lazy("confirm delivery"),
    "complete": gettext_lazy("complete"),
    "archive": gettext_lazy("archive"),
}


def earliest_feasible_date(
    *, province: str, city: str = "", today: datetime.date | None = None
) -> datetime.date:
    """Processing days plus the carrier rules' transit days to the address
    (process 2.1 and 4.2); a setting's default where no rule serves it."""
    today = today or timezone.localdate()
    # The carrier rules are shipping's: it answers through the hook registry.
    transit = hooks.ask_first(
        "transit_days", default=settings.ORDERS_DEFAULT_TRANSIT_DAYS, province=province, city=city
    )
    return today + datetime.timedelta(days=settings.ORDERS_PROCESSING_DAYS + transit)


def customer_open_total(*, customer_id: int, exclude_order_id: int | None = None) -> Decimal:
    qs = Order.objects.filter(customer_id=customer_id, status__in=OPEN_STATUSES)
    if exclude_order_id:
        qs = qs.exclude(pk=exclude_order_id)
    total = qs.aggregate(s=Sum("total"))["s"] or Decimal("0")
    return Decimal(total).quantize(Decimal("0.01"))


class FindingLine(Protocol):
    """What the review checks of a line: a saved ``OrderLine`` or the
    intake's ``LineInput`` (``unit_price`` None: the list price)."""

    product: Product
    quantity: int
    unit_price: Decimal | None


def findings_compute(
    *,
    lines: Iterable[FindingLine],
    warehouse_id: int | None,
    requested_delivery_date: datetime.date | None,
    province: str = "",
    city: str = "",
    credit_limit: Decimal | None = None,
    customer_id: int | None = None,
    exclude_order_id: int | None = None,
    order_total: Decimal | None = None,
    shortages: Iterable[Any] = (),
) -> list[dict[str, Any]]:
    """The manager's review checklist (process 2.1–2.2) on any input: a saved
    order (``order_compute_findings``, at submit) or the intake form while
    sales is still typing it (the live check, nothing saved). The rules live
    here only, so what sales sees before saving is what the manager sees.

    A part that is not known yet is not checked: no date, no date finding; no
    address (``province`` empty), no transit days to compare with.
    ``order_total`` defaults to the lines at their price (list price where
    none is given), as ``order_create`` would price them; ``warehouse_id``
    None is the default warehouse, where a new order reserves.

    Each finding is ``{"code": ..., ...params}``; ``finding_message`` renders
    it in the reader's language, so stored findings translate.
    """
    findings: list[dict[str, Any]] = []
    lines = list(lines)
    if warehouse_id is None:
        # Not saved yet: the warehouse order_create would reserve from.
        warehouse_id = (
            Warehouse.objects.filter(is_default=True).values_list("pk", flat=True).first()
        )
    wanted: dict[int, int] = defaultdict(int)
    for line in lines:
        wanted[line.product.pk] += line.quantity
    available = {
        item.product_id: item.available
        for item in StockItem.objects.filter(warehouse_id=warehouse_id, product_id__in=wanted)
    }
    seen = set()
    total = Decimal("0.00")
    for line in lines:
        price = line.product.list_price if line.unit_price is None else line.unit_price
        total += (price * line.quantity).quantize(Decimal("0.01"))
        if line.product.pk not in seen:
            seen.add(line.product.pk)
            have = available.get(line.product.pk, 0)
            if have < wanted[line.product.pk]:
                findings.append(
                    {
                        "code": "stock_shortage",
                        "sku": line.product.sku,
                        "requested": wanted[line.product.pk],
                        "available": have,
                    }
                )
        if price != line.product.list_price:
            findings.append(
                {
                    "code": "price_changed",
                    "sku": line.product.sku,
                    "unit_price": str(price),
                    "list_price": str(line.product.list_price),
                }
            )
    for shortage in shortages:
        findings.append(
            {
                "code": "pick_shortage",
                "sku": shortage.line.product.sku,
                "missing": shortage.quantity_missing,
                "reason": shortage.reason,
            }
        )
    if requested_delivery_date is not None and province:
        earliest = earliest_feasible_date(province=province, city=city)
        if requested_delivery_date < earliest:
            findings.append(
                {
                    "code": "delivery_date",
                    "requested": requested_delivery_date.isoformat(),
                    "earliest": earliest.isoformat(),
                }
            )
    if credit_limit is not None:
        order_total = total if order_total is None else order_total
        exposure = (
            customer_open_total(customer_id=customer_id, exclude_order_id=exclude_order_id)
            if customer_id
            else Decimal("0.00")
        )
        if exposure + order_total > credit_limit:
            findings.append(
                {
                    "code": "credit_limit",
                    "open_total": str(exposure),
                    "order_total": str(order_total),
                    "credit_limit": str(credit_limit),
                }
            )
    return findings


def order_compute_findings(*, order: Order) -> list[dict[str, Any]]:
    """The review checklist of a saved order (stored at submit and resubmit)."""
    customer = order.customer
    return findings_compute(
        lines=order.lines.select_related("product"),
        warehouse_id=order.warehouse_id,
        requested_delivery_date=order.requested_delivery_date,
        province=customer.province,
        city=customer.city,
        credit_limit=customer.credit_limit,
        customer_id=order.customer_id,
        exclude_order_id=order.pk,
        order_total=order.total,
        shortages=order.shortages.select_related("line__product").order_by("pk"),
    )


def finding_message(finding: dict[str, Any]) -> str:
    code = finding.get("code")
    if code == "stock_shortage":
        return _("%(sku)s: %(requested)s requested, only %(available)s available.") % finding
    if code == "price_changed":
        return _("%(sku)s: price %(unit_price)s differs from list price %(list_price)s.") % finding
    if code == "delivery_date":
        return (
            _("Requested date %(requested)s is before the earliest feasible %(earliest)s.")
            % finding
        )
    if code == "pick_shortage":
        return (
            _("%(sku)s: %(missing)s could not be found on the shelf when picking (%(reason)s).")
            % finding
        )
    if code == "credit_limit":
        return (
            _(
                "Over credit limit: open orders %(open_total)s + this order %(order_total)s "
                "> limit %(credit_limit)s."
            )
            % finding
        )
    return str(finding)
