"""The read model: ``OrderFact``, one row per order, derived from the audit
events (``OrderEvent``) by one ``INSERT … SELECT … ON CONFLICT DO UPDATE``
per refresh, never from the order's current status; and, in the same
transaction, the rollup (``rollup``) that follows the facts."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable

from django.db import connection, transaction
from django.utils import timezone

from aftersales.models import Case, Survey
from orders.models import Order, OrderEvent, OrderLine
from shipping.models import Carrier, Shipment

from ..models import OrderFact
from . import rollup
from .sql import _db_datetime, _is_pg, _py_datetime, _table

logger = logging.getLogger(__name__)

#: A refresh looks again at events this much older than the last refresh: an
#: event is stamped (in Python) before its transaction commits, so a
#: transaction that was still open during the last refresh can commit an event
#: older than that refresh. Requests and tasks end well within this.
REFRESH_OVERLAP = datetime.timedelta(minutes=10)
#: The figures refresh the facts first when the newest is older than this.
STALE_AFTER = datetime.timedelta(minutes=1)
#: Up to this many orders, a request may build all the facts (and the
#: rollup) the first time.
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
    "products",
    "refreshed_at",
]


def _upsert_sql(scope: str) -> str:
    """The one statement that (re)builds facts.

    ``scope`` is a predicate on ``{col}``, the order id (or ``1 = 1``),
    applied inside every grouped subquery so that a targeted refresh reads
    only its orders' events, cases, lines and shipments: PostgreSQL does not
    push a filter on the outer order id through ``GROUP BY`` on its own.
    ``products`` are the distinct product ids of the lines, ascending.
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
    lines = _table(OrderLine)
    if _is_pg():
        products = f"""SELECT order_id, jsonb_agg(DISTINCT product_id ORDER BY product_id) AS ids
            FROM {lines} WHERE {inner_scope} GROUP BY order_id"""
        no_products = "'[]'::jsonb"
    else:
        products = f"""SELECT order_id, json_group_array(product_id) AS ids FROM (
                SELECT DISTINCT order_id, product_id FROM {lines} WHERE {inner_scope}
                ORDER BY order_id, product_id
            ) GROUP BY order_id"""
        no_products = "'[]'"
    return f"""
        INSERT INTO {_table(OrderFact)} ({", ".join(_FACT_COLUMNS)})
        SELECT
            o.id, o.created_at,
            {", ".join(f"ev.{c}" for c in _FIRST)},
            {", ".join(f"COALESCE(ev.{c}, 0)" for c in _COUNTED)},
            COALESCE(cs.n, 0), sv.rating,
            o.salesperson_id, o.channel, COALESCE(ca.code, ''), o.requested_delivery_date,
            COALESCE(pl.ids, {no_products}), %s
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
        LEFT JOIN ({products}) pl ON pl.order_id = o.id
        WHERE {outer_scope}
        ORDER BY o.id
        ON CONFLICT (order_id) DO UPDATE SET {assignments}
    """


def _upsert(scope: str, *, now: datetime.datetime) -> int:
    with connection.cursor() as cursor:
        if _is_pg():
            # A full rebuild aggregates every event in one hash table.
            cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute(_upsert_sql(scope), [_db_datetime(now)])
        return max(cursor.rowcount, 0)


def _rebuild(*, now: datetime.datetime) -> int:
    """Every fact, then the whole rollup from them."""
    written = _upsert("1 = 1", now=now)
    rollup.rebuild()
    return written


def _refresh_some(*, now: datetime.datetime, ids: list[int] | None = None, since=None) -> int:
    """The facts of ``ids`` (or of the orders with an event since ``since``),
    and the rollup: their old contribution out, the new one in."""
    if not rollup.mark_changed(ids=ids, since=since):
        rollup.drop()
        return 0
    rollup.snapshot()
    written = _upsert(rollup.changed_scope("{col}"), now=now)
    rollup.apply_changes()
    return written


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
    rows. The rollup follows in the same transaction: rebuilt with every
    fact, or adjusted for the orders given. Returns the number of facts
    written."""
    now = timezone.now()
    if order_ids is not None:
        ids = sorted({int(i) for i in order_ids})
        if not ids:
            return 0
    with transaction.atomic():
        _lock(wait=True)
        if order_ids is None:
            return _rebuild(now=now)
        return _refresh_some(now=now, ids=ids)


def rollup_rebuild() -> None:
    """The rollup again from the facts as they are (under the refresh lock):
    after a change to TIME_ZONE or to how the rollup is derived."""
    with transaction.atomic():
        _lock(wait=True)
        rollup.rebuild()


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
    survey answers (``survey``) and cases (``case``). The rollup takes those
    orders' old contribution out and their new one in (a cost that follows
    the orders changed, not the history). Skips and returns 0 if
    another refresh holds the lock (PostgreSQL): readers then get facts a
    moment old rather than waiting."""
    now = timezone.now()
    with transaction.atomic():
        if not _lock(wait=False):
            return 0
        watermark = _watermark()
        if watermark is None:
            return _rebuild(now=now)
        return _refresh_some(now=now, since=_db_datetime(watermark - REFRESH_OVERLAP))


def facts_refresh_if_stale(*, max_age: datetime.timedelta = STALE_AFTER) -> int:
    """Refresh incrementally when the newest fact is older than ``max_age``:
    what the figures below do before they read, so the dashboard is at most
    a minute behind the events even without the beat job (``make run``).
    One index probe when fresh; :func:`facts_refresh_changed` otherwise.

    With no facts at all, the first build of the facts and the rollup (4 s
    at 10,000 orders, two minutes at a million) is done here only for a
    small database; a large one is left to the beat job or
    ``manage.py analytics_refresh --all``, not to a web request."""
    watermark = _watermark()
    if watermark is not None and timezone.now() - watermark < max_age:
        return 0
    if watermark is None and Order.objects.count() > INLINE_BUILD_LIMIT:
        logger.warning("No order facts yet: run manage.py analytics_refresh --all")
        return 0
    return facts_refresh_changed()
