"""Every after-sales write (process 5): follow-ups, the satisfaction survey,
cases and returns. Each refuses to touch an archived order and writes its
line on the order's timeline."""

from __future__ import annotations

import datetime
import hashlib
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from inventory import services as inventory_services
from notifications import services as notify
from orders.models import Order, OrderEvent, OrderLine, OrderStatus
from orders.roles import is_integration_client
from orders.transitions import refuse_archived, transition
from orders_site.actors import SYSTEM, is_system
from shipping.models import Shipment

from .exceptions import (
    AfterSalesConflict,
    AfterSalesForbidden,
    AfterSalesInvalid,
    SurveyLinkInvalid,
)
from .models import (
    OPEN_CASE_STATUSES,
    Case,
    CaseEntry,
    ContactChannel,
    FollowUp,
    Return,
    ReturnLine,
    Survey,
)

S = OrderStatus
log = logging.getLogger(__name__)
#: Orders whose goods have left: follow-ups, returns and most cases concern these.
SHIPPED_STATUSES = [S.SHIPPED, S.DELIVERED, S.COMPLETED]


def _refuse_archived(order: Order) -> None:
    refuse_archived(order)


def _lock_order(order: Order) -> Order:
    locked = Order.objects.select_for_update().get(pk=order.pk)
    _refuse_archived(locked)
    return locked


def _timeline(order: Order, *, kind: str, actor, note: str = "", data: dict | None = None):
    return OrderEvent.objects.create(
        order=order,
        kind=kind,
        actor=actor if actor is not None and actor.is_authenticated else None,
        note=note,
        data=data or {},
    )


def _today() -> datetime.date:
    return timezone.localdate()


# --- follow-ups (process 5.1) --------------------------------------------------


def follow_ups_schedule(
    *, order: Order, delivered_on: datetime.date | None = None
) -> list[FollowUp]:
    """Follow-ups for the order's salesperson at each configured offset after
    delivery (default 3 and 30 days). Idempotent: offsets already scheduled
    are left alone."""
    delivered_on = delivered_on or _today()
    existing = set(order.follow_ups.values_list("offset_days", flat=True))
    new = [
        FollowUp(
            order=order,
            owner_id=order.salesperson_id,
            offset_days=days,
            due_on=delivered_on + datetime.timedelta(days=days),
        )
        for days in settings.AFTERSALES_FOLLOW_UP_DAYS
        if days not in existing
    ]
    FollowUp.objects.bulk_create(new, ignore_conflicts=True)
    return list(order.follow_ups.all())


def _may_handle(user) -> bool:
    return is_system(user) or user.has_perm("aftersales.handle_case")


def _default_owner(user, order: Order):
    """Unless named, a case is its opener's; one opened by a machine client
    (an online store passing on a complaint) goes to the order's salesperson."""
    return order.salesperson if is_system(user) or _is_client(user) else user


def _is_client(user) -> bool:
    return is_integration_client(user)


def _require(user, perm: str, message: str) -> None:
    """The role check every screen and the API rely on, here once."""
    if not (is_system(user) or user.has_perm(perm)):
        raise AfterSalesForbidden(message)


@transaction.atomic
def follow_up_record(
    *,
    follow_up: FollowUp,
    user,
    channel: str,
    usage: str = "",
    satisfaction: int | None = None,
    notes: str = "",
) -> FollowUp:
    """The salesperson called: record how it went. Closes the follow-up and
    puts the outcome on the order's timeline."""
    locked = FollowUp.objects.select_for_update().select_related("order").get(pk=follow_up.pk)
    _refuse_archived(locked.order)
    if locked.owner_id != user.pk and not _may_handle(user):
        raise AfterSalesForbidden(_("This follow-up belongs to someone else."))
    if locked.status == FollowUp.Status.DONE:
        raise AfterSalesConflict(_("This follow-up was already recorded."))
    errors = {}
    if channel not in ContactChannel.values:
        errors["channel"] = [_("Choose how you reached the customer.")]
    if satisfaction is not None and not (isinstance(satisfaction, int) and 1 <= satisfaction <= 5):
        errors["satisfaction"] = [_("Rate from 1 to 5.")]
    if not (usage.strip() or notes.strip()):
        errors["notes"] = [_("Say what the customer told you.")]
    if errors:
        raise AfterSalesInvalid(_("The follow-up is not complete."), fields=errors)
    locked.channel, locked.usage, locked.notes = channel, usage.strip(), notes.strip()
    locked.satisfaction = satisfaction
    locked.status = FollowUp.Status.DONE
    locked.done_at, locked.done_by = timezone.now(), user
    locked.save()
    _timeline(
        locked.order,
        kind=OrderEvent.Kind.FOLLOW_UP,
        actor=user,
        note=locked.notes or locked.usage,
        data={
            "follow_up": locked.pk,
            "offset_days": locked.offset_days,
            "channel": channel,
            "satisfaction": satisfaction,
            "usage": locked.usage,
        },
    )
    _copy(locked, follow_up)
    return locked


