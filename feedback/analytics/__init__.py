"""Stage analytics (issue 7 items 1 and 3), computed in the database.

Two halves:

* **The read model** (``facts``). ``OrderFact`` holds one row per order:
  when it was first submitted, approved, packed, shipped, delivered or
  cancelled, how often it was sent back, failed QC or was short-picked, its
  cases, survey rating, carrier, salesperson, channel and requested date.
  Everything is derived from the audit events (``OrderEvent``), never from
  the order's current status, by one ``INSERT … SELECT … ON CONFLICT DO
  UPDATE`` per refresh (:func:`facts_refresh`). A beat job
  (``feedback.tasks.refresh_facts``, every 5 minutes) refreshes the orders
  with events since the last refresh (:func:`facts_refresh_changed`), and the
  figures call :func:`facts_refresh_if_stale` before they read, so the
  dashboard is at most a minute behind the events.

* **The figures.** :func:`stage_figures` (``lead_times``),
  :func:`rate_figures` (``rates``) and :func:`stuck_orders` (``stuck``) are
  single SQL statements over the facts (aggregates, ``FILTER``,
  ``percentile_cont`` or window functions); only the result rows, one per
  group, come back to Python, where they get their labels (``groups``).

The same SQL runs on SQLite (``make run``, ``make test``) and PostgreSQL,
except for four vendor pieces: hours between two timestamps (``sql``); the
percentile (``percentile_cont`` on PostgreSQL; ``ROW_NUMBER``/``COUNT``
windows with the same linear interpolation on SQLite); the time-zone
conversions (Django's own backend operations, or plain arithmetic on
PostgreSQL when the zone's offset is fixed over the range); and the product
breakdown's join (a ``LATERAL`` per order on PostgreSQL). Timings and the
reasons for each choice: docs/PERFORMANCE.md, "Stage analytics".

Callers import from here (``from feedback import analytics``); the modules
are the package's own layout.
"""

from .facts import (
    REFRESH_OVERLAP,
    STALE_AFTER,
    facts_refresh,
    facts_refresh_changed,
    facts_refresh_if_stale,
)
from .groups import GROUPS
from .lead_times import STAGE_SPANS, stage_figures
from .rates import rate_figures
from .stuck import DEFAULT_TARGETS, stage_targets, stuck_orders

__all__ = [
    "DEFAULT_TARGETS",
    "GROUPS",
    "REFRESH_OVERLAP",
    "STAGE_SPANS",
    "STALE_AFTER",
    "facts_refresh",
    "facts_refresh_changed",
    "facts_refresh_if_stale",
    "rate_figures",
    "stage_figures",
    "stage_targets",
    "stuck_orders",
]
