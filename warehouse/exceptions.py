"""The warehouse stage's refusals. They are the order's: a pick, a shortage
report, a check or a package that fails a rule is an order input that fails
a rule (400, ``invalid``), with the fields at fault."""

from orders.exceptions import OrderInvalid


class WarehouseInvalid(OrderInvalid):
    """A scan, quantity, shortage, checklist or package the warehouse cannot record."""