def _copy(source, target) -> None:
    if source is not target:
        for field in type(source)._meta.concrete_fields:
            target.__dict__[field.attname] = source.__dict__[field.attname]


def follow_ups_remind_overdue(*, today: datetime.date | None = None) -> int:
    """One email a day to each owner of overdue follow-ups, listing them."""
    today = today or _today()
    overdue = (
        FollowUp.objects.filter(status=FollowUp.Status.OPEN, due_on__lt=today)
        .exclude(order__status=S.ARCHIVED)
        .select_related("order", "order__customer", "owner")
        .order_by("owner_id", "due_on", "pk")
    )
    by_owner: dict[int, list[FollowUp]] = {}
    for follow_up in overdue:
        by_owner.setdefault(follow_up.owner_id, []).append(follow_up)
    sent = 0
    with transaction.atomic():
        for items in by_owner.values():
            owner = items[0].owner
            for item in items:
                item.days_overdue = (today - item.due_on).days
            if notify.email_enqueue(
                event="aftersales.follow_ups_overdue",
                to=owner.email,
                template="follow_ups_overdue",
                language=notify.language_of(owner),
                context={
                    "recipient": owner,
                    "follow_ups": items,
                    "list_url": _absolute(reverse("aftersales:follow_ups")),
                },
                dedupe_key=f"follow-ups-overdue:{today.isoformat()}:user:{owner.pk}",
            ):
                sent += 1
            FollowUp.objects.filter(pk__in=[i.pk for i in items]).update(reminded_on=today)
    return sent


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


# --- the satisfaction survey -------------------------------------------------


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def survey_issue(*, order: Order) -> str:
    """A fresh single-use link for the order's survey; returns its URL. Only
    the token's hash is stored. Issuing again replaces an unanswered link."""
    token = secrets.token_urlsafe(24)
    expires = timezone.now() + datetime.timedelta(days=settings.AFTERSALES_SURVEY_VALID_DAYS)
    survey, created = Survey.objects.get_or_create(
        order=order, defaults={"token_hash": _hash(token), "expires_at": expires}
    )
    if not created:
        if survey.answered_at:
            return ""
        survey.token_hash, survey.expires_at = _hash(token), expires
        survey.save(update_fields=["token_hash", "expires_at"])
    return _absolute(reverse("aftersales:survey", args=[token]))


def survey_for_token(token: str) -> Survey:
    """The survey a link opens, or ``SurveyLinkInvalid`` saying why not."""
    survey = (
        Survey.objects.select_related("order", "order__customer")
        .filter(token_hash=_hash(token or ""))
        .first()
    )
    _check_survey(survey)
    return survey


def _check_survey(survey: Survey | None) -> None:
    if survey is None:
        raise SurveyLinkInvalid(_("This survey link is not valid. Please check the address."))
    if survey.answered_at:
        raise SurveyLinkInvalid(_("This survey was already answered. Thank you!"))
    if survey.expires_at <= timezone.now():
        raise SurveyLinkInvalid(_("This survey link has expired. Please contact your salesperson."))
    if survey.order.status == S.ARCHIVED:
        raise SurveyLinkInvalid(_("This order is archived; the survey is closed."))


@transaction.atomic
def survey_answer(*, token: str, rating, comment: str = "") -> Survey:
    """The customer's answer, once. A second use of the link, an expired link
    or a bad rating changes nothing."""
    survey = Survey.objects.select_for_update().filter(token_hash=_hash(token or "")).first()
    if survey is not None:
        survey = Survey.objects.select_related("order").get(pk=survey.pk)
    _check_survey(survey)
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise AfterSalesInvalid(
            _("Choose a rating from 1 to 5."), fields={"rating": [_("Choose from 1 to 5.")]}
        )
    comment = (comment or "").strip()[:4000]
    survey.rating, survey.comment, survey.answered_at = rating, comment, timezone.now()
    survey.save(update_fields=["rating", "comment", "answered_at"])
    _timeline(
        survey.order,
        kind=OrderEvent.Kind.SURVEY,
        actor=None,
        note=comment,
        data={"rating": rating},
    )
    return survey


