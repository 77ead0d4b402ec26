"""Reading the rollup (``rollup``) for a period and a grouping: the blocks
that make up the period (``histogram.blocks``), summed per group in one
statement. What is read does not grow with the orders: a year is at most
17 blocks, a dimension at most a few dozen members."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import connection

from ..models import FactRollup, LeadTimeRollup
from . import histogram
from .groups import GROUPS
from .rollup import COUNTS
from .sql import _is_pg, _table


def _dim(group_by: str | None) -> str:
    if group_by is not None and group_by not in GROUPS:
        raise ValueError(f"group_by must be one of {GROUPS} or None, not {group_by!r}")
    return "" if group_by in (None, "week") else group_by


def _where(date_from: datetime.date, date_to: datetime.date, group_by: str | None) -> str:
    """The period's blocks as a predicate on ``r.level`` and ``r.day``
    (integers computed here, so written into the SQL). Weeks read days and
    whole weeks only, each inside one week."""
    top = 1 if group_by == "week" else len(histogram.LEVELS) - 1
    days: dict[int, list[int]] = {}
    first, last = histogram.day_number(date_from), histogram.day_number(date_to)
    for level, day in histogram.blocks(first, last, top=top):
        days.setdefault(level, []).append(day)
    if not days:
        return "1 = 0"
    return (
        "("
        + " OR ".join(
            f"(r.level = {level} AND r.day IN ({', '.join(map(str, ds))}))"
            for level, ds in sorted(days.items())
        )
        + ")"
    )


def _group_sql(group_by: str | None) -> str:
    # Weeks: the Monday (day numbers count from a Monday).
    return "(r.day / 7) * 7" if group_by == "week" else "r.member"


def _key(group_by: str | None, value: Any) -> Any:
    """A group as the figures key it (as ``groups._key`` does for the facts)."""
    if group_by is None:
        return None
    if group_by == "week":
        return histogram.day_of(int(value))
    if group_by in ("salesperson", "product"):
        return int(value)
    return value


def rate_counts(
    *, date_from: datetime.date, date_to: datetime.date, group_by: str | None
) -> dict[Any, tuple[int, ...]]:
    """The counts behind the rates (``rollup.COUNTS``, in that order) per
    group with at least one order: exact sums."""
    dim = _dim(group_by)
    sums = ", ".join(f"SUM(r.{c})" for c in COUNTS)
    sql = f"""
        SELECT {_group_sql(group_by)} AS g, {sums}
        FROM {_table(FactRollup)} r
        WHERE r.dim = %s AND {_where(date_from, date_to, group_by)}
        GROUP BY {_group_sql(group_by)}
        HAVING SUM(r.orders) > 0
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [dim])
        return {_key(group_by, r[0]): tuple(int(v) for v in r[1:]) for r in cursor.fetchall()}


def lead_time_histograms(
    *, date_from: datetime.date, date_to: datetime.date, group_by: str | None
) -> tuple[set, dict[tuple[Any, str], tuple[int, list[int]]]]:
    """(every group with at least one order, {(group, stage): (orders
    measured, counts per bucket)}), in one statement. PostgreSQL sums the
    packed histograms itself; SQLite's are summed here."""
    dim = _dim(group_by)
    where = _where(date_from, date_to, group_by)
    g = _group_sql(group_by)
    if _is_pg():
        histograms = f"""
            SELECT {g} AS g, r.stage, SUM(r.n) AS n, CAST(SUM(r.hist) AS TEXT) AS hist
            FROM {_table(LeadTimeRollup)} r WHERE r.dim = %s AND {where}
            GROUP BY {g}, r.stage HAVING SUM(r.n) > 0"""
    else:
        histograms = f"""
            SELECT {g} AS g, r.stage, r.n, r.hist
            FROM {_table(LeadTimeRollup)} r WHERE r.dim = %s AND {where} AND r.n <> 0"""
    groups = f"""
        SELECT {g} AS g, NULL, SUM(r.orders), NULL
        FROM {_table(FactRollup)} r WHERE r.dim = %s AND {where}
        GROUP BY {g} HAVING SUM(r.orders) > 0"""
    with connection.cursor() as cursor:
        cursor.execute(f"{histograms} UNION ALL {groups}", [dim, dim])
        rows = cursor.fetchall()
    found: set = set()
    out: dict[tuple[Any, str], tuple[int, list[int]]] = {}
    for value, stage, n, packed in rows:
        key = _key(group_by, value)
        if stage is None:
            found.add(key)
            continue
        counts = histogram.unpack(str(packed))
        if (key, stage) in out:
            before_n, before = out[(key, stage)]
            n, counts = before_n + n, histogram.merge(before, counts)
        out[(key, stage)] = (int(n), counts)
    return found, out
