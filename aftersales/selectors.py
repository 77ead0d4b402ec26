"""After-sales reads: the pages', the API's and the ones the services and
the daily job start from. Nothing here writes or decides; the services
import these, never the other way round."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Prefetch, Q, QuerySet, Sum
from django.utils import timezone
from django_fsm import can_proceed

from orders.hooks import transition_names
from orders.models import Order, OrderLine, OrderStatus
from orders.selectors import is_integration_client, orders_visible_to

from .models import OPEN_CASE_STATUSES, Case, CaseEntry, FollowUp, Return, ReturnLine, Survey

S = OrderStatus
#: Orders whose goods have left: follow-ups, returns and most cases concern these.
SHIPPED_STATUSES = [S.SHIPPED, S.DELIVERED, S.COMPLETED]


#: The steps of the case's state machine, in the order ``Case`` declares them
#: (the order the case page and the API list the available ones in).
CASE_TRANSITIONS = transition_names(Case)
#: The steps of the return's state machine: receive, inspect, cancel.
RETURN_TRANSITIONS = transition_names(Return)


def follow_ups_for(*, user, scope: str = "due", everyone: bool = False) -> QuerySet[FollowUp]:
    """A person's follow-ups (or everyone's, for after-sales staff):
    ``due`` = due today or overdue, ``upcoming`` = later, ``done``."""
    today = timezone.localdate()
    qs = FollowUp.objects.select_related("order", "order__customer", "owner")
    if not everyone:
        qs = qs.filter(owner=user)
    if scope == "done":
        return qs.filter(status=FollowUp.Status.DONE).order_by("-done_at", "-pk")
    qs = qs.filter(status=FollowUp.Status.OPEN).exclude(order__status="archived")
    if scope == "upcoming":
        return qs.filter(due_on__gt=today).order_by("due_on", "pk")
    return qs.filter(due_on__lte=today).order_by("due_on", "pk")


def days_overdue(follow_up: FollowUp, today: datetime.date | None = None) -> int:
    return ((today or timezone.localdate()) - follow_up.due_on).days


def can_record(follow_up: FollowUp) -> bool:
    """Whether the follow-up's state machine still takes its outcome."""
    return can_proceed(follow_up.record)


def follow_ups_overdue(*, today: datetime.date) -> QuerySet[FollowUp]:
    """Open follow-ups due before ``today`` on orders still live, by owner
    then due date (the daily reminder's list)."""
    return (
        FollowUp.objects.filter(status=FollowUp.Status.OPEN, due_on__lt=today)
        .exclude(order__status=S.ARCHIVED)
        .select_related("order", "order__customer", "owner")
        .order_by("owner_id", "due_on", "pk")
    )


def survey_by_token(token: str) -> Survey | None:
    """The survey a link's token opens, if any (whether it may still be
    answered is ``services.survey_for_token``'s to say)."""
    return (
        Survey.objects.select_related("order", "order__customer")
        .filter(token_hash=Survey.hash_token(token))
        .first()
    )


def delivered_on(*, order: Order, latest_shipment: bool = False) -> datetime.date | None:
    """The day the order's goods were signed for: that of its latest
    shipment with a delivery recorded, or (``latest_shipment``) only of its
    latest shipment. None if not recorded."""
    shipments = order.shipments.order_by("-pk")
    if not latest_shipment:
        shipments = shipments.filter(delivered_at__isnull=False)
    shipment = shipments.first()
    if shipment is None or shipment.delivered_at is None:
        return None
    return timezone.localdate(shipment.delivered_at)


def orders_missing_follow_ups() -> QuerySet[Order]:
    """Delivered orders without follow-ups (delivered before after-sales was
    switched on, or through a path that skipped it)."""
    return Order.objects.filter(status=S.DELIVERED, follow_ups__isnull=True).order_by("pk")


def orders_due_for_completion(*, today: datetime.date | None = None) -> QuerySet[Order]:
    """Delivered orders whose follow-up window has passed (every follow-up's
    due date is behind us) with no open case."""
    today = today or timezone.localdate()
    return (
        Order.objects.filter(status=S.DELIVERED, follow_ups__isnull=False)
        .exclude(cases__status__in=OPEN_CASE_STATUSES)
        .exclude(follow_ups__due_on__gt=today)
        .distinct()
        .order_by("pk")
    )


