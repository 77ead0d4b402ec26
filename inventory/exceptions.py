from django.utils.translation import gettext as _

from orders_site.errors import DomainError


class InsufficientStock(DomainError):
    """Not enough available stock (on hand − reserved) for one or more SKUs."""

    code = "insufficient_stock"
    status = 422

    def __init__(self, shortages: dict[str, dict[str, int]]):
        skus = sorted(shortages)
        super().__init__(
            _("Not enough stock for %(skus)s.") % {"skus": ", ".join(skus)},
            skus=skus,
            shortages=shortages,
        )
        self.skus = skus
        self.shortages = shortages


class StockRuleError(DomainError):
    code = "invalid_stock_change"
    status = 422
