"""The rollup the dashboard reads (``feedback.rollup_models``): for every
block of days (``histogram.LEVELS``) × dimension member, the exact counts
behind the rates (``FactRollup``) and, per stage, how many orders were
measured and a histogram of their hours (``LeadTimeRollup``).

Maintained with the facts, in the same transaction and under the same lock
(``facts``): a full refresh rebuilds it from every fact (:func:`rebuild`); a
refresh of some orders copies their facts as they were (:func:`snapshot`),
lets the facts be rewritten, then takes the old contribution of each out and
puts the new one in (:func:`apply_changes`), so its cost follows the orders
that changed, not the size of the history.

Each contribution is first summed per day (level 0), in SQL
(``rollup_sql``): a fact counts once for all orders, its salesperson, its
channel, its carrier and each distinct product on its lines
(``OrderFact.products``), and for each stage it reached both ends of, in the
bucket of its hours. Each longer block is the sum of the blocks one level
down. On PostgreSQL everything is set-based SQL, the histograms packed into
``numeric`` (``histogram``) and summed with ``+``; a rebuild goes a few
weeks of facts at a time, so that its hash tables stay in memory. On SQLite
the histograms are merged in Python.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db import connection
from django.utils import timezone

from orders.models import OrderEvent

from ..models import FactRollup, LeadTimeRollup, OrderFact
from . import histogram
from .rollup_sql import (
    COUNTS,  # noqa: F401 (read by rollup_read)
    STAGE_SPANS,  # noqa: F401 (read by lead_times)
    _counts_sql,
    _facts,
    _histograms_sql,
    _members_sql,
    _sparse_sql,
)
from .sql import _is_pg, _table

#: Temporary tables of one refresh: the orders it rewrites, their facts
#: before and after, and the change in the rollup's days and blocks.
CHANGED = "rollup_changed"
OLD = "rollup_old"
NEW = "rollup_new"
DELTA_COUNTS = "rollup_delta_counts"
DELTA_HISTOGRAMS = "rollup_delta_histograms"
#: A rebuild sums at most this many facts, and days, at a time
#: (PostgreSQL), so that each statement's hash tables stay in memory.
BATCH_FACTS = 100_000
BATCH_DAYS = 28


def _layout(model) -> tuple[str, list[str]]:
    """(the cell's columns after level and day, the summed columns)."""
    if model is FactRollup:
        return "dim, member", list(COUNTS)
    return "dim, member, stage", ["n", "hist"]


def _roll_up(table: str, model) -> None:
    """Every longer block of ``table`` as the sum of the blocks one level
    down (each level's blocks are whole blocks of the one below)."""
    keys, values = _layout(model)
    sums = ", ".join(f"SUM({v})" for v in values)
    with connection.cursor() as cursor:
        for level in range(1, len(histogram.LEVELS)):
            block = f"(day / {histogram.LEVELS[level]}) * {histogram.LEVELS[level]}"
            cursor.execute(
                f"INSERT INTO {table} (level, day, {keys}, {', '.join(values)}) "
                f"SELECT {level}, {block}, {keys}, {sums} FROM {table} "
                f"WHERE level = {level - 1} GROUP BY {block}, {keys}"
            )


def _add(table: str, model, cells: str) -> None:
    """Add ``cells`` (a table or a subquery with every column) to ``table``,
    cell by cell."""
    keys, values = _layout(model)
    updates = ", ".join(f"{v} = {table}.{v} + excluded.{v}" for v in values)
    columns = f"level, day, {keys}, {', '.join(values)}"
    conflict = "dim, level, day, " + keys.split(", ", 1)[1]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {cells} WHERE 1 = 1 "
            f"ON CONFLICT ({conflict}) DO UPDATE SET {updates}"
        )


def _add_days(table: str, model, select: str) -> None:
    """Add the days (level 0) that ``select`` gives to ``table``."""
    _add(table, model, f"(SELECT 0 AS level, d.* FROM ({select}) d) days")