# --- cases (process 5.2) ---------------------------------------------------------

#: The case list's status filter: the open ones unless asked otherwise.
CASE_STATUS_OPEN, CASE_STATUS_ALL = "open_any", "all"
_CASE_NUMBER = re.compile(r"^(?:CS-?)?0*(\d{1,9})$", re.IGNORECASE)


def case_list(*, user, filters: dict[str, Any] | None = None) -> QuerySet[Case]:
    """Cases for the list page, with what a row shows fetched up front.

    ``status`` is a case status, ``"all"``, or (the default) every open one;
    ``mine`` keeps the user's own; ``overdue`` keeps open cases past their due
    date; ``q`` matches a case number (``CS-000012`` or ``12``), an order
    number, the customer's name, company or phone, or the subject."""
    filters = filters or {}
    qs = cases_visible_to(user=user)
    status = filters.get("status") or CASE_STATUS_OPEN
    if status == CASE_STATUS_OPEN:
        qs = qs.filter(status__in=OPEN_CASE_STATUSES)
    elif status != CASE_STATUS_ALL:
        qs = qs.filter(status=status)
    if kind := filters.get("kind"):
        qs = qs.filter(kind=kind)
    if department := filters.get("department"):
        qs = qs.filter(department=department)
    if filters.get("mine"):
        qs = qs.filter(owner=user)
    if filters.get("overdue"):
        qs = qs.filter(status__in=OPEN_CASE_STATUSES, due_on__lt=timezone.localdate())
    if q := (filters.get("q") or "").strip():
        match = Q(order__number__icontains=q)
        match |= Q(subject__icontains=q)
        match |= Q(order__customer__name__icontains=q)
        match |= Q(order__customer__company__icontains=q)
        match |= Q(order__customer__phone__icontains=q.replace(" ", ""))
        if number := _CASE_NUMBER.match(q):
            match |= Q(pk=int(number.group(1)))
        qs = qs.filter(match)
    return (
        qs.order_by("due_on", "-pk")
        if filters.get("overdue")
        else qs.order_by("-created_at", "-pk")
    )


def case_owner_candidates() -> QuerySet:
    """Who can own a case: active people who can see cases (through a role,
    their own permissions, or as superuser), so the owner can open the case
    they are given."""
    User = get_user_model()
    perm = Q(codename="view_case", content_type__app_label="aftersales")
    return (
        User.objects.filter(is_active=True)
        .filter(
            Q(is_superuser=True)
            | Q(groups__permissions__in=Permission.objects.filter(perm))
            | Q(user_permissions__in=Permission.objects.filter(perm))
        )
        .distinct()
        .order_by("username")
    )


def case_detail(*, pk: int, user) -> Case:
    """One case the user may see, with its order, customer and people;
    raises ``Case.DoesNotExist``."""
    return cases_visible_to(user=user).get(pk=pk)


def case_lines(*, case: Case) -> QuerySet[OrderLine]:
    return case.lines.select_related("product").order_by("pk")


def case_entries(*, case: Case) -> QuerySet[CaseEntry]:
    """The case's history, oldest first (a timeline reads downwards)."""
    return case.entries.select_related("author").order_by("created_at", "pk")


def case_returns(*, case: Case) -> QuerySet[Return]:
    return case.returns.select_related(
        "created_by", "received_by", "inspected_by"
    ).prefetch_related(
        Prefetch(
            "lines",
            queryset=ReturnLine.objects.select_related("order_line__product").order_by("pk"),
        )
    )


def case_available_transitions(*, case: Case, user) -> list[str]:
    """The steps the user may take on the case now: those its state machine
    allows (``can_proceed``), for its owner or after-sales staff, and none
    on an archived order."""
    if case.order.status == OrderStatus.ARCHIVED:
        return []
    if case.owner_id != user.pk and not user.has_perm("aftersales.handle_case"):
        return []
    return [name for name in CASE_TRANSITIONS if can_proceed(getattr(case, name))]


def return_available_transitions(
    *, return_request: Return, user, order: Order | None = None
) -> list[str]:
    """The steps the user may take on the return now: those its state
    machine allows, for a role that handles returns, and none on an archived
    order (``order``: the return's, if the caller has it at hand)."""
    order = order or return_request.order
    if order.status == OrderStatus.ARCHIVED:
        return []
    if not user.has_perm("aftersales.change_return"):
        return []
    return [name for name in RETURN_TRANSITIONS if can_proceed(getattr(return_request, name))]


