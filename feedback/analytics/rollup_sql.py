"""The SQL that turns facts into the rollup's contributions (``rollup``):
each fact with its local day, its rate counts, the bucket of each stage's
hours (``histogram``) and one row per dimension member it counts for; those
summed per day, as counts, as sparse bucket counts, or (PostgreSQL) as
packed histograms. Vendor-neutral but for the time zones (Django's own
conversions), the products' JSON and the packing."""

from __future__ import annotations

from django.conf import settings
from django.db import connection

from ..models import OrderFact, Stage
from . import histogram
from .sql import _floor_sql, _hours_sql, _is_pg

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
    collate = ' COLLATE "C"' if _is_pg() else ""
    dims = _union(f"SELECT '{d}'{collate} AS dim" for d in _DIMS)
    member = (
        "CASE d.dim WHEN 'salesperson' THEN CAST(f.salesperson_id AS TEXT) "
        "WHEN 'channel' THEN f.channel WHEN 'carrier' THEN f.carrier ELSE '' END"
    )
    if _is_pg():
        # Sorted and grouped byte by byte: the locale's collation is several
        # times slower, and the order means nothing here.
        member = f'({member}) COLLATE "C"'
        product = "CROSS JOIN LATERAL jsonb_array_elements_text(f.products) AS p(member)"
        product_member = 'p.member COLLATE "C"'
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
        SELECT {columns}, 'product'{collate}, {product_member}
        FROM facts f {product}
    """


def _facts(table: str, *, sign: int, where: str = "1 = 1") -> str:
    """The rows of a table of facts (the facts, or a snapshot of some) with a ``sign``."""
    columns = ", ".join(
        f.column for f in OrderFact._meta.concrete_fields if f.column != "refreshed_at"
    )
    return f"SELECT {columns}, {sign} AS sign FROM {table} WHERE {where}"


def _counts_sql(members: str) -> str:
    """(day, dim, member, count columns): each day's change in the counts."""
    sums = ", ".join(f"SUM(m.sign * m.{c}) AS {c}" for c in COUNTS)
    nonzero = " OR ".join(f"SUM(m.sign * m.{c}) <> 0" for c in COUNTS)
    return f"""
        SELECT m.day, m.dim, m.member, {sums} FROM ({members}) m
        GROUP BY m.day, m.dim, m.member HAVING {nonzero}"""


def _stage_rows(members: str) -> str:
    """``members`` once per stage it measured: (day, dim, member, stage, bucket, sign)."""
    collate = ' COLLATE "C"' if _is_pg() else ""
    stages = _union(f"SELECT '{s}'{collate} AS stage" for s, _a, _b in _SPANS)
    bucket = "CASE s.stage " + " ".join(f"WHEN '{s}' THEN m.b_{s}" for s, _a, _b in _SPANS) + " END"
    return f"""
        SELECT x.* FROM (
            SELECT m.day, m.dim, m.member, s.stage, {bucket} AS bucket, m.sign
            FROM ({members}) m CROSS JOIN ({stages}) s
        ) x WHERE x.bucket IS NOT NULL"""


def _sparse_sql(members: str) -> str:
    """(day, dim, member, stage, bucket, c): the change in each day's count."""
    return f"""
        SELECT x.day, x.dim, x.member, x.stage, x.bucket, SUM(x.sign) AS c
        FROM ({_stage_rows(members)}) x
        GROUP BY x.day, x.dim, x.member, x.stage, x.bucket
        HAVING SUM(x.sign) <> 0"""


def _histograms_sql(members: str) -> str:
    """(day, dim, member, stage, n, hist) on PostgreSQL: each day's change
    as a packed histogram, the sum of ``±10^(8·bucket)`` over its durations
    (numeric, the powers computed once; a sum of numerics costs the digits
    that are not zero, so each term is cheap)."""
    powers = (
        f"SELECT b, CAST('1' || repeat('0', {histogram.FIELD} * b) AS NUMERIC) AS p "
        f"FROM generate_series(0, {histogram.BUCKETS}) b"
    )
    return f"""
        WITH powers AS MATERIALIZED ({powers})
        SELECT x.day, x.dim, x.member, x.stage, SUM(x.sign) AS n,
               SUM(CASE WHEN x.sign > 0 THEN w.p ELSE -w.p END) AS hist
        FROM ({_stage_rows(members)}) x JOIN powers w ON w.b = x.bucket
        GROUP BY x.day, x.dim, x.member, x.stage
        HAVING SUM(x.sign) <> 0 OR SUM(CASE WHEN x.sign > 0 THEN w.p ELSE -w.p END) <> 0"""
