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

Each contribution is first summed per day (level 0), in SQL: a fact counts
once for all orders, its salesperson, its channel, its carrier and each
distinct product on its lines (``OrderFact.products``), and for each stage
it reached both ends of, in the bucket of its hours. The longer blocks are
sums of days. On PostgreSQL everything is set-based SQL, the histograms
packed into ``numeric`` (``histogram``: a day's sparse counts become one
number by concatenating their digits; longer blocks and deltas are plain
``+``). On SQLite the histograms are merged in Python.
"""

from __future__ import annotations

from collections import defaultdict

from django.conf import settings
from django.db import connection

from orders.models import OrderEvent

from ..models import FactRollup, LeadTimeRollup, OrderFact, Stage
from . import histogram
from .sql import _floor_sql, _hours_sql, _is_pg, _table

#: Temporary tables of one refresh: the orders it rewrites, and their facts before.
CHANGED = "rollup_changed"
OLD = "rollup_old"

#: Each measured stage: the fact column it starts at and the one it ends at.
STAGE_SPANS: dict[str, tuple[str, str]] = {
    Stage.INTAKE: ("created_at", "submitted_at"),
    Stage.REVIEW: ("submitted_at", "approved_at"),
    Stage.FULFILMENT: ("approved_at", "packed_at"),
    Stage.HANDOVER: ("packed_at", "shipped_at"),
    Stage.TRANSIT: ("shipped_at", "delivered_at"),
    Stage.END_TO_END: ("created_at", "delivered_at"),
}
_SPANS = [(str(stage), a, b) for stage, (a, b) in STAGE_SPANS.items()]
#: The rates' counts: column → SQL per fact (0/1 unless a sum).
COUNTS = {
    "orders": "1",
    "submitted": "CASE WHEN f.submitted_at IS NOT NULL THEN 1 ELSE 0 END",
    "adjusted": "CASE WHEN f.submitted_at IS NOT NULL AND f.adjustments > 0 THEN 1 ELSE 0 END",
    "qc_decided": "CASE WHEN f.qc_failures > 0 OR f.packed_at IS NOT NULL THEN 1 ELSE 0 END",
    "qc_failed": "CASE WHEN f.qc_failures > 0 THEN 1 ELSE 0 END",
    "approved": "CASE WHEN f.approved_at IS NOT NULL THEN 1 ELSE 0 END",
    "short": "CASE WHEN f.approved_at IS NOT NULL AND f.short_picks > 0 THEN 1 ELSE 0 END",
    "delivered": "CASE WHEN f.delivered_at IS NOT NULL THEN 1 ELSE 0 END",
    "on_time": None,  # the local delivery date against the requested one: _on_time_sql()
    "cancelled": "CASE WHEN f.cancelled_at IS NOT NULL THEN 1 ELSE 0 END",
    "cases": "f.cases",
    "rating_sum": "COALESCE(f.satisfaction, 0)",
    "rated": "CASE WHEN f.satisfaction IS NOT NULL THEN 1 ELSE 0 END",
}
_DIMS = ["", "salesperson", "channel", "carrier"]  # and "product", one row per product


def _union(rows: list[str]) -> str:
    return " UNION ALL ".join(rows)


def _levels_sql() -> str:
    return _union(f"SELECT {i} AS level, {size} AS size" for i, size in enumerate(histogram.LEVELS))


def _local_date_sql(column: str) -> str:
    """A timestamp's date in the site's time zone (Django's own conversion,
    its parameters, the zone names, written into the SQL)."""
    sql, params = connection.ops.datetime_cast_date_sql(column, (), settings.TIME_ZONE)
    for value in params:
        literal = "NULL" if value is None else "'" + str(value).replace("'", "''") + "'"
        sql = sql.replace("%s", literal, 1)
    return sql


def _local_day_sql(column: str) -> str:
    """Day number (``histogram.EPOCH`` = 0) of a timestamp's local date."""
    day = _local_date_sql(column)
    epoch = histogram.EPOCH.isoformat()
    if _is_pg():
        return f"({day} - DATE '{epoch}')"
    return f"CAST(julianday({day}) - julianday('{epoch}') AS INTEGER)"


def _on_time_sql() -> str:
    day = _local_date_sql("f.delivered_at")
    on_time = f"f.delivered_at IS NOT NULL AND {day} <= f.requested_delivery_date"
    return f"CASE WHEN {on_time} THEN 1 ELSE 0 END"


