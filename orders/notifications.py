"""Who is told what when an order changes state (process 2.2, 2.3, 4.1, 4.3).

Called by ``orders.transitions.transition`` inside the transaction that changes the
order, after the audit event is written: the outbox rows commit or roll back
with the change. Customer messages use the customer's preferred language,
staff messages the language each person chose in the switcher.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.text import format_lazy

from notifications import services as notify

from . import roles
from .models import Order, OrderEvent, OrderStatus
from .reasons import ADJUSTMENT_REASON_LABELS, CANCEL_REASON_LABELS
from .selectors import earliest_feasible_date, is_integration_client

S = OrderStatus


def webhook_events() -> list[tuple[str, object]]:
    """The order events a webhook subscription may choose: one per status an
    order can move into (``order.approved`` …), registered with the outbox
    by ``orders.steps``."""
    return [
        (f"order.{value}", format_lazy("{label} (order.{value})", label=label, value=value))
        for value, label in OrderStatus.choices
        if value != OrderStatus.DRAFT
    ]


def _url(name: str, *args) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name, args=args)


def _context(order: Order, event: OrderEvent) -> dict:
    shipment = order.shipments.select_related("carrier").order_by("-pk").first()
    return {
        "order": order,
        "customer": order.customer,
        "lines": list(order.lines.select_related("product").order_by("pk")),
        "event": event,
        "note": event.note,
        "shipment": shipment,
        "tracking_url": shipment.tracking_url if shipment else "",
        "order_url": _url("orders:detail", order.number),
    }


def _to_customer(order, event, template, context):
    customer = order.customer
    notify.email_enqueue(
        event=f"order.{event.to_status}",
        to=customer.email,
        template=template,
        language=customer.preferred_language,
        context=context,
        dedupe_key=f"order-event:{event.pk}:customer",
        order=order,
    )


def _to_staff(order, event, template, context, users):
    for user in users:
        notify.email_enqueue(
            event=f"order.{event.to_status}",
            to=user.email,
            template=template,
            language=notify.language_of(user),
            context={**context, "recipient": user},
            dedupe_key=f"order-event:{event.pk}:user:{user.pk}",
            order=order,
        )


def _submitted(order, event, context):
    context["review_url"] = _url("admin:orders_order_review_queue")
    _to_staff(order, event, "order_submitted", context, notify.staff_with_role(roles.SALES_MANAGER))


def _needs_adjustment(order, event, context):
    context["reason"] = ADJUSTMENT_REASON_LABELS.get(event.data.get("reason"), "")
    salesperson = order.salesperson
    if salesperson.email:
        _to_staff(order, event, "order_needs_adjustment", context, [salesperson])


def _approved(order, event, context):
    context["expected_date"] = max(
        order.requested_delivery_date,
        earliest_feasible_date(province=order.customer.province, city=order.customer.city),
    )
    _to_customer(order, event, "order_approved", context)


def _packed(order, event, context):
    context["packages"] = list(order.packages.order_by("pk"))
    context["documents"] = [
        (document, _url("shipping:document", document.pk))
        for document in order.documents.order_by("pk")
    ]
    context["logistics_url"] = _url("shipping:packed")
    _to_staff(order, event, "order_packed", context, notify.staff_with_role(roles.LOGISTICS))


def _shipped(order, event, context):
    _to_customer(order, event, "order_shipped_customer", context)
    if order.salesperson.email:
        _to_staff(order, event, "order_shipped_sales", context, [order.salesperson])


def _delivered(order, event, context):
    # The survey link was issued by after-sales in this same transaction.
    context["survey_url"] = getattr(order, "survey_url", "")
    context["survey_days"] = settings.AFTERSALES_SURVEY_VALID_DAYS
    _to_customer(order, event, "order_delivered", context)


def _cancelled(order, event, context):
    context["reason"] = CANCEL_REASON_LABELS.get(event.data.get("reason"), "")
    _to_customer(order, event, "order_cancelled", context)


RULES = {
    S.SUBMITTED: _submitted,
    S.NEEDS_ADJUSTMENT: _needs_adjustment,
    S.APPROVED: _approved,
    S.PACKED: _packed,
    S.SHIPPED: _shipped,
    S.DELIVERED: _delivered,
    S.CANCELLED: _cancelled,
}


def order_changed(*, order: Order, event: OrderEvent) -> None:
    """Queue the emails the process calls for, and the webhooks subscribed to
    this status. Integration clients hear only of the orders they created."""
    rule = RULES.get(event.to_status)
    if rule:
        rule(order, event, _context(order, event))
    notify.webhook_publish(
        event=f"order.{event.to_status}",
        data={
            "order": order.number,
            "status": event.to_status,
            "previous_status": event.from_status,
            "external_ref": order.external_ref,
            "transition": event.transition,
        },
        dedupe_key=f"order-event:{event.pk}",
        order=order,
        audience=lambda owner: not is_integration_client(owner) or owner.pk == order.created_by_id,
        occurred_at=event.created_at,
    )


def review_digest_send(*, now=None) -> int:
    """The managers' daily digest: orders submitted longer than
    ``REVIEW_DIGEST_AFTER_HOURS`` ago and still waiting. One email per
    manager per day, however often the job runs; none when nothing waits."""
    import datetime

    from django.db import transaction
    from django.db.models import Max
    from django.utils import timezone

    now = now or timezone.now()
    cutoff = now - datetime.timedelta(hours=settings.REVIEW_DIGEST_AFTER_HOURS)
    waiting = list(
        Order.objects.filter(status=S.SUBMITTED)
        .annotate(submitted_at=Max("events__created_at", filter=_entered_submitted()))
        .filter(submitted_at__lte=cutoff)
        .select_related("customer", "salesperson")
        .order_by("submitted_at")
    )
    if not waiting:
        return 0
    for order in waiting:
        order.waiting_hours = int((now - order.submitted_at).total_seconds() // 3600)
    context = {
        "orders": waiting,
        "hours": settings.REVIEW_DIGEST_AFTER_HOURS,
        "review_url": _url("admin:orders_order_review_queue"),
    }
    day = timezone.localdate(now).isoformat()
    sent = 0
    with transaction.atomic():
        for user in notify.staff_with_role(roles.SALES_MANAGER):
            if notify.email_enqueue(
                event="orders.review_digest",
                to=user.email,
                template="review_digest",
                language=notify.language_of(user),
                context={**context, "recipient": user},
                dedupe_key=f"review-digest:{day}:user:{user.pk}",
            ):
                sent += 1
    return sent


def _entered_submitted():
    from django.db.models import Q

    return Q(events__kind=OrderEvent.Kind.TRANSITION, events__to_status=S.SUBMITTED)
