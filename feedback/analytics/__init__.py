"""Stage analytics (issue 7 items 1 and 3), computed in the database.

Three parts:

* **The read model** (``facts``). ``OrderFact`` holds one row per order:
  when it was first submitted, approved, packed, shipped, delivered or
  cancelled, how often it was sent back, failed QC or was short-picked, its
  cases, survey rating, carrier, salesperson, channel, requested date and
  products. Everything is derived from the audit events (``OrderEvent``),
  never from the order's current status, by one ``INSERT … SELECT … ON
  CONFLICT DO UPDATE`` per refresh (:func:`facts_refresh`). A beat job
  (``feedback.tasks.refresh_facts``, every 5 minutes) refreshes the orders
  with events since the last refresh (:func:`facts_refresh_changed`), and the
  figures call :func:`facts_refresh_if_stale` before they read, so the
  dashboard is at most a minute behind the events.

* **The rollup** (``rollup``, ``histogram``). The facts summed per block of
  local days (a day, a week, 4, 16 and 64 weeks) × dimension member (all
  orders, each salesperson, channel, carrier and product): exact counts for
  the rates, and per stage a histogram of the hours in 2 % wide log-spaced
  buckets. Refreshed with the facts, in the same transaction: a refresh of
  some orders takes their old contribution out and puts the new one in. A
  figure for any period reads a few blocks (a year: at most 17), so it costs
  the same at a thousand orders as at millions.

* **The figures.** :func:`rate_figures` (``rates``) sums the rollup's counts:
  exact. :func:`stage_figures` (``lead_times``) computes the percentiles
  exactly over the facts (``percentile_cont``, or window functions on
  SQLite) while the period holds up to ``EXACT_LIMIT`` durations, and reads
  them from the rollup's histograms above that: then each is within
  ``REL_ERROR`` (under 1 %) of the exact value, its rows say ``approximate``
  and the dashboard says so. :func:`stuck_orders` (``stuck``) reads the facts'
  partial indexes. Only the result rows, one per group, come back to Python,
  where they get their labels (``groups``).

The same code runs on SQLite (``make run``, ``make test``) and PostgreSQL,
except for a few vendor pieces: hours between two timestamps (``sql``); the
percentile (``percentile_cont`` on PostgreSQL; ``ROW_NUMBER``/``COUNT``
windows with the same linear interpolation on SQLite); the time-zone
conversions (Django's own backend operations, or plain arithmetic on
PostgreSQL when the zone's offset is fixed over the range); the product
breakdown's join (a ``LATERAL`` per order on PostgreSQL); and the rollup's
histograms (packed into ``numeric`` and summed by PostgreSQL, merged in
Python on SQLite). Timings and the reasons for each choice:
docs/PERFORMANCE.md, "Stage analytics".

Callers import from here (``from feedback import analytics``); the modules
are the package's own layout.
"""

import math

from .facts import (
    REFRESH_OVERLAP,
    STALE_AFTER,
    facts_refresh,
    facts_refresh_changed,
    facts_refresh_if_stale,
    rollup_rebuild,
)
from .groups import GROUPS
from .histogram import REL_ERROR
from .lead_times import EXACT_LIMIT, STAGE_SPANS, stage_figures
from .rates import rate_figures
from .stuck import DEFAULT_TARGETS, stage_targets, stuck_orders

#: What the dashboard states as the bound of a percentile read from the
#: rollup: ``REL_ERROR`` (0.995 %) rounded up to a tenth of a percent.
ERROR = math.ceil(REL_ERROR * 1000) / 1000

__all__ = [
    "DEFAULT_TARGETS",
    "ERROR",
    "EXACT_LIMIT",
    "GROUPS",
    "REFRESH_OVERLAP",
    "REL_ERROR",
    "STAGE_SPANS",
    "STALE_AFTER",
    "facts_refresh",
    "facts_refresh_changed",
    "facts_refresh_if_stale",
    "rate_figures",
    "rollup_rebuild",
    "stage_figures",
    "stage_targets",
    "stuck_orders",
]