def _members_sql(source: str) -> str:
    """``source`` (facts with a ``sign``) with the day, each stage's bucket
    and one row per dimension member the fact counts for."""
    least = "LEAST" if _is_pg() else "min"
    hours = ", ".join(f"{_hours_sql('f.' + a, 'f.' + b)} AS h_{s}" for s, a, b in _SPANS)
    counts = ", ".join(
        f"{_on_time_sql() if sql is None else sql} AS {c}" for c, sql in COUNTS.items()
    )
    buckets = ", ".join(
        f"{histogram.bucket_sql('h_' + s, floor_sql=_floor_sql, least=least)} AS b_{s}"
        for s, _a, _b in _SPANS
    )
    dims = _union(f"SELECT '{d}' AS dim" for d in _DIMS)
    member = (
        "CASE d.dim WHEN 'salesperson' THEN CAST(f.salesperson_id AS TEXT) "
        "WHEN 'channel' THEN f.channel WHEN 'carrier' THEN f.carrier ELSE '' END"
    )
    if _is_pg():
        product = "CROSS JOIN LATERAL jsonb_array_elements_text(f.products) AS p(member)"
        product_member = "p.member"
    else:
        product = "JOIN json_each(f.products) AS p"
        product_member = "CAST(p.value AS TEXT)"
    columns = f"f.sign, f.day, {', '.join(COUNTS)}, {', '.join('b_' + s for s, _a, _b in _SPANS)}"
    return f"""
        WITH hours AS (
            SELECT f.sign, {_local_day_sql("f.created_at")} AS day, f.salesperson_id,
                   f.channel, f.carrier, f.products, {counts}, {hours}
            FROM ({source}) f
        ),
        facts AS (SELECT h.*, {buckets} FROM hours h)
        SELECT {columns}, d.dim, {member} AS member
        FROM facts f CROSS JOIN ({dims}) d
        UNION ALL
        SELECT {columns}, 'product', {product_member}
        FROM facts f {product}
    """


def _sources(*, everything: bool) -> str:
    """Every fact once (a rebuild), or the changed orders' facts after (+1)
    and before (−1) this refresh."""
    fact_columns = ", ".join(
        f.column for f in OrderFact._meta.concrete_fields if f.column != "refreshed_at"
    )
    facts = f"SELECT {fact_columns}, {{sign}} AS sign FROM {_table(OrderFact)}"
    if everything:
        return facts.format(sign=1)
    return (
        f"{facts.format(sign=1)} WHERE order_id IN (SELECT order_id FROM {CHANGED}) "
        f"UNION ALL SELECT {fact_columns}, -1 AS sign FROM {OLD}"
    )


def _apply_counts(members: str) -> None:
    """Add the members' rate counts to every level's blocks."""
    table = _table(FactRollup)
    cols = list(COUNTS)
    sums = ", ".join(f"SUM(m.sign * m.{c}) AS {c}" for c in cols)
    nonzero = " OR ".join(f"SUM(m.sign * m.{c}) <> 0" for c in cols)
    updates = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in cols)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} (level, day, dim, member, {", ".join(cols)})
            SELECT lv.level, (c.day / lv.size) * lv.size, c.dim, c.member,
                   {", ".join(f"SUM(c.{col})" for col in cols)}
            FROM (
                SELECT m.day, m.dim, m.member, {sums} FROM ({members}) m
                GROUP BY m.day, m.dim, m.member HAVING {nonzero}
            ) c CROSS JOIN ({_levels_sql()}) lv
            WHERE 1 = 1
            GROUP BY lv.level, (c.day / lv.size) * lv.size, c.dim, c.member
            ON CONFLICT (dim, level, day, member) DO UPDATE SET {updates}
            """
        )


def _sparse_sql(members: str) -> str:
    """(day, dim, member, stage, bucket, c): the change in each day's count."""
    stages = _union(f"SELECT '{s}' AS stage" for s, _a, _b in _SPANS)
    bucket = "CASE s.stage " + " ".join(f"WHEN '{s}' THEN m.b_{s}" for s, _a, _b in _SPANS) + " END"
    return f"""
        SELECT x.day, x.dim, x.member, x.stage, x.bucket, SUM(x.sign) AS c
        FROM (
            SELECT m.day, m.dim, m.member, s.stage, {bucket} AS bucket, m.sign
            FROM ({members}) m CROSS JOIN ({stages}) s
        ) x
        WHERE x.bucket IS NOT NULL
        GROUP BY x.day, x.dim, x.member, x.stage, x.bucket
        HAVING SUM(x.sign) <> 0
    """