# --- delivery: what after-sales starts ------------------------------------------


def order_delivered(*, order: Order, user=None, delivered_on: datetime.date | None = None) -> dict:
    """The ``orders.hooks.after("confirm_delivery")`` handler, run inside the
    delivery transition: schedule the follow-ups from the day the goods were
    signed for and issue the survey link the delivered email carries
    (``order.survey_url``)."""
    if delivered_on is None:
        shipment = order.shipments.filter(delivered_at__isnull=False).order_by("-pk").first()
        if shipment is not None:
            delivered_on = timezone.localdate(shipment.delivered_at)
    follow_ups = follow_ups_schedule(order=order, delivered_on=delivered_on)
    order.survey_url = survey_issue(order=order)
    return {"follow_ups": [f.due_on.isoformat() for f in follow_ups]}


# --- cases (process 5.2) ----------------------------------------------------------


def _case_due(kind: str) -> datetime.date:
    days = settings.AFTERSALES_CASE_DUE_DAYS.get(kind, 7)
    return _today() + datetime.timedelta(days=days)


@transaction.atomic
def case_open(
    *,
    order: Order,
    user,
    kind: str,
    subject: str,
    department: str,
    description: str = "",
    owner=None,
    lines: Iterable[OrderLine] = (),
    due_on: datetime.date | None = None,
) -> Case:
    """Record a problem on an order (complaint, return, exchange, repair,
    inquiry) for the department responsible, due by its type."""
    _require(user, "aftersales.add_case", _("Your role may not open cases."))
    locked = _lock_order(order)
    lines = list(lines)
    errors = {}
    if kind not in Case.Kind.values:
        errors["kind"] = [_("Choose a case type.")]
    if department not in Case.Department.values:
        errors["department"] = [_("Choose the department responsible.")]
    if not (subject or "").strip():
        errors["subject"] = [_("This field is required.")]
    if locked.status in (S.DRAFT,):
        errors["order"] = [_("A draft order has nothing to follow up yet.")]
    foreign = [line for line in lines if line.order_id != locked.pk]
    if foreign:
        errors["lines"] = [_("Choose lines of order %(number)s.") % {"number": locked.number}]
    if errors:
        raise AfterSalesInvalid(_("The case is not complete."), fields=errors)
    case = Case(
        order=locked,
        kind=kind,
        subject=subject.strip(),
        description=(description or "").strip(),
        department=department,
        owner=owner or _default_owner(user, locked),
        due_on=due_on or _case_due(kind),
        created_by=user,
    )
    case.save()
    case.lines.set(lines)
    CaseEntry.objects.create(
        case=case,
        kind=CaseEntry.Kind.STATUS,
        to_status=case.status,
        text=case.description,
        author=user,
    )
    _timeline(
        locked,
        kind=OrderEvent.Kind.CASE,
        actor=user,
        note=case.subject,
        data={"case": case.pk, "number": case.number, "kind": kind, "status": case.status},
    )
    return case


CASE_TRANSITIONS = ["start", "wait_for_customer", "resume", "resolve", "close", "reopen"]


def _lock_case(case: Case) -> Case:
    locked = Case.objects.select_for_update().get(pk=case.pk)
    locked.order = Order.objects.get(pk=locked.order_id)
    _refuse_archived(locked.order)
    return locked


def _may_work_on(case: Case, user) -> bool:
    return case.owner_id == user.pk or _may_handle(user)


