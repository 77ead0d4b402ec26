"""Stage analytics (issue 7 items 1 and 3), computed in the database.

Two halves:

* **The read model.** ``OrderFact`` holds one row per order: when it was
  first submitted, approved, packed, shipped, delivered or cancelled, how
  often it was sent back, failed QC or was short-picked, its cases, survey
  rating, carrier, salesperson, channel and requested date. Everything is
  derived from the audit events (``OrderEvent``), never from the order's
  current status, by one ``INSERT … SELECT … ON CONFLICT DO UPDATE`` per
  refresh (:func:`facts_refresh`). A beat job (``feedback.tasks.refresh_facts``,
  every 5 minutes) refreshes the orders with events since the last refresh
  (:func:`facts_refresh_changed`), and the figures call
  :func:`facts_refresh_if_stale` before they read, so the dashboard is at
  most a minute behind the events.

* **The figures.** :func:`stage_figures`, :func:`rate_figures` and
  :func:`stuck_orders` are single SQL statements over the facts (aggregates,
  ``FILTER``, ``percentile_cont`` or window functions); only the result rows,
  one per group, come back to Python, where they get their labels.

The same SQL runs on SQLite (``make run``, ``make test``) and PostgreSQL,
except for four vendor pieces: hours between two timestamps; the percentile
(``percentile_cont`` on PostgreSQL; ``ROW_NUMBER``/``COUNT`` windows with the
same linear interpolation on SQLite); the time-zone conversions (Django's own
backend operations, or plain arithmetic on PostgreSQL when the zone's offset
is fixed over the range); and the product breakdown's join (a ``LATERAL``
per order on PostgreSQL). Timings and the reasons for each choice:
docs/PERFORMANCE.md, "Stage analytics".
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from aftersales.models import Case, Survey
from inventory.models import Product
from orders.models import Order, OrderEvent, OrderLine
from orders_site.forms import person_name
from shipping.models import Carrier, Shipment

from .models import OrderFact, Stage, StageTarget

logger = logging.getLogger(__name__)

GROUPS = ["week", "salesperson", "channel", "carrier", "product"]

#: Hours an order may spend in a stage before it counts as stuck, when no
#: ``StageTarget`` row says otherwise.
DEFAULT_TARGETS: dict[str, float] = {
    Stage.INTAKE: 24.0,
    Stage.REVIEW: 24.0,
    Stage.FULFILMENT: 48.0,
    Stage.HANDOVER: 24.0,
    Stage.TRANSIT: 120.0,
}

#: Each measured stage: the fact column it starts at and the one it ends at.
STAGE_SPANS: dict[str, tuple[str, str]] = {
    Stage.INTAKE: ("created_at", "submitted_at"),
    Stage.REVIEW: ("submitted_at", "approved_at"),
    Stage.FULFILMENT: ("approved_at", "packed_at"),
    Stage.HANDOVER: ("packed_at", "shipped_at"),
    Stage.TRANSIT: ("shipped_at", "delivered_at"),
    Stage.END_TO_END: ("created_at", "delivered_at"),
}

#: A refresh looks again at events this much older than the last refresh: an
#: event is stamped (in Python) before its transaction commits, so a
#: transaction that was still open during the last refresh can commit an event
#: older than that refresh. Requests and tasks end well within this.
REFRESH_OVERLAP = datetime.timedelta(minutes=10)
#: The figures refresh the facts first when the newest is older than this.
STALE_AFTER = datetime.timedelta(minutes=1)
#: Up to this many orders, a request may build all the facts the first time.
INLINE_BUILD_LIMIT = 20_000
#: PostgreSQL advisory lock key: one refresh at a time ("FACTS" in ASCII).
_LOCK_KEY = 0x4641435453

# Transition names (the ``@transition`` methods on ``Order``) that the facts read.
_FIRST = {
    "submitted_at": "submit",
    "approved_at": "approve",
    "packed_at": "pack",
    "shipped_at": "ship",
    "delivered_at": "confirm_delivery",
    "cancelled_at": "cancel",
}
_COUNTED = {
    "adjustments": "request_adjustment",
    "qc_failures": "fail_qc",
    "short_picks": "report_shortage",
}
_FACT_COLUMNS = [
    "order_id",
    "created_at",
    *_FIRST,
    *_COUNTED,
    "cases",
    "satisfaction",
    "salesperson_id",
    "channel",
    "carrier",
    "requested_delivery_date",
    "refreshed_at",
]
# SQLite allows 32766 bound parameters; keep well below.
_SQLITE_CHUNK = 900


# --- small SQL helpers ------------------------------------------------------------------


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


def _local_bounds(date_from: datetime.date, date_to: datetime.date) -> tuple[Any, Any]:
    """[start, end) instants of whole local days date_from..date_to."""
    tz = timezone.get_default_timezone()
    start = timezone.make_aware(datetime.datetime.combine(date_from, datetime.time.min), tz)
    end = timezone.make_aware(
        datetime.datetime.combine(date_to + datetime.timedelta(days=1), datetime.time.min), tz
    )
    return _db_datetime(start), _db_datetime(end)


# --- the read model ---------------------------------------------------------------------


def _upsert_sql(scope: str) -> str:
    """The one statement that (re)builds facts.

    ``scope`` is a predicate on ``{col}``, the order id (or ``1 = 1``),
    applied inside every grouped subquery so that a targeted refresh reads
    only its orders' events, cases and shipments: PostgreSQL does not push a
    filter on the outer order id through ``GROUP BY`` on its own.
    """
    ev, o = _table(OrderEvent), _table(Order)
    firsts = ",\n".join(
        f"MIN(CASE WHEN transition = '{name}' THEN created_at END) AS {col}"
        for col, name in _FIRST.items()
    )
    counts = ",\n".join(
        f"COUNT(*) FILTER (WHERE transition = '{name}') AS {col}" for col, name in _COUNTED.items()
    )
    wanted = ", ".join(f"'{n}'" for n in [*_FIRST.values(), *_COUNTED.values()])
    inner_scope = scope.format(col="order_id")
    outer_scope = scope.format(col="o.id")
    assignments = ",\n".join(f"{c} = excluded.{c}" for c in _FACT_COLUMNS if c != "order_id")
    return f"""
        INSERT INTO {_table(OrderFact)} ({", ".join(_FACT_COLUMNS)})
        SELECT
            o.id, o.created_at,
            {", ".join(f"ev.{c}" for c in _FIRST)},
            {", ".join(f"COALESCE(ev.{c}, 0)" for c in _COUNTED)},
            COALESCE(cs.n, 0), sv.rating,
            o.salesperson_id, o.channel, COALESCE(ca.code, ''), o.requested_delivery_date,
            %s
        FROM {o} o
        LEFT JOIN (
            SELECT order_id, {firsts}, {counts}
            FROM {ev}
            WHERE kind = '{OrderEvent.Kind.TRANSITION}' AND transition IN ({wanted})
              AND {inner_scope}
            GROUP BY order_id
        ) ev ON ev.order_id = o.id
        LEFT JOIN (
            SELECT order_id, COUNT(*) AS n FROM {_table(Case)} WHERE {inner_scope} GROUP BY order_id
        ) cs ON cs.order_id = o.id
        LEFT JOIN {_table(Survey)} sv ON sv.order_id = o.id
        LEFT JOIN (
            SELECT order_id, MAX(id) AS id FROM {_table(Shipment)} WHERE {inner_scope}
            GROUP BY order_id
        ) ls ON ls.order_id = o.id
        LEFT JOIN {_table(Shipment)} sh ON sh.id = ls.id
        LEFT JOIN {_table(Carrier)} ca ON ca.id = sh.carrier_id
        WHERE {outer_scope}
        ORDER BY o.id
        ON CONFLICT (order_id) DO UPDATE SET {assignments}
    """


def _upsert(scope: str, scope_params: list, *, now: datetime.datetime) -> int:
    # The scope appears in four places (three subqueries and the outer WHERE).
    params = [_db_datetime(now), *scope_params * 4]
    with connection.cursor() as cursor:
        if _is_pg():
            # A full rebuild aggregates every event in one hash table.
            cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute(_upsert_sql(scope), params)
        return max(cursor.rowcount, 0)


def _lock(*, wait: bool) -> bool:
    """One refresh at a time on PostgreSQL (SQLite serialises writers anyway).
    Transaction-scoped: released at commit or rollback."""
    if not _is_pg():
        return True
    with connection.cursor() as cursor:
        if wait:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
            return True
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [_LOCK_KEY])
        return bool(cursor.fetchone()[0])


def facts_refresh(*, order_ids: Iterable[int] | None = None) -> int:
    """Rebuild the facts of ``order_ids`` (every order when None) from the
    audit events, in one set-based upsert (on SQLite one per 900 ids).

    The timestamps are each transition's *first* occurrence (an order sent
    back and resubmitted keeps its first submission; one re-approved after a
    short pick keeps its first approval), the counts are the number of
    ``request_adjustment``, ``fail_qc`` and ``report_shortage`` transitions,
    the carrier is the latest shipment's. Running it twice gives the same
    rows. Returns the number of facts written."""
    now = timezone.now()
    with transaction.atomic():
        _lock(wait=True)
        if order_ids is None:
            written = _upsert("1 = 1", [], now=now)
        else:
            ids = sorted({int(i) for i in order_ids})
            if not ids:
                return 0
            if _is_pg():
                written = _upsert("{col} = ANY(%s)", [ids], now=now)
            else:
                written = 0
                for i in range(0, len(ids), _SQLITE_CHUNK):
                    chunk = ids[i : i + _SQLITE_CHUNK]
                    marks = ", ".join(["%s"] * len(chunk))
                    written += _upsert(f"{{col}} IN ({marks})", chunk, now=now)
    return written


def _watermark() -> datetime.datetime | None:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX(refreshed_at) FROM {_table(OrderFact)}")
        return _py_datetime(cursor.fetchone()[0])


def facts_refresh_changed() -> int:
    """Refresh the facts of orders with an event since the last refresh
    (less ``REFRESH_OVERLAP``), or all facts when there are none yet.

    The watermark is ``max(refreshed_at)`` (indexed) and the events are
    found through the index on ``OrderEvent.created_at``, so when nothing
    changed this costs two index probes and rewrites at most the few facts
    whose events fall in the overlap. Every change a fact reflects comes
    with an event: intake (``created``), edits (``updated``), transitions,
    survey answers (``survey``) and cases (``case``). Skips and returns 0 if
    another refresh holds the lock (PostgreSQL): readers then get facts a
    moment old rather than waiting."""
    now = timezone.now()
    with transaction.atomic():
        if not _lock(wait=False):
            return 0
        watermark = _watermark()
        if watermark is None:
            return _upsert("1 = 1", [], now=now)
        since = _db_datetime(watermark - REFRESH_OVERLAP)
        changed = f"SELECT order_id FROM {_table(OrderEvent)} WHERE created_at >= %s"
        return _upsert("{col} IN (" + changed + ")", [since], now=now)


def facts_refresh_if_stale(*, max_age: datetime.timedelta = STALE_AFTER) -> int:
    """Refresh incrementally when the newest fact is older than ``max_age``:
    what the figures below do before they read, so the dashboard is at most
    a minute behind the events even without the beat job (``make run``).
    One index probe when fresh; :func:`facts_refresh_changed` otherwise.

    With no facts at all, the first build (35 s at a million orders) is done
    here only for a small database; a large one is left to the beat job or
    ``manage.py analytics_refresh --all``, not to a web request."""
    watermark = _watermark()
    if watermark is not None and timezone.now() - watermark < max_age:
        return 0
    if watermark is None and Order.objects.count() > INLINE_BUILD_LIMIT:
        logger.warning("No order facts yet: run manage.py analytics_refresh --all")
        return 0
    return facts_refresh_changed()


# --- figures ----------------------------------------------------------------------------


def _fixed_offset(date_from: datetime.date, date_to: datetime.date) -> datetime.timedelta | None:
    """The site time zone's UTC offset if it is the same on every day of the
    range (and the week around it), else None. Asia/Shanghai has had no
    daylight saving since 1991, so for it this is always +08:00, and
    PostgreSQL can bin weeks and compare local dates by arithmetic instead of
    converting each row's time zone (2.5× faster at a million rows)."""
    tz = timezone.get_default_timezone()
    day = date_from - datetime.timedelta(days=7)
    offsets = set()
    while day <= date_to + datetime.timedelta(days=8):
        offsets.add(tz.utcoffset(datetime.datetime.combine(day, datetime.time.min)))
        day += datetime.timedelta(days=1)
    return offsets.pop() if len(offsets) == 1 else None