def returned_quantities(*, order: Order, exclude: Return | None = None) -> dict[int, int]:
    """Per order line, what all live returns of the order take back."""
    qs = ReturnLine.objects.filter(return_request__order=order).exclude(
        return_request__status=Return.Status.CANCELLED
    )
    if exclude is not None:
        qs = qs.exclude(return_request=exclude)
    return dict(qs.values("order_line").annotate(n=Sum("quantity")).values_list("order_line", "n"))


@dataclass
class ReturnableLine:
    """An order line as the return form shows it: how many went out, how
    many live returns already take back, and what is left."""

    line: OrderLine
    shipped: int
    returned: int

    @property
    def left(self) -> int:
        return max(self.shipped - self.returned, 0)


def returnable_lines(*, order: Order) -> list[ReturnableLine]:
    """Each line of the order with what shipped and what already came back
    (cancelled returns do not count), in line order."""
    returned = returned_quantities(order=order)
    shipped = order.status in SHIPPED_STATUSES
    return [
        ReturnableLine(
            line=line,
            shipped=line.quantity if shipped else 0,
            returned=returned.get(line.pk, 0),
        )
        for line in order.lines.select_related("product").order_by("pk")
    ]


# --- the order page's after-sales card -----------------------------------------------


@dataclass
class OrderAfterSales:
    follow_ups: list[FollowUp]
    cases: list[Case]
    returns: list[Return]
    survey: Survey | None
    can_open_case: bool

    @property
    def is_empty(self) -> bool:
        return not (self.follow_ups or self.cases or self.returns or self.survey)


def order_after_sales(*, order: Order, user) -> OrderAfterSales:
    """What after-sales knows about one order, for its page: follow-ups,
    cases, returns and the survey answer (four small queries), and whether
    the user may open a case on it (not on a draft, not once archived)."""
    return OrderAfterSales(
        follow_ups=list(order.follow_ups.select_related("owner").order_by("due_on", "pk")),
        cases=list(order.cases.select_related("owner").order_by("-created_at", "-pk")),
        returns=list(order.returns.order_by("-created_at", "-pk")),
        survey=Survey.objects.filter(order=order).first(),
        can_open_case=can_open_case(order=order, user=user),
    )


def can_open_case(*, order: Order, user) -> bool:
    """Whether to offer "Open a case": not on a draft (nothing to follow up
    yet) nor on an archived order (read-only); ``case_open`` refuses both."""
    return user.has_perm("aftersales.add_case") and order.status not in (
        OrderStatus.DRAFT,
        OrderStatus.ARCHIVED,
    )


# --- the API's reads ------------------------------------------------------------------


def _on_visible_orders(qs: QuerySet, *, user) -> QuerySet:
    """Only records of orders the user may see (``orders_visible_to``: an
    Integration client sees the orders it created, staff see all). Staff get
    no subquery over every order for a filter that keeps them all."""
    if is_integration_client(user):
        qs = qs.filter(order__in=orders_visible_to(user=user))
    return qs


def follow_ups_visible_to(*, user) -> QuerySet[FollowUp]:
    """Follow-ups for the API: a person's own, or everyone's for after-sales
    staff (``aftersales.handle_case``), on orders the user may see."""
    qs = FollowUp.objects.select_related("order", "order__customer", "owner", "done_by")
    if not user.has_perm("aftersales.handle_case"):
        qs = qs.filter(owner=user)
    return _on_visible_orders(qs, user=user)


def cases_visible_to(*, user) -> QuerySet[Case]:
    """Cases on orders the user may see, with what a list row shows."""
    qs = Case.objects.select_related("order", "order__customer", "owner", "created_by")
    return _on_visible_orders(qs, user=user)


def returns_visible_to(*, user) -> QuerySet[Return]:
    """Returns on orders the user may see, each with its lines and products."""
    qs = Return.objects.select_related(
        "order", "created_by", "received_by", "inspected_by"
    ).prefetch_related(
        Prefetch(
            "lines",
            queryset=ReturnLine.objects.select_related("order_line__product").order_by("pk"),
        )
    )
    return _on_visible_orders(qs, user=user)