@transaction.atomic
def case_transition(*, case: Case, user, name: str, note: str = "", resolution: str = "") -> Case:
    """Move a case along (open → in progress → waiting for customer →
    resolved → closed, reopen). Resolving needs the resolution and tells the
    customer."""
    if name not in CASE_TRANSITIONS:
        raise AfterSalesInvalid(_("Unknown step."), fields={"name": [_("Not a valid choice.")]})
    locked = _lock_case(case)
    if not _may_work_on(locked, user):
        raise AfterSalesForbidden(_("Only the case's owner or after-sales staff may do this."))
    method = getattr(locked, name)
    if not can_proceed(method):
        raise AfterSalesConflict(
            _("Case %(number)s cannot do this while %(status)s.")
            % {"number": locked.number, "status": locked.get_status_display()}
        )
    if name == "resolve":
        if not (resolution or "").strip():
            raise AfterSalesInvalid(
                _("Say how the case was resolved."),
                fields={"resolution": [_("This field is required.")]},
            )
        locked.resolution = resolution.strip()
        locked.resolved_at = timezone.now()
    if name == "close":
        locked.closed_at = timezone.now()
    if name == "reopen":
        locked.closed_at = None
    from_status = locked.status
    method()
    locked.save()
    CaseEntry.objects.create(
        case=locked,
        kind=CaseEntry.Kind.STATUS,
        from_status=from_status,
        to_status=locked.status,
        text=(note or resolution or "").strip(),
        author=user,
    )
    _timeline(
        locked.order,
        kind=OrderEvent.Kind.CASE,
        actor=user,
        note=(resolution if name == "resolve" else note).strip(),
        data={"case": locked.pk, "number": locked.number, "from": from_status, "to": locked.status},
    )
    if name == "resolve":
        _tell_customer_resolved(locked)
    _copy(locked, case)
    return locked


def _tell_customer_resolved(case: Case) -> None:
    customer = case.order.customer
    notify.email_enqueue(
        event="aftersales.case_resolved",
        to=customer.email,
        template="case_resolved",
        language=customer.preferred_language,
        context={"case": case, "order": case.order, "customer": customer},
        dedupe_key=f"case-resolved:{case.pk}:{case.entries.count()}",
        order=case.order,
    )


@transaction.atomic
def case_add_entry(*, case: Case, user, kind: str, text: str, channel: str = "") -> CaseEntry:
    """An internal note, or a contact with the customer (with its channel)."""
    locked = _lock_case(case)
    if not _may_work_on(locked, user) and not user.has_perm("aftersales.add_caseentry"):
        raise AfterSalesForbidden(_("You may not add to this case."))
    errors = {}
    if kind not in (CaseEntry.Kind.NOTE, CaseEntry.Kind.CONTACT):
        errors["kind"] = [_("Choose a note or a customer contact.")]
    if kind == CaseEntry.Kind.CONTACT and channel not in ContactChannel.values:
        errors["channel"] = [_("Choose how you reached the customer.")]
    if not (text or "").strip():
        errors["text"] = [_("This field is required.")]
    if errors:
        raise AfterSalesInvalid(_("The entry is not complete."), fields=errors)
    return CaseEntry.objects.create(
        case=locked,
        kind=kind,
        channel=channel if kind == CaseEntry.Kind.CONTACT else "",
        text=text.strip(),
        author=user,
    )


@transaction.atomic
def case_assign(
    *, case: Case, user, owner=None, department: str | None = None, due_on=None
) -> Case:
    """Hand a case to another person or department, or move its due date."""
    locked = _lock_case(case)
    if not _may_handle(user):
        raise AfterSalesForbidden(_("Only after-sales staff may reassign cases."))
    if department is not None and department not in Case.Department.values:
        raise AfterSalesInvalid(
            _("Choose the department responsible."),
            fields={"department": [_("Not a valid choice.")]},
        )
    changes = []
    if owner is not None and owner.pk != locked.owner_id:
        locked.owner = owner
        changes.append(_("owner: %(name)s") % {"name": owner.get_username()})
    if department and department != locked.department:
        locked.department = department
        changes.append(_("department: %(d)s") % {"d": locked.get_department_display()})
    if due_on and due_on != locked.due_on:
        locked.due_on = due_on
        changes.append(_("due: %(d)s") % {"d": due_on.isoformat()})
    if changes:
        locked.save()
        CaseEntry.objects.create(
            case=locked, kind=CaseEntry.Kind.NOTE, text="; ".join(changes), author=user
        )
    _copy(locked, case)
    return locked


# --- returns -------------------------------------------------------------------


@dataclass(frozen=True)
class ReturnLineInput:
    order_line: OrderLine
    quantity: int


