"""The small SQL pieces every analytics statement uses, and the two vendor
differences below the figures: hours between two timestamps and ``floor``.
SQLite keeps datetimes as naive UTC text; these helpers hide that."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _table(model) -> str:
    return _q(model._meta.db_table)


def _is_pg() -> bool:
    return connection.vendor == "postgresql"


def _db_datetime(value: datetime.datetime) -> Any:
    """An aware datetime as the backend stores it (SQLite: naive UTC text)."""
    return connection.ops.adapt_datetimefield_value(value)


def _py_datetime(value: Any) -> datetime.datetime | None:
    """A datetime read by raw SQL: SQLite gives naive UTC text."""
    if value is None or isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return value
    if isinstance(value, str):
        value = parse_datetime(value)
    return timezone.make_aware(value, datetime.UTC)


def _hours_sql(start: str, end: str) -> str:
    """Hours from ``start`` to ``end`` (SQL expressions) as a double."""
    if _is_pg():
        # date_part gives float8 (EXTRACT gives numeric since PostgreSQL 14,
        # which sorts several times slower).
        return f"(date_part('epoch', {end} - {start}) / 3600.0)"
    # julianday keeps milliseconds, which is all hours to 6 places need.
    return f"((julianday({end}) - julianday({start})) * 24.0)"


def _floor_sql(expr: str) -> str:
    # CAST(… AS INTEGER) truncates on SQLite (exactly floor for x >= 0) but
    # rounds on PostgreSQL.
    return f"floor({expr})" if _is_pg() else f"CAST({expr} AS INTEGER)"
