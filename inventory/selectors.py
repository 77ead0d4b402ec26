"""Reads of products and stock."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Case, F, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, Upper

from .models import Product, ProductCode, StockItem
from .warehouses import warehouse_default


def product_search(*, query: str, limit: int = 20) -> list[dict]:
    """Active products matching SKU, name or barcode, exact SKU first, with
    what is available (on hand − reserved) in the default warehouse: what
    sales needs to see while taking an order on the phone (process 1.2)."""
    warehouse = warehouse_default()
    available = StockItem.objects.filter(product=OuterRef("pk"), warehouse=warehouse).values(
        available=F("on_hand") - F("reserved")
    )[:1]
    products = (
        Product.objects.filter(is_active=True)
        .filter(Q(sku__icontains=query) | Q(name__icontains=query) | Q(barcode=query))
        .annotate(
            available=Coalesce(Subquery(available, output_field=IntegerField()), Value(0)),
            exact=Case(When(sku__iexact=query, then=Value(0)), default=Value(1)),
        )
        .order_by("exact", "sku")[:limit]
    )
    return [
        {
            "sku": p.sku,
            "name": p.name,
            "unit": p.unit,
            "list_price": f"{p.list_price:.2f}",
            "available": p.available,
        }
        for p in products
    ]


def product_by_code(*, code: str) -> Product | None:
    """The product a scanned or typed code names (process 3.1), or None.

    Scanners read whatever label is on the shelf, so a code is looked for
    as a barcode, then as a SKU, then as one of the products' alternative
    codes, ignoring surrounding whitespace and case. Each step is one probe
    of an expression index on ``UPPER(...)`` (see the models' indexes), and
    the first hit ends the search: a barcode scan, the usual case, costs one
    query. Validation keeps a code from naming two products
    (``services.product_code_ensure_free``), so the order of the steps only
    matters for speed.
    """
    key = (code or "").strip().upper()
    if not key:
        return None
    products = Product.objects.alias(barcode_key=Upper("barcode"), sku_key=Upper("sku"))
    product = products.filter(barcode_key=key).first() or products.filter(sku_key=key).first()
    if product is None:
        alternative = (
            ProductCode.objects.alias(key=Upper("code"))
            .filter(key=key)
            .select_related("product")
            .first()
        )
        product = alternative.product if alternative else None
    return product


@dataclass(frozen=True)
class CodeUse:
    """One place a code is already used: a product's ``barcode``, ``sku``
    or one of its alternative codes (``code``, with that row's id)."""

    product: Product
    kind: str
    code_id: int | None = None


def code_uses(*, code: str) -> list[CodeUse]:
    """Every product field and alternative code equal to ``code`` ignoring
    case and surrounding whitespace: what a new code would collide with.
    Three index probes, like ``product_by_code``."""
    key = (code or "").strip().upper()
    if not key:
        return []
    products = Product.objects.alias(barcode_key=Upper("barcode"), sku_key=Upper("sku"))
    uses = [CodeUse(p, "barcode") for p in products.filter(barcode_key=key)]
    uses += [CodeUse(p, "sku") for p in products.filter(sku_key=key)]
    alternatives = (
        ProductCode.objects.alias(key=Upper("code")).filter(key=key).select_related("product")
    )
    uses += [CodeUse(c.product, "code", c.pk) for c in alternatives]
    return uses
