"""Reads of products and stock."""

from __future__ import annotations

from django.db.models import Case, F, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce

from .models import Product, StockItem
from .services import warehouse_default


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


def product_by_barcode(*, barcode: str) -> Product | None:
    """The product a scanner's code names (process 3.1), or None."""
    barcode = (barcode or "").strip()
    return Product.objects.filter(barcode=barcode).first() if barcode else None