def returned_quantities(*, order: Order, exclude: Return | None = None) -> dict[int, int]:
    """Per order line, what all live returns of the order take back."""
    qs = ReturnLine.objects.filter(return_request__order=order).exclude(
        return_request__status=Return.Status.CANCELLED
    )
    if exclude is not None:
        qs = qs.exclude(return_request=exclude)
    return dict(qs.values("order_line").annotate(n=Sum("quantity")).values_list("order_line", "n"))


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
    _require(user, "aftersales.add_return", _("Your role may not record returns."))
    order = _lock_order(case.order)
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
    _timeline(
        order,
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


def _lock_return(return_request: Return, *, expect: str, user) -> Return:
    _require(user, "aftersales.change_return", _("Your role may not handle returns."))
    locked = Return.objects.select_for_update().get(pk=return_request.pk)
    locked.order = _lock_order(locked.order)
    if locked.status != expect:
        raise AfterSalesConflict(
            _("Return %(number)s is %(status)s.")
            % {"number": locked, "status": locked.get_status_display()}
        )
    return locked


@transaction.atomic
def return_receive(*, return_request: Return, user, note: str = "") -> Return:
    """The goods arrived at the warehouse."""
    locked = _lock_return(return_request, expect=Return.Status.REQUESTED, user=user)
    locked.status = Return.Status.RECEIVED
    locked.received_at, locked.received_by = timezone.now(), user
    locked.save()
    _timeline(
        locked.order,
        kind=OrderEvent.Kind.RETURN,
        actor=user,
        note=note,
        data={"return": locked.pk, "status": locked.status},
    )
    _copy(locked, return_request)
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
    locked = _lock_return(return_request, expect=Return.Status.RECEIVED, user=user)
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
    locked.status = Return.Status.DONE
    locked.inspection_notes = (notes or "").strip()
    locked.inspected_at, locked.inspected_by = timezone.now(), user
    if refund_amount is not None:
        locked.refund_amount = refund_amount
    locked.save()
    _timeline(
        locked.order,
        kind=OrderEvent.Kind.RETURN,
        actor=user,
        note=locked.inspection_notes,
        data={
            "return": locked.pk,
            "status": locked.status,
            "restocked": restocked,
            "refund": str(locked.refund_amount) if locked.refund_amount is not None else None,
        },
    )
    _copy(locked, return_request)
    return locked


@transaction.atomic
def return_cancel(*, return_request: Return, user, note: str = "") -> Return:
    """The customer keeps the goods after all: the quantities are free again."""
    locked = _lock_return(return_request, expect=Return.Status.REQUESTED, user=user)
    locked.status = Return.Status.CANCELLED
    locked.save(update_fields=["status"])
    _timeline(
        locked.order,
        kind=OrderEvent.Kind.RETURN,
        actor=user,
        note=note,
        data={"return": locked.pk, "status": locked.status},
    )
    _copy(locked, return_request)
    return locked


# --- completion (process 5) --------------------------------------------------------


def orders_due_for_completion(*, today: datetime.date | None = None):
    """Delivered orders whose follow-up window has passed (every follow-up's
    due date is behind us) with no open case."""
    today = today or _today()
    return (
        Order.objects.filter(status=S.DELIVERED, follow_ups__isnull=False)
        .exclude(cases__status__in=OPEN_CASE_STATUSES)
        .exclude(follow_ups__due_on__gt=today)
        .distinct()
        .order_by("pk")
    )


def follow_ups_schedule_missing() -> int:
    """Delivered orders without follow-ups (delivered before after-sales was
    switched on, or through a path that skipped it) get them, dated from
    their delivery."""
    count = 0
    for order in Order.objects.filter(status=S.DELIVERED, follow_ups__isnull=True).order_by("pk"):
        shipment = Shipment.objects.filter(order=order).order_by("-pk").first()
        delivered_at = shipment.delivered_at if shipment and shipment.delivered_at else None
        on = timezone.localdate(delivered_at) if delivered_at else _today()
        with transaction.atomic():
            follow_ups_schedule(order=order, delivered_on=on)
        count += 1
    return count


def order_complete(*, order: Order, user, note: str = "") -> Order:
    """Process 5: the follow-up window closed (after-sales, or the daily job)."""
    return transition(order=order, user=user, name="complete", note=note)


def orders_complete_due(*, today: datetime.date | None = None) -> int:
    """Complete each order whose follow-up window has passed with no open
    case (process 5), as the system; each in its own transaction, one failure
    does not stop the rest."""
    done = 0
    for order in orders_due_for_completion(today=today):
        try:
            order_complete(
                order=order,
                user=SYSTEM,
                note=_("Follow-up window passed with no open case."),
            )
        except Exception:  # logged; the next run tries again
            log.exception("could not complete order %s", order.number)
        else:
            done += 1
    return done
