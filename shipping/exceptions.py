"""The shipping stage's refusals. They are the order's: a shipment that
cannot be recorded is an order input that fails a rule (400, ``invalid``)."""

from orders.exceptions import OrderInvalid


class ShipmentInvalid(OrderInvalid):
    """A carrier, service, tracking number or delivery that fails a rule,
    with the fields at fault."""