def _group_sql(group_by: str | None, *, offset: datetime.timedelta | None) -> tuple[str, list, str]:
    """(key expression, its params, extra FROM) for a grouping."""
    if group_by is None:
        return "NULL", [], ""
    if group_by == "week":
        # Monday 00:00 of the order's week, in the site's time zone.
        if _is_pg() and offset is not None:
            monday = datetime.datetime(2001, 1, 1, tzinfo=datetime.timezone(offset))
            return "date_bin('7 days', f.created_at, %s)", [monday], ""
        sql, params = connection.ops.datetime_trunc_sql(
            "week", "f.created_at", (), settings.TIME_ZONE
        )
        return sql, list(params), ""
    if group_by == "salesperson":
        return "f.salesperson_id", [], ""
    if group_by == "channel":
        return "f.channel", [], ""
    if group_by == "carrier":
        return "f.carrier", [], ""
    if group_by == "product":
        # An order counts once per product, however many lines name it. On
        # PostgreSQL a lateral DISTINCT per order reads the (order, product)
        # index of migration 0004 for just the orders in the range, instead of
        # de-duplicating every line ever written (3× faster for a year at a
        # million orders, 5× for a quarter).
        lines = _table(OrderLine)
        if _is_pg():
            join = (
                f"CROSS JOIN LATERAL (SELECT DISTINCT ol.product_id FROM {lines} ol "
                "WHERE ol.order_id = f.order_id) l"
            )
        else:
            join = (
                f"JOIN (SELECT DISTINCT order_id, product_id FROM {lines}) l "
                "ON l.order_id = f.order_id"
            )
        return "l.product_id", [], join
    raise ValueError(f"group_by must be one of {GROUPS} or None, not {group_by!r}")


