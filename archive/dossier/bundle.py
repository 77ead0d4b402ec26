"""The dossier's bundle (documentation 5.1): ``dossier_order`` reads the order
with everything the bundle shows in a fixed number of queries;
``dossier_build`` turns it into the JSON-ready bundle."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from aftersales.models import Case, CaseEntry, FollowUp, Return, ReturnLine
from orders.models import (
    ArchiveReview,
    Customer,
    CustomerContact,
    Order,
    OrderEvent,
    OrderLine,
)
from orders.selectors import finding_message
from shipping.models import Package, Shipment, ShippingDocument

#: The bundle's keys, in the order the PDF shows them.
SECTIONS = [
    "order",
    "customer",
    "lines",
    "review_findings",
    "timeline",
    "contacts",
    "shipments",
    "documents",
    "follow_ups",
    "cases",
    "returns",
    "survey",
    "archive",
]


# --- reading ---------------------------------------------------------------------------


def dossier_order(*, orders: QuerySet[Order], number: str) -> Order:
    """The order ``number`` from ``orders`` (the caller's visible orders) with
    everything its dossier shows, in a fixed number of queries whatever its
    history. Raises ``Order.DoesNotExist``."""
    lines = OrderLine.objects.select_related("product").order_by("pk")
    return (
        orders.select_related(
            "customer", "salesperson", "warehouse", "archive_record__archived_by", "survey"
        )
        .prefetch_related(
            Prefetch("lines", queryset=lines),
            Prefetch(
                "events",
                queryset=OrderEvent.objects.select_related("actor").order_by("created_at", "pk"),
            ),
            Prefetch(
                "contacts",
                queryset=CustomerContact.objects.select_related("contacted_by").order_by(
                    "contacted_at", "pk"
                ),
            ),
            Prefetch(
                "shipments",
                queryset=Shipment.objects.select_related(
                    "carrier", "service", "proposed_carrier", "shipped_by"
                ).order_by("pk"),
            ),
            Prefetch("packages", queryset=Package.objects.order_by("pk")),
            Prefetch("documents", queryset=ShippingDocument.objects.order_by("pk")),
            Prefetch(
                "follow_ups",
                queryset=FollowUp.objects.select_related("owner", "done_by").order_by(
                    "due_on", "pk"
                ),
            ),
            Prefetch(
                "cases",
                queryset=Case.objects.select_related("owner", "created_by")
                .prefetch_related(
                    Prefetch("lines", queryset=lines),
                    Prefetch(
                        "entries",
                        queryset=CaseEntry.objects.select_related("author").order_by(
                            "created_at", "pk"
                        ),
                    ),
                )
                .order_by("created_at", "pk"),
            ),
            Prefetch(
                "returns",
                queryset=Return.objects.select_related(
                    "case", "created_by", "received_by", "inspected_by"
                )
                .prefetch_related(
                    Prefetch(
                        "lines",
                        queryset=ReturnLine.objects.select_related("order_line__product").order_by(
                            "pk"
                        ),
                    )
                )
                .order_by("created_at", "pk"),
            ),
            Prefetch(
                "archive_record__reviews",
                queryset=ArchiveReview.objects.select_related("reviewer").order_by(
                    "reviewed_at", "pk"
                ),
            ),
        )
        .get(number=number)
    )


# --- the bundle --------------------------------------------------------------------------


def _dt(value) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def _date(value) -> str | None:
    return value.isoformat() if value else None


def _money(value) -> str | None:
    return None if value is None else str(Decimal(value).quantize(Decimal("0.01")))


def _user(user) -> str | None:
    return user.get_username() if user is not None else None


def _one(order: Order, name: str):
    """A reverse one-to-one (survey, archive record), or None."""
    try:
        return getattr(order, name)
    except ObjectDoesNotExist:
        return None


def _customer(customer: Customer) -> dict[str, Any]:
    return {
        "id": customer.pk,
        "name": customer.name,
        "company": customer.company,
        "contact_person": customer.contact_person,
        "phone": customer.phone,
        "email": customer.email,
        "province": customer.province,
        "city": customer.city,
        "district": customer.district,
        "street": customer.street,
        "postcode": customer.postcode,
        "address": customer.address,
        "preferred_language": customer.preferred_language,
        "credit_limit": _money(customer.credit_limit),
        "payment_terms": customer.payment_terms,
        "created_at": _dt(customer.created_at),
        "updated_at": _dt(customer.updated_at),
    }


def _line(line: OrderLine) -> dict[str, Any]:
    return {
        "id": line.pk,
        "sku": line.product.sku,
        "name": line.product.name,
        "unit": line.product.unit,
        "quantity": line.quantity,
        "unit_price": _money(line.unit_price),
        "line_total": _money(line.line_total),
        "picked_quantity": line.picked_quantity,
    }


def _shipment(shipment: Shipment, packages: list[dict]) -> dict[str, Any]:
    return {
        "carrier": shipment.carrier_name,
        "carrier_code": shipment.carrier.code if shipment.carrier else None,
        "service": shipment.service.name if shipment.service else None,
        "proposed_carrier": shipment.proposed_carrier.code if shipment.proposed_carrier else None,
        "override_reason": shipment.override_reason,
        "tracking_number": shipment.tracking_number,
        "tracking_url": shipment.tracking_url,
        "transit_days": shipment.transit_days,
        "planned_at": _dt(shipment.planned_at),
        "shipped_at": _dt(shipment.shipped_at),
        "shipped_by": _user(shipment.shipped_by),
        "delivered": shipment.delivered_at is not None,
        "delivered_at": _dt(shipment.delivered_at),
        "signed_by": shipment.signed_by,
        # Packages are recorded per order (a re-pack replaces them); every
        # one travels with the order's shipment.
        "packages": packages,
    }


def _case(case: Case) -> dict[str, Any]:
    return {
        "number": case.number,
        "kind": case.kind,
        "subject": case.subject,
        "description": case.description,
        "department": case.department,
        "owner": _user(case.owner),
        "status": case.status,
        "due_on": _date(case.due_on),
        "resolution": case.resolution,
        "resolved_at": _dt(case.resolved_at),
        "closed_at": _dt(case.closed_at),
        "created_by": _user(case.created_by),
        "created_at": _dt(case.created_at),
        "lines": [{"id": line.pk, "sku": line.product.sku} for line in case.lines.all()],
        "entries": [
            {
                "kind": entry.kind,
                "channel": entry.channel,
                "text": entry.text,
                "from_status": entry.from_status,
                "to_status": entry.to_status,
                "author": _user(entry.author),
                "at": _dt(entry.created_at),
            }
            for entry in case.entries.all()
        ],
    }


def _return(return_request: Return) -> dict[str, Any]:
    return {
        "number": str(return_request),
        "case": return_request.case.number,
        "reason": return_request.reason,
        "status": return_request.status,
        "created_by": _user(return_request.created_by),
        "created_at": _dt(return_request.created_at),
        "received_at": _dt(return_request.received_at),
        "received_by": _user(return_request.received_by),
        "inspection_notes": return_request.inspection_notes,
        "inspected_at": _dt(return_request.inspected_at),
        "inspected_by": _user(return_request.inspected_by),
        "refund_amount": _money(return_request.refund_amount),
        "lines": [
            {
                "order_line": line.order_line_id,
                "sku": line.order_line.product.sku,
                "quantity": line.quantity,
                "disposition": line.disposition,
            }
            for line in return_request.lines.all()
        ],
    }


def dossier_build(
    *, order: Order, document_url: Callable[[ShippingDocument], str]
) -> dict[str, Any]:
    """The bundle: plain JSON types (text, numbers, ISO 8601 times in the
    local zone, money as strings with two decimals, codes for statuses and
    choices). ``order`` comes from ``dossier_order``; ``document_url`` gives
    each stored document's download address (the web's or the API's).
    Survey and archive are ``null`` when the order has none."""
    packages = [
        {
            "weight_kg": _money(p.weight_kg),
            "length_cm": p.length_cm,
            "width_cm": p.width_cm,
            "height_cm": p.height_cm,
        }
        for p in order.packages.all()
    ]
    survey = _one(order, "survey")
    record = _one(order, "archive_record")
    return {
        "order": {
            "number": order.number,
            "status": order.status,
            "channel": order.channel,
            "created_at": _dt(order.created_at),
            "updated_at": _dt(order.updated_at),
            "requested_delivery_date": _date(order.requested_delivery_date),
            "payment_method": order.payment_method,
            "total": _money(order.total),
            "currency": "CNY",
            "line_count": len(order.lines.all()),
            "notes": order.notes,
            "external_ref": order.external_ref,
            "salesperson": _user(order.salesperson),
            "warehouse": order.warehouse.code,
        },
        "customer": _customer(order.customer),
        "lines": [_line(line) for line in order.lines.all()],
        "review_findings": {
            "computed_at": _dt(order.findings_computed_at),
            "findings": [{**f, "message": finding_message(f)} for f in order.review_findings],
        },
        "timeline": [
            {
                "at": _dt(event.created_at),
                "kind": event.kind,
                "transition": event.transition,
                "from_status": event.from_status,
                "to_status": event.to_status,
                "actor": _user(event.actor),
                "note": event.note,
                "data": event.data,
            }
            for event in order.events.all()
        ],
        "contacts": [
            {
                "channel": contact.channel,
                "summary": contact.summary,
                "contacted_by": _user(contact.contacted_by),
                "contacted_at": _dt(contact.contacted_at),
            }
            for contact in order.contacts.all()
        ],
        "shipments": [_shipment(s, packages) for s in order.shipments.all()],
        "documents": [
            {
                "kind": doc.kind,
                "language": doc.language,
                "filename": f"{order.number}-{doc.kind}.pdf",
                "created_at": _dt(doc.created_at),
                "download_url": document_url(doc),
            }
            for doc in order.documents.all()
        ],
        "follow_ups": [
            {
                "offset_days": f.offset_days,
                "due_on": _date(f.due_on),
                "status": f.status,
                "owner": _user(f.owner),
                "channel": f.channel,
                "usage": f.usage,
                "satisfaction": f.satisfaction,
                "notes": f.notes,
                "done_at": _dt(f.done_at),
                "done_by": _user(f.done_by),
            }
            for f in order.follow_ups.all()
        ],
        "cases": [_case(case) for case in order.cases.all()],
        "returns": [_return(r) for r in order.returns.all()],
        "survey": None
        if survey is None
        else {
            "rating": survey.rating,
            "comment": survey.comment,
            "answered_at": _dt(survey.answered_at),
            "sent_at": _dt(survey.created_at),
            "expires_at": _dt(survey.expires_at),
        },
        "archive": None
        if record is None
        else {
            "final_status": record.final_status,
            "archived_at": _dt(record.archived_at),
            "archived_by": _user(record.archived_by),
            "next_review_on": _date(record.next_review_on),
            "last_reviewed_at": _dt(record.last_reviewed_at),
            "reviews": [
                {
                    "reviewer": _user(review.reviewer),
                    "note": review.note,
                    "reviewed_at": _dt(review.reviewed_at),
                }
                for review in record.reviews.all()
            ],
        },
        "generated_at": _dt(timezone.now()),
    }