def _apply_histograms_python(members: str) -> None:
    """SQLite: the same sums, merged in Python (small databases only)."""
    deltas: dict[tuple, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    with connection.cursor() as cursor:
        cursor.execute(_sparse_sql(members))
        for day, dim, member, stage, bucket, c in cursor.fetchall():
            for level, size in enumerate(histogram.LEVELS):
                deltas[(level, day // size * size, dim, member, stage)][bucket] += c
        if not deltas:
            return
        table = _table(LeadTimeRollup)
        cursor.execute(f"SELECT level, day, dim, member, stage, n, hist FROM {table}")
        current = {tuple(r[:5]): (r[5], str(r[6])) for r in cursor.fetchall()}
        rows = []
        for cell, change in deltas.items():
            n, packed = current.get(cell, (0, "0"))
            counts = dict(enumerate(histogram.unpack(packed))) if n else {}
            for bucket, c in change.items():
                counts[bucket] = counts.get(bucket, 0) + c
            rows.append((*cell, n + sum(change.values()), histogram.pack(counts)))
        cursor.executemany(
            f"""INSERT INTO {table} (level, day, dim, member, stage, n, hist)
                VALUES (%s, %s, %s, %s, %s, %s, %s)
                ON CONFLICT (dim, level, day, member, stage)
                DO UPDATE SET n = excluded.n, hist = excluded.hist""",
            rows,
        )


def _temporary(name: str, columns: str = "") -> str:
    """CREATE for a temporary table of this transaction (PostgreSQL drops it
    at the commit; ``drop`` does elsewhere)."""
    sql = f"CREATE TEMPORARY TABLE {name}" + (f" ({columns})" if columns else "")
    return sql + (" ON COMMIT DROP" if _is_pg() else "")


def _settings() -> None:
    if _is_pg():
        with connection.cursor() as cursor:
            # In memory: each statement's sorts and hash tables (SET LOCAL lasts
            # to the commit); no JIT, whose compiling costs more than it saves here.
            cursor.execute("SET LOCAL work_mem = '256MB'")
            cursor.execute("SET LOCAL jit = off")


def _batches() -> list[str]:
    """Predicates on ``created_at`` that split the facts into runs of whole
    local days of about ``BATCH_FACTS`` facts each (PostgreSQL; all at once
    on SQLite)."""
    if not _is_pg():
        return ["1 = 1"]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT MIN(created_at), MAX(created_at), COUNT(*) FROM {_table(OrderFact)}"
        )
        first, last, count = cursor.fetchone()
    if not count:
        return []
    first, last = timezone.localtime(first).date(), timezone.localtime(last).date()
    days = (last - first).days + 1
    step = max(1, min(BATCH_DAYS, days * BATCH_FACTS // count))
    tz = timezone.get_default_timezone()

    def midnight(day: datetime.date) -> str:
        at = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min), tz)
        return "'" + at.isoformat() + "'::timestamptz"

    return [
        f"created_at >= {midnight(first + datetime.timedelta(days=d))} "
        f"AND created_at < {midnight(first + datetime.timedelta(days=d + step))}"
        for d in range(0, days, step)
    ]


def rebuild() -> None:
    """The whole rollup again from every fact (inside the facts' transaction):
    the days, a batch of days at a time, then each longer block from the
    blocks below."""
    _settings()
    counts, lead = _table(FactRollup), _table(LeadTimeRollup)
    with connection.cursor() as cursor:
        for table in (counts, lead):
            cursor.execute(f"DELETE FROM {table}")
    for where in _batches():
        members = _members_sql(_facts(_table(OrderFact), sign=1, where=where))
        # Added, not inserted: a day that two batches share (a time zone's
        # change at midnight) is summed like any other.
        _add_days(counts, FactRollup, _counts_sql(members))
        if _is_pg():
            _add_days(lead, LeadTimeRollup, _histograms_sql(members))
        else:
            _apply_histograms_python(members)
    _roll_up(counts, FactRollup)
    if _is_pg():
        _roll_up(lead, LeadTimeRollup)


def changed_scope(column: str) -> str:
    """``column`` is one of the orders of this refresh (``mark_changed``)."""
    ids = f"SELECT order_id FROM {CHANGED}"
    return f"{column} = ANY(ARRAY({ids}))" if _is_pg() else f"{column} IN ({ids})"


def mark_changed(*, ids: list[int] | None = None, since=None) -> int:
    """The orders this refresh rewrites: ``ids``, or those with an event at
    or after ``since`` (a database value); into the temporary table
    ``CHANGED``. Returns how many."""
    drop()
    with connection.cursor() as cursor:
        cursor.execute(_temporary(CHANGED, "order_id integer PRIMARY KEY"))
        if ids is not None:
            if _is_pg():
                cursor.execute(f"INSERT INTO {CHANGED} SELECT unnest(%s::integer[])", [ids])
            else:
                cursor.executemany(f"INSERT INTO {CHANGED} VALUES (%s)", [(i,) for i in ids])
            return len(ids)
        cursor.execute(
            f"INSERT INTO {CHANGED} SELECT DISTINCT order_id "
            f"FROM {_table(OrderEvent)} WHERE created_at >= %s",
            [since],
        )
        return cursor.rowcount


def snapshot(name: str = OLD) -> None:
    """The changed orders' facts as they are now: before the refresh rewrites
    them (``OLD``), or after (``NEW``)."""
    with connection.cursor() as cursor:
        cursor.execute(
            _temporary(name)
            + " AS "
            + _facts(_table(OrderFact), sign=1, where=changed_scope("order_id"))
        )


def apply_changes() -> None:
    """Take the ``OLD`` snapshot's contribution out and the rewritten facts'
    in: each day's change, rolled up to the longer blocks, added to the rollup."""
    _settings()
    snapshot(NEW)
    members = _members_sql(f"{_facts(NEW, sign=1)} UNION ALL {_facts(OLD, sign=-1)}")
    with connection.cursor() as cursor:
        cursor.execute(
            _temporary(DELTA_COUNTS) + f" AS SELECT 0 AS level, d.* FROM ({_counts_sql(members)}) d"
        )
        if _is_pg():
            cursor.execute(
                _temporary(DELTA_HISTOGRAMS)
                + f" AS SELECT 0 AS level, d.* FROM ({_histograms_sql(members)}) d"
            )
    _roll_up(DELTA_COUNTS, FactRollup)
    _add(_table(FactRollup), FactRollup, DELTA_COUNTS)
    if _is_pg():
        _roll_up(DELTA_HISTOGRAMS, LeadTimeRollup)
        _add(_table(LeadTimeRollup), LeadTimeRollup, DELTA_HISTOGRAMS)
    else:
        _apply_histograms_python(members)
    drop()


def drop() -> None:
    with connection.cursor() as cursor:
        for name in (DELTA_HISTOGRAMS, DELTA_COUNTS, NEW, OLD, CHANGED):
            cursor.execute(f"DROP TABLE IF EXISTS {name}")