def _on_time_sql(offset: datetime.timedelta | None) -> tuple[str, list]:
    """Delivered on or before the requested date, both as local dates."""
    if _is_pg() and offset is not None:
        # Before local midnight at the end of the requested day.
        return (
            "f.delivered_at < (f.requested_delivery_date + %s::interval) AT TIME ZONE 'UTC'",
            [datetime.timedelta(days=1) - offset],
        )
    day, params = connection.ops.datetime_cast_date_sql("f.delivered_at", (), settings.TIME_ZONE)
    return f"{day} <= f.requested_delivery_date", list(params)


def _facts_sql(
    columns: str,
    column_params: list,
    *,
    date_from: datetime.date,
    date_to: datetime.date,
    group_by: str | None,
) -> tuple[str, list]:
    """SELECT <g>, <columns> over the facts recorded in the date range."""
    key, key_params, join = _group_sql(group_by, offset=_fixed_offset(date_from, date_to))
    start, end = _local_bounds(date_from, date_to)
    sql = f"""
        SELECT {key} AS g, {columns}
        FROM {_table(OrderFact)} f {join}
        WHERE f.created_at >= %s AND f.created_at < %s
    """
    return sql, [*key_params, *column_params, start, end]


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


def _labels(group_by: str | None, keys: Iterable[Any]) -> dict[Any, str]:
    """Display labels for group keys (one small query for people or products)."""
    keys = [k for k in keys if k is not None]
    if group_by is None:
        return {None: str(_("All orders"))}
    if group_by == "week":
        return {k: f"{k.isocalendar().year}-W{k.isocalendar().week:02d}" for k in keys}
    if group_by == "salesperson":
        users = get_user_model().objects.in_bulk(keys)
        return {k: person_name(users[k]) if k in users else str(k) for k in keys}
    if group_by == "channel":
        names = dict(Order.Channel.choices)
        return {k: str(names.get(k, k)) for k in keys}
    if group_by == "carrier":
        return {k: k or str(_("no carrier")) for k in keys}
    if group_by == "product":
        products = Product.objects.in_bulk(keys)
        return {
            k: f"{products[k].sku} · {products[k].name}" if k in products else str(k) for k in keys
        }
    raise ValueError(group_by)


