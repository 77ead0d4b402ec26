"""Every write of the shipping stage (process 4): the packages the warehouse
hands over at packing and the shipment planned for them, the ``ship`` and
``confirm_delivery`` steps of the order, and what logistics records of the
carrier's hand-over and the delivery (process 4.1–4.3).

Status changes go through the core's ``orders.transitions.transition``; the
helpers below run inside it with the order's row locked, and each still
refuses an archived order itself (documentation 5), so no other caller can
change the shipping of an order in the archive."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from inventory import services as inventory_services
from orders.models import Order
from orders.transitions import refuse_archived, transition

from .exceptions import ShipmentInvalid
from .models import Carrier, CarrierService, Package, Shipment
from .selectors import carrier_rule_for


def packages_record(*, order: Order, packages: list[dict]) -> list[Package]:
    """The packages of a packed order (weight in kg, dimensions in cm, as the
    warehouse validated them); a re-pack replaces them."""
    refuse_archived(order)
    order.packages.all().delete()
    return Package.objects.bulk_create(
        Package(
            order=order,
            weight_kg=Decimal(str(p["weight_kg"])),
            length_cm=p.get("length_cm"),
            width_cm=p.get("width_cm"),
            height_cm=p.get("height_cm"),
        )
        for p in packages
    )


def shipment_plan(*, order: Order) -> Shipment:
    """Propose carrier, service and transit days for the packed order from the
    carrier rules (address and total package weight); the labels print it.
    Replaces an earlier plan (a re-pack)."""
    refuse_archived(order)
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
    carrier than the rules proposed. Raises ``ShipmentInvalid`` naming the field;
    a refused tracking number is told the carrier's format in words
    (``Carrier.tracking_number_format``), on the page and in the API alike."""
    refuse_archived(order)
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
        raise ShipmentInvalid(_("The shipment cannot be recorded; see the fields."), fields=errors)
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
    refuse_archived(order)
    open_shipments = order.shipments.filter(shipped_at__isnull=False, delivered_at__isnull=True)
    last_shipped = open_shipments.aggregate(last=Max("shipped_at"))["last"]
    if (
        last_shipped is not None
        and delivered_at < last_shipped - DELIVERY_BEFORE_HANDOVER_TOLERANCE
    ):
        shipped = timezone.localtime(last_shipped).strftime("%Y-%m-%d %H:%M")
        raise ShipmentInvalid(
            _("Delivery cannot be before the goods were shipped (%(shipped)s).")
            % {"shipped": shipped},
            fields={
                "delivered_at": [
                    _("Enter a time after the hand-over at %(shipped)s.") % {"shipped": shipped}
                ]
            },
        )
    open_shipments.update(delivered_at=delivered_at, signed_by=signed_by, delivery_recorded_by=user)


# --- the order's steps (process 4.1-4.3) ------------------------------------


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
        shipment = shipment_ship(
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

    return transition(order=order, user=user, name="ship", note=note, before=record)


def order_confirm_delivery(
    *, order: Order, user, signed_by: str = "", delivered_at=None, note: str = ""
) -> Order:
    """Process 4.3: when and who signed; not in the future."""
    delivered_at = delivered_at or timezone.now()
    if delivered_at > timezone.now() + datetime.timedelta(minutes=5):
        raise ShipmentInvalid(
            _("Delivery cannot be in the future."),
            fields={"delivered_at": [_("Enter the time the goods were signed for.")]},
        )

    def record(locked: Order) -> dict:
        shipment_confirm_delivery(
            order=locked, user=user, delivered_at=delivered_at, signed_by=signed_by
        )
        return {"signed_by": signed_by, "delivered_at": delivered_at.isoformat()}

    # After-sales (process 5.1) reacts through its ``orders.hooks.after``
    # handler, in this transaction.
    return transition(order=order, user=user, name="confirm_delivery", note=note, before=record)
