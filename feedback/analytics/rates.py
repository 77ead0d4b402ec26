"""The process rates (adjustments, QC failures, short picks, on time,
cancellations, cases, survey rating) per group, in one statement: sums of
the rollup's exact counts, or (``_method="facts"``, the tests' oracle) the
same counts over the facts."""

from __future__ import annotations

import datetime

from django.db import connection

from . import rollup_read
from .facts import facts_refresh_if_stale
from .groups import _facts_sql, _key, _labels, _on_time_sql, _sort_key


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def rate_figures(
    *,
    date_from: datetime.date,
    date_to: datetime.date,
    group_by: str | None = None,
    refresh: bool = True,
    _method: str | None = None,
) -> list[dict]:
    """Rates for orders recorded on the local days ``date_from``..``date_to``,
    one row per group (groups as in :func:`stage_figures`), in one query.

    ``orders``: orders recorded (drafts included). Each rate is a fraction
    (0..1), None when its denominator is 0:

    * ``adjustment_rate`` (process 2.2): submitted orders sent back for
      adjustment at least once / orders ever submitted;
    * ``qc_failure_rate`` (3.2): orders that failed QC at least once / orders
      whose QC was decided (failed at least once, or passed and packed; an
      order that passed QC and was cancelled before packing is not seen);
    * ``short_pick_rate`` (3.1): orders with a shortage reported at least
      once / orders ever approved;
    * ``on_time_rate`` (4.3): delivered orders whose delivery (local date)
      is on or before the requested delivery date / delivered orders;
    * ``cancellation_rate``: cancelled orders / orders recorded;
    * ``cases_per_100``: 100 × after-sales cases on these orders / delivered
      orders (not a fraction);
    * ``avg_satisfaction``: mean survey rating (1–5) over answered surveys.

    ``refresh`` as in :func:`stage_figures`. Read from the rollup (counts
    per block of days); ``_method="facts"`` counts over the facts instead.
    """
    if refresh:
        facts_refresh_if_stale()
    if _method == "facts":
        found = _fact_counts(date_from=date_from, date_to=date_to, group_by=group_by)
    else:
        found = rollup_read.rate_counts(date_from=date_from, date_to=date_to, group_by=group_by)
    if group_by is None:
        found.setdefault(None, (0,) * 13)
    return _rows(group_by, found)


def _fact_counts(*, date_from: datetime.date, date_to: datetime.date, group_by: str | None):
    on_time, on_time_params = _on_time_sql(date_from, date_to)
    columns = f"""
        COUNT(*) AS orders,
        COUNT(*) FILTER (WHERE f.submitted_at IS NOT NULL) AS submitted,
        COUNT(*) FILTER (WHERE f.submitted_at IS NOT NULL AND f.adjustments > 0) AS adjusted,
        COUNT(*) FILTER (WHERE f.qc_failures > 0 OR f.packed_at IS NOT NULL) AS qc_decided,
        COUNT(*) FILTER (WHERE f.qc_failures > 0) AS qc_failed,
        COUNT(*) FILTER (WHERE f.approved_at IS NOT NULL) AS approved,
        COUNT(*) FILTER (WHERE f.approved_at IS NOT NULL AND f.short_picks > 0) AS short,
        COUNT(*) FILTER (WHERE f.delivered_at IS NOT NULL) AS delivered,
        COUNT(*) FILTER (WHERE f.delivered_at IS NOT NULL AND {on_time}) AS on_time,
        COUNT(*) FILTER (WHERE f.cancelled_at IS NOT NULL) AS cancelled,
        COALESCE(SUM(f.cases), 0) AS cases,
        COALESCE(SUM(f.satisfaction), 0) AS rating_sum,
        COUNT(f.satisfaction) AS rated
    """
    base, params = _facts_sql(
        columns, on_time_params, date_from=date_from, date_to=date_to, group_by=group_by
    )
    with connection.cursor() as cursor:
        cursor.execute(f"{base} GROUP BY g", params)
        rows = cursor.fetchall()
    return {_key(group_by, r[0]): r[1:] for r in rows}


def _rows(group_by: str | None, found: dict) -> list[dict]:
    labels = _labels(group_by, found)
    out = []
    for key in sorted(found, key=lambda k: _sort_key(group_by, labels[k], k)):
        (
            orders,
            submitted,
            adjusted,
            qc_decided,
            qc_failed,
            approved,
            short,
            delivered,
            on_time,
            cancelled,
            cases,
            rating_sum,
            rated,
        ) = (int(v) for v in found[key])
        cases_rate = _ratio(cases, delivered)
        out.append(
            {
                "group": key,
                "label": labels[key],
                "orders": orders,
                "adjustment_rate": _ratio(adjusted, submitted),
                "qc_failure_rate": _ratio(qc_failed, qc_decided),
                "short_pick_rate": _ratio(short, approved),
                "on_time_rate": _ratio(on_time, delivered),
                "cancellation_rate": _ratio(cancelled, orders),
                "cases_per_100": 100 * cases_rate if cases_rate is not None else None,
                "avg_satisfaction": _ratio(rating_sum, rated),
            }
        )
    return out
