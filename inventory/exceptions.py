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


class UnknownProductCode(DomainError):
    """A scanned or typed code names no product: not a barcode, not a SKU,
    not an alternative code. The message says where it looked, so the
    picker knows a SKU or a supplier's label would have been found too.

    ``field`` is the input the code came in (the tablet's ``code``, the
    API's ``code`` or ``barcode``). The status and code are those of any
    invalid input, as before alternative codes existed."""

    code = "invalid"
    status = 400

    def __init__(self, code: str, *, field: str = "code"):
        message = _(
            "No product has the code '%(code)s' (looked in barcodes, SKUs and alternative codes)."
        ) % {"code": code}
        super().__init__(message, fields={field: [_("Unknown code.")]})
        self.scanned = code


class ProductCodeInvalid(DomainError):
    """A product code (barcode, SKU, alternative code) that cannot be used."""

    code = "invalid"
    status = 400


class ProductCodeTaken(ProductCodeInvalid):
    """A code would name two products: it is already another product's
    barcode, SKU or alternative code (or, for a new alternative code, this
    product's own barcode, SKU or another of its codes)."""

    code = "code_taken"