def _key(group_by: str | None, value: Any) -> Any:
    """A group key as Python: weeks come back as an instant (date_bin), a
    local timestamp (date_trunc) or text (SQLite) and become the Monday's date."""
    if group_by == "week" and value is not None:
        if isinstance(value, str):
            value = datetime.date.fromisoformat(value[:10])
        elif isinstance(value, datetime.datetime) and timezone.is_aware(value):
            value = timezone.localtime(value).date()
        elif isinstance(value, datetime.datetime):
            value = value.date()
    return value


def _sort_key(group_by: str | None, label: str, key: Any):
    """Weeks in time order, other groups by label, "no carrier" last."""
    if group_by == "week":
        return (False, key)
    return (key == "", label.casefold(), str(key))


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
    ``orders`` is that number; ``median_hours`` and ``p90_hours`` are
    ``percentile_cont(0.5)`` and ``(0.9)`` of the hours, None when no order
    was measured.

    One row per (group, stage), stages in ``Stage`` order; ungrouped, six
    rows with ``group`` None even for an empty range. Groups (``GROUPS``):
    ``week`` is keyed by the Monday (a ``date``, local time), ``salesperson``
    by user id, ``channel`` and ``carrier`` by code ('' is "no carrier"),
    ``product`` by product id (an order counts once per product on its
    lines). ``refresh``: bring the facts up to date first when they are
    more than a minute old (:func:`facts_refresh_if_stale`)."""
    if refresh:
        facts_refresh_if_stale()
    base, params = _facts_sql(
        _stage_hours_columns(), [], date_from=date_from, date_to=date_to, group_by=group_by
    )
    method = _method or ("percentile_cont" if _is_pg() else "window")
    with transaction.atomic():  # SET LOCAL lasts to the end of it
        if method == "percentile_cont":
            rows = _percentile_rows_pg(base, params)
        else:
            rows = _percentile_rows_window(base, params)
    found: dict[Any, dict[str, tuple]] = {}
    for g, stage, n, p50, p90 in rows:
        found.setdefault(_key(group_by, g), {})[stage] = (n, p50, p90)
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
                }
            )
    return out


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def rate_figures(
    *,
    date_from: datetime.date,
    date_to: datetime.date,
    group_by: str | None = None,
    refresh: bool = True,
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

    ``refresh`` as in :func:`stage_figures`.
    """
    if refresh:
        facts_refresh_if_stale()
    on_time, on_time_params = _on_time_sql(_fixed_offset(date_from, date_to))
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
    found = {_key(group_by, r[0]): r[1:] for r in rows}
    if group_by is None:
        found.setdefault(None, (0,) * 13)
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


