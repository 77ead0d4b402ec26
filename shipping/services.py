"""Writes for shipping: planning the shipment when an order is packed, and
recording what logistics hands to the carrier (process 4.1–4.3).

The order services call these inside their transition, with the order's row
locked; each still refuses an archived order itself (documentation 5), so no
other caller can change the shipping of an order in the archive."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from orders.exceptions import OrderInvalid

from .models import Carrier, CarrierService, Shipment
from .selectors import carrier_rule_for

if TYPE_CHECKING:
    from orders.models import Order


def _refuse_archived(order: Order) -> None:
    from orders.services import order_refuse_archived  # orders.services imports this module

    order_refuse_archived(order)


def shipment_plan(*, order: Order) -> Shipment:
    """Propose carrier, service and transit days for the packed order from the
    carrier rules (address and total package weight); the labels print it.
    Replaces an earlier plan (a re-pack)."""
    _refuse_archived(order)
    weight = sum((p.weight_kg for p in order.packages.all()), Decimal("0"))
    rule = carrier_rule_for(
        province=order.customer.province, city=order.customer.city, weight_kg=weight
    )
    order.shipments.filter(shipped_at__isnull=True).delete()
    return Shipment.objects.create(
        order=order,
        carrier=rule.carrier if rule else None,
        proposed_carrier=rule.carrier if rule else None,
        service=rule.service if rule else None,
        carrier_name=rule.carrier.name if rule else "",
        transit_days=rule.transit_days if rule else None,
    )


def shipment_ship(
    *,
    order: Order,
    user,
    carrier: Carrier | str,
    tracking_number: str,
    service: CarrierService | str | None = None,
    override_reason: str = "",
) -> Shipment:
    """Record the hand-over: a known, active carrier, a tracking number that
    matches the carrier's pattern, and a reason when logistics chooses another
    carrier than the rules proposed. Raises ``OrderInvalid`` naming the field;
    a refused tracking number is told the carrier's format in words
    (``Carrier.tracking_number_format``), on the page and in the API alike."""
    _refuse_archived(order)
    errors: dict[str, list[str]] = {}
    if isinstance(carrier, str):
        carrier = Carrier.objects.filter(code=carrier.strip(), is_active=True).first()
    if carrier is None or not carrier.is_active:
        errors["carrier"] = [_("Choose one of the active carriers.")]
    tracking_number = (tracking_number or "").strip().upper()
    if not tracking_number:
        errors["tracking_number"] = [_("This field is required.")]
    elif carrier is not None and not carrier.tracking_number_valid(tracking_number):
        # The second message says what would be accepted, so logistics can
        # see a typo (or the wrong carrier) without asking anyone.
        errors["tracking_number"] = [
            _("%(number)s is not a %(carrier)s tracking number.")
            % {"number": tracking_number, "carrier": carrier.name},
            carrier.tracking_number_format,
        ]
    if isinstance(service, str) and carrier is not None:
        code = service.strip()
        service = carrier.services.filter(code=code).first() if code else None
        if code and service is None:
            errors["service"] = [_("Not a service of this carrier.")]
    elif service is not None and carrier is not None and service.carrier_id != carrier.pk:
        errors["service"] = [_("Not a service of this carrier.")]
    plan = order.shipments.filter(shipped_at__isnull=True).order_by("-pk").first()
    proposed = plan.proposed_carrier if plan else None
    if carrier is not None and proposed is not None and carrier != proposed:
        if not (override_reason or "").strip():
            errors["override_reason"] = [
                _("Say why %(carrier)s instead of the proposed %(proposed)s.")
                % {"carrier": carrier.name, "proposed": proposed.name}
            ]
    if errors:
        raise OrderInvalid(_("The shipment cannot be recorded; see the fields."), fields=errors)
    shipment = plan or Shipment(order=order)
    if service is None and plan is not None and plan.carrier == carrier:
        service = plan.service
    shipment.carrier = carrier
    shipment.carrier_name = carrier.name
    shipment.service = service
    shipment.tracking_number = tracking_number
    shipment.override_reason = (override_reason or "").strip()
    shipment.shipped_at = timezone.now()
    shipment.shipped_by = user
    shipment.save()
    return shipment


# The hand-over may be keyed in hours after the truck left (tracking numbers
# are often entered at the end of the day), so a signature shortly before the
# recorded hand-over is real; one more than a day before it is a typing error.
DELIVERY_BEFORE_HANDOVER_TOLERANCE = datetime.timedelta(days=1)


def shipment_confirm_delivery(*, order: Order, user, delivered_at, signed_by: str) -> None:
    """Process 4.3: who signed and when. A time more than a day before the
    recorded hand-over (a wrong year, say) is refused naming ``delivered_at``."""
    _refuse_archived(order)
    open_shipments = order.shipments.filter(shipped_at__isnull=False, delivered_at__isnull=True)
    last_shipped = open_shipments.aggregate(last=Max("shipped_at"))["last"]
    if (
        last_shipped is not None
        and delivered_at < last_shipped - DELIVERY_BEFORE_HANDOVER_TOLERANCE
    ):
        shipped = timezone.localtime(last_shipped).strftime("%Y-%m-%d %H:%M")
        raise OrderInvalid(
            _("Delivery cannot be before the goods were shipped (%(shipped)s).")
            % {"shipped": shipped},
            fields={
                "delivered_at": [
                    _("Enter a time after the hand-over at %(shipped)s.") % {"shipped": shipped}
                ]
            },
        )
    open_shipments.update(delivered_at=delivered_at, signed_by=signed_by, delivery_recorded_by=user)
