"""Lead time of each stage: the median and 90th percentile of the hours
between a stage's two fact columns, per group: read from the rollup's
histograms (within ``histogram.REL_ERROR``) when the period holds more than
``EXACT_LIMIT`` measured durations, else computed exactly over the facts in
one statement (``percentile_cont``, or window functions on SQLite)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import connection, transaction

from ..models import Stage
from . import histogram, rollup_read
from .facts import facts_refresh_if_stale
from .groups import _facts_sql, _key, _labels, _sort_key
from .rollup import STAGE_SPANS
from .sql import _floor_sql, _hours_sql, _is_pg

#: Up to this many durations in the period (all stages and groups: an order
#: counts once per product by product), the percentiles are exact: sorting
#: them takes under 0.1 s. Above, they come from the rollup.
EXACT_LIMIT = 200_000


def _stage_hours_columns() -> str:
    return ", ".join(
        f"{_hours_sql('f.' + a, 'f.' + b)} AS h_{stage}" for stage, (a, b) in STAGE_SPANS.items()
    )


def _percentile_rows_pg(base: str, params: list) -> list[tuple]:
    """(g, stage, n, p50, p90) with ``percentile_cont``: one sort per stage
    and group, both percentiles from the same sort. NULL hours (stage not
    reached) are ignored by ``COUNT(h)`` and ``percentile_cont`` alike."""
    cols = ", ".join(
        f"COUNT(h_{s}), percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY h_{s})"
        for s in STAGE_SPANS
    )
    with connection.cursor() as cursor:
        # A year's sort at a million orders is ~40 MB; 4 MB would spill to disk.
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute(f"SELECT g, {cols} FROM ({base}) x GROUP BY g", params)
        rows = []
        for row in cursor.fetchall():
            for i, stage in enumerate(STAGE_SPANS):
                n, pct = row[1 + 2 * i], row[2 + 2 * i]
                p50, p90 = pct if pct else (None, None)
                rows.append((row[0], stage, n, p50, p90))
        return rows


def _percentile_rows_window(base: str, params: list) -> list[tuple]:
    """(g, stage, n, p50, p90) with window functions, for SQLite (no
    percentile aggregate); also runs on PostgreSQL, where a test checks it
    against ``percentile_cont``.

    The same interpolation as ``percentile_cont(p)``: over the n values of a
    partition in ascending order, position ``x = p × (n − 1)`` (0-based);
    the value at ``floor(x)`` plus ``(x − floor(x))`` times the step to the
    next value (none needed when x is whole)."""
    unpivot = " UNION ALL ".join(
        f"SELECT g, '{s}' AS stage, h_{s} AS h FROM base WHERE h_{s} IS NOT NULL"
        for s in STAGE_SPANS
    )

    def pct(p: str) -> str:
        x = f"(CAST({p} AS DOUBLE PRECISION) * (n - 1))"
        lo = _floor_sql(x)
        v_lo = f"MAX(CASE WHEN rn = {lo} + 1 THEN h END)"
        v_hi = f"MAX(CASE WHEN rn = {lo} + 2 THEN h END)"
        return f"{v_lo} + MAX({x} - {lo}) * (COALESCE({v_hi}, {v_lo}) - {v_lo})"

    sql = f"""
        WITH base AS ({base}),
        hours AS ({unpivot}),
        ranked AS (
            SELECT g, stage, h,
                   ROW_NUMBER() OVER (PARTITION BY g, stage ORDER BY h) AS rn,
                   COUNT(*) OVER (PARTITION BY g, stage) AS n
            FROM hours
        )
        SELECT g, stage, MAX(n), {pct("0.5")}, {pct("0.9")}
        FROM ranked
        GROUP BY g, stage
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [tuple(r) for r in cursor.fetchall()]


def _exact(base: str, params: list, method: str, group_by: str | None) -> dict:
    with transaction.atomic():  # SET LOCAL lasts to the end of it
        if method == "percentile_cont":
            rows = _percentile_rows_pg(base, params)
        else:
            rows = _percentile_rows_window(base, params)
    found: dict[Any, dict[str, tuple]] = {}
    for g, stage, n, p50, p90 in rows:
        found.setdefault(_key(group_by, g), {})[stage] = (n, p50, p90)
    return found


def _from_rollup(groups: set, histograms: dict) -> dict:
    found: dict[Any, dict[str, tuple]] = {key: {} for key in groups}
    for (key, stage), (n, counts) in histograms.items():
        found.setdefault(key, {})[stage] = (n, *histogram.percentiles(counts))
    return found


def stage_figures(
    *,
    date_from: datetime.date,
    date_to: datetime.date,
    group_by: str | None = None,
    refresh: bool = True,
    _method: str | None = None,
) -> list[dict]:
    """Lead time of each stage (``feedback.models.Stage``) for orders recorded
    (``OrderFact.created_at``) on the local days ``date_from``..``date_to``.

    A stage is measured on the orders that reached both its ends: intake is
    recorded → first submitted, review first submitted → first approved (so
    a round trip for adjustment counts), fulfilment first approved → first
    packed (a short pick's second review counts), hand-over packed →
    shipped, transit shipped → delivered, end to end recorded → delivered.
    ``orders`` is that number (always exact); ``median_hours`` and
    ``p90_hours`` are ``percentile_cont(0.5)`` and ``(0.9)`` of the hours,
    None when no order was measured. ``approximate`` is True when they were
    read from the rollup: then each is within ``histogram.REL_ERROR`` (under
    1 %) of the exact value, or half a minute for durations under a minute.
    That happens when the period holds more than ``EXACT_LIMIT`` durations.

    One row per (group, stage), stages in ``Stage`` order; ungrouped, six
    rows with ``group`` None even for an empty range. Groups (``GROUPS``):
    ``week`` is keyed by the Monday (a ``date``, local time), ``salesperson``
    by user id, ``channel`` and ``carrier`` by code ('' is "no carrier"),
    ``product`` by product id (an order counts once per product on its
    lines). ``refresh``: bring the facts up to date first when they are
    more than a minute old (:func:`facts_refresh_if_stale`). ``_method``
    (tests, the benchmark): ``rollup``, ``percentile_cont`` or ``window``
    instead of the choice above."""
    if refresh:
        facts_refresh_if_stale()
    approximate = False
    found = None
    if _method in (None, "rollup"):
        period = {"date_from": date_from, "date_to": date_to, "group_by": group_by}
        groups, histograms = rollup_read.lead_time_histograms(**period)
        measured = sum(n for n, _counts in histograms.values())
        if _method == "rollup" or measured > EXACT_LIMIT:
            found, approximate = _from_rollup(groups, histograms), True
    if found is None:
        base, params = _facts_sql(
            _stage_hours_columns(), [], date_from=date_from, date_to=date_to, group_by=group_by
        )
        method = _method or ("percentile_cont" if _is_pg() else "window")
        found = _exact(base, params, method, group_by)
    if group_by is None:
        found.setdefault(None, {})
    labels = _labels(group_by, found)
    out = []
    for key in sorted(found, key=lambda k: _sort_key(group_by, labels[k], k)):
        for stage in STAGE_SPANS:
            n, p50, p90 = found[key].get(stage, (0, None, None))
            out.append(
                {
                    "group": key,
                    "label": labels[key],
                    "stage": Stage(stage),
                    "orders": int(n or 0),
                    "median_hours": float(p50) if n and p50 is not None else None,
                    "p90_hours": float(p90) if n and p90 is not None else None,
                    "approximate": approximate and bool(n),
                }
            )
    return out