def _apply_histograms_pg(members: str) -> None:
    """Each day's change packed into a number (its positive and its negative
    counts each by concatenating their digits, highest bucket first, the gaps
    zero-filled), then added to every level's blocks."""
    field = histogram.FIELD
    table = _table(LeadTimeRollup)
    cell = "day, dim, member, stage"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} AS t (level, day, dim, member, stage, n, hist)
            SELECT lv.level, (d.day / lv.size) * lv.size, d.dim, d.member, d.stage,
                   SUM(d.n), SUM(d.h)
            FROM (
                SELECT {cell}, SUM(n) AS n, SUM(h) AS h
                FROM (
                    SELECT {cell}, SUM(c) AS n,
                           CASE WHEN c > 0 THEN 1 ELSE -1 END * CAST(string_agg(
                               lpad(CAST(abs(c) AS TEXT), {field}, '0')
                               || repeat('0', {field} * (bucket - lower - 1)),
                               '' ORDER BY bucket DESC) AS NUMERIC) AS h
                    FROM (
                        SELECT sp.*, COALESCE(lead(bucket) OVER (
                            PARTITION BY {cell}, c > 0 ORDER BY bucket DESC), -1) AS lower
                        FROM ({_sparse_sql(members)}) sp
                    ) ordered
                    GROUP BY {cell}, c > 0
                ) signed
                GROUP BY {cell}
            ) d CROSS JOIN ({_levels_sql()}) lv
            GROUP BY lv.level, (d.day / lv.size) * lv.size, d.dim, d.member, d.stage
            ON CONFLICT (dim, level, day, member, stage)
            DO UPDATE SET n = t.n + excluded.n, hist = t.hist + excluded.hist
            """
        )


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


def _apply(*, everything: bool) -> None:
    members = _members_sql(_sources(everything=everything))
    with connection.cursor() as cursor:
        if _is_pg():
            # The rebuild's sorts and hash tables; SET LOCAL lasts to the commit.
            cursor.execute("SET LOCAL work_mem = '256MB'")
    _apply_counts(members)
    if _is_pg():
        _apply_histograms_pg(members)
    else:
        _apply_histograms_python(members)


def rebuild() -> None:
    """The whole rollup again from every fact (inside the facts' transaction)."""
    with connection.cursor() as cursor:
        for model in (FactRollup, LeadTimeRollup):
            cursor.execute(f"DELETE FROM {_table(model)}")
    _apply(everything=True)


def mark_changed(*, ids: list[int] | None = None, since=None) -> None:
    """The orders this refresh rewrites: ``ids``, or those with an event at
    or after ``since`` (a database value); into the temporary table ``CHANGED``."""
    drop()
    temp = "CREATE TEMPORARY TABLE {name} ({columns})" + (" ON COMMIT DROP" if _is_pg() else "")
    with connection.cursor() as cursor:
        cursor.execute(temp.format(name=CHANGED, columns="order_id integer PRIMARY KEY"))
        if ids is not None:
            if _is_pg():
                cursor.execute(f"INSERT INTO {CHANGED} SELECT unnest(%s::integer[])", [ids])
            else:
                cursor.executemany(f"INSERT INTO {CHANGED} VALUES (%s)", [(i,) for i in ids])
        else:
            cursor.execute(
                f"INSERT INTO {CHANGED} SELECT DISTINCT order_id "
                f"FROM {_table(OrderEvent)} WHERE created_at >= %s",
                [since],
            )
        if _is_pg():
            cursor.execute(f"ANALYZE {CHANGED}")


def snapshot() -> None:
    """The changed orders' facts as they are before the refresh rewrites them."""
    create = "CREATE TEMPORARY TABLE {name}" + (" ON COMMIT DROP" if _is_pg() else "")
    with connection.cursor() as cursor:
        cursor.execute(
            create.format(name=OLD) + f" AS SELECT * FROM {_table(OrderFact)} "
            f"WHERE order_id IN (SELECT order_id FROM {CHANGED})"
        )


def apply_changes() -> None:
    """Take the snapshot's contribution out and the rewritten facts' in."""
    _apply(everything=False)
    drop()


def drop() -> None:
    with connection.cursor() as cursor:
        for name in (OLD, CHANGED):
            cursor.execute(f"DROP TABLE IF EXISTS {name}")
