"""Orders stuck in a stage: in it (by the facts) for longer than its target."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from orders.models import Order
from orders_site.forms import person_name

from ..models import OrderFact, Stage, StageTarget
from .facts import facts_refresh_if_stale
from .sql import _db_datetime, _py_datetime, _table

#: Hours an order may spend in a stage before it counts as stuck, when no
#: ``StageTarget`` row says otherwise.
DEFAULT_TARGETS: dict[str, float] = {
    Stage.INTAKE: 24.0,
    Stage.REVIEW: 24.0,
    Stage.FULFILMENT: 48.0,
    Stage.HANDOVER: 24.0,
    Stage.TRANSIT: 120.0,
}

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
