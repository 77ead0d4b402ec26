"""The default warehouse, which services and reads both need."""

from __future__ import annotations

from .models import Warehouse


def warehouse_default() -> Warehouse:
    """The warehouse orders reserve from; created on first use so a fresh
    database always has one."""
    warehouse = Warehouse.objects.filter(is_default=True).first()
    if warehouse is None:
        warehouse, _created = Warehouse.objects.get_or_create(
            code="MAIN", defaults={"name": "主仓库", "is_default": True}
        )
    return warehouse