# The stage an order is in now, by its facts: started (the ``since`` column
# set), not finished, not cancelled. Each predicate matches a partial index
# of migration 0003, whose column is ``since``.
_CURRENT: dict[str, tuple[str, str]] = {
    Stage.INTAKE: ("created_at", "submitted_at IS NULL AND cancelled_at IS NULL"),
    Stage.REVIEW: (
        "submitted_at",
        "submitted_at IS NOT NULL AND approved_at IS NULL AND cancelled_at IS NULL",
    ),
    Stage.FULFILMENT: (
        "approved_at",
        "approved_at IS NOT NULL AND packed_at IS NULL AND cancelled_at IS NULL",
    ),
    Stage.HANDOVER: (
        "packed_at",
        "packed_at IS NOT NULL AND shipped_at IS NULL AND cancelled_at IS NULL",
    ),
    Stage.TRANSIT: (
        "shipped_at",
        "shipped_at IS NOT NULL AND delivered_at IS NULL AND cancelled_at IS NULL",
    ),
}


def stage_targets() -> dict[str, float]:
    """Target hours per measured stage: ``StageTarget`` rows over the defaults."""
    targets = dict(DEFAULT_TARGETS)
    for stage, hours in StageTarget.objects.values_list("stage", "target_hours"):
        if stage in targets:
            targets[stage] = float(hours)
    return targets


def stuck_orders(
    *, now: datetime.datetime | None = None, limit: int = 100, refresh: bool = True
) -> list[dict]:
    """Orders that have been in their current stage (by the facts) longer
    than its target (``StageTarget.target_hours``, else ``DEFAULT_TARGETS``),
    longest first.

    Rows: ``number``, ``stage`` (``Stage``), ``since`` (when the stage
    began), ``hours`` in it at ``now``, ``target_hours``, ``salesperson``
    (display name). One query: a branch per stage reads only that stage's
    overdue orders, oldest first, from its partial index. ``refresh`` as in
    :func:`stage_figures`."""
    if refresh:
        facts_refresh_if_stale()
    now = now or timezone.now()
    targets = stage_targets()
    branches, params = [], []
    for stage, (since, where) in _CURRENT.items():
        cutoff = now - datetime.timedelta(hours=targets[stage])
        branches.append(
            f"""SELECT * FROM (
                SELECT order_id, '{stage}' AS stage, {since} AS since, salesperson_id
                FROM {_table(OrderFact)}
                WHERE {where} AND {since} < %s
                ORDER BY {since} LIMIT %s
            ) s_{stage}"""
        )
        params += [_db_datetime(cutoff), limit]
    sql = f"""
        SELECT o.number, s.stage, s.since, s.salesperson_id
        FROM ({" UNION ALL ".join(branches)}) s
        JOIN {_table(Order)} o ON o.id = s.order_id
        ORDER BY s.since, o.number
        LIMIT %s
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, limit])
        rows = cursor.fetchall()
    users = get_user_model().objects.in_bulk({r[3] for r in rows})
    out = []
    for number, stage, since, salesperson_id in rows:
        since = _py_datetime(since)
        user = users.get(salesperson_id)
        out.append(
            {
                "number": number,
                "stage": Stage(stage),
                "since": since,
                "hours": (now - since).total_seconds() / 3600,
                "target_hours": targets[stage],
                "salesperson": person_name(user) if user else "",
            }
        )
    return out
