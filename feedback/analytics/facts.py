"""The read model: ``OrderFact``, one row per order, derived from the audit
events (``OrderEvent``) by one ``INSERT … SELECT … ON CONFLICT DO UPDATE``
per refresh, never from the order's current status."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable

from django.db import connection, transaction
from django.utils import timezone

from aftersales.models import Case, Survey
from orders.models import Order, OrderEvent
from shipping.models import Carrier, Shipment

from ..models import OrderFact
from .sql import _db_datetime, _is_pg, _py_datetime, _table

logger = logging.getLogger(__name__)

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
