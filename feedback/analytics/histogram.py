"""The lead-time histograms of the rollup: fixed log-spaced buckets, their
error bound, how a histogram is packed into one integer, and which blocks of
days make up a period.

**Buckets.** Bucket 0 holds durations under a minute (``H0`` hours, and any
negative one); bucket ``i`` (1 ≤ i ≤ ``BUCKETS``) holds
``[H0·γ^(i−1), H0·γ^i)`` hours with ``γ = GAMMA = 1.02`` (2 % wide), up to
``H0·γ^750`` ≈ 46,000 hours (5.3 years; the last bucket also takes anything
longer).

**Error bound.** A value is read as its bucket's geometric middle,
``H0·γ^(i−½)`` (bucket 0: half a minute). A value ``v`` in bucket ``i`` is
within a factor ``√γ`` of that middle, so the estimate is within
``(√γ − 1)·v`` = 0.995 % of ``v``. A percentile as ``percentile_cont``
computes it, ``t = (1 − f)·v[k] + f·v[k+1]``, is read with the same weights
on the two estimates, so it is within ``(√γ − 1)·t`` too: ``REL_ERROR``
(under 1 %), plus ``ABS_ERROR`` (half a minute) when a value is under a
minute. The ranks are exact (the counts are), so only the values are
approximate; the orders measured, and every rate, are exact.

**Packing.** A histogram is one non-negative integer with bucket ``i``'s count
in its decimal digits ``8i … 8i+7`` (``FIELD``). Adding two packed histograms
adds their counts bucket by bucket, as long as no bucket of the sum reaches
10⁸ (a hundred million orders in one 2 % bucket of one period). PostgreSQL
stores them as ``numeric`` and merges them with its own ``sum``.

**Blocks.** The rollup keeps every day and every aligned block of
``LEVELS`` days (1, 7, 28, 112 and 448, counted from Monday 2001-01-01, so
blocks of 7 are Monday-to-Sunday weeks). Any period is a few of them:
:func:`blocks` covers a year with at most about 30 (typically 15), whatever
the number of orders.
"""

from __future__ import annotations

import datetime
import math
from bisect import bisect_right
from itertools import accumulate

#: Durations under a minute go to bucket 0.
H0 = 1 / 60
GAMMA = 1.02
BUCKETS = 750
#: Relative and absolute error of a percentile read from the rollup.
REL_ERROR = math.sqrt(GAMMA) - 1
ABS_ERROR = H0 / 2
#: Decimal digits per bucket in a packed histogram.
FIELD = 8

#: Block lengths in days, level 0 first. Level 1 blocks are weeks.
LEVELS = (1, 7, 28, 112, 448)
#: Day number 0 (a Monday).
EPOCH = datetime.date(2001, 1, 1)

_LN_GAMMA = math.log(GAMMA)


def bucket_sql(hours: str, *, floor_sql, least: str) -> str:
    """SQL for the bucket of ``hours`` (a column: it is read three times)."""
    index = floor_sql(f"ln({hours} * 60.0) / {_LN_GAMMA!r}")
    return (
        f"CAST(CASE WHEN {hours} IS NULL THEN NULL WHEN {hours} * 60.0 < 1.0 THEN 0 "
        f"ELSE {least}({BUCKETS}, 1 + {index}) END AS INTEGER)"
    )


def bucket_of(hours: float) -> int:
    """The bucket of a duration, as :func:`bucket_sql` computes it."""
    if hours * 60.0 < 1.0:
        return 0
    return min(BUCKETS, 1 + math.floor(math.log(hours * 60.0) / _LN_GAMMA))


def middle(bucket: int) -> float:
    """The hours a value in ``bucket`` is read as."""
    if bucket == 0:
        return H0 / 2
    return H0 * GAMMA ** (bucket - 0.5)


def pack(counts: list[int] | dict[int, int]) -> str:
    """Counts per bucket (a list, bucket 0 first, or {bucket: count}) as the
    digits of a packed histogram: the highest bucket first, the gaps zeros."""
    items = counts.items() if isinstance(counts, dict) else enumerate(counts)
    parts, below = [], 0
    for bucket, count in sorted(((b, c) for b, c in items if c), reverse=True):
        if parts:
            parts.append("0" * (FIELD * (below - bucket - 1)))
        parts.append(f"{count:0{FIELD}d}")
        below = bucket
    parts.append("0" * (FIELD * below))
    return "".join(parts).lstrip("0") or "0"


def unpack(digits: str) -> list[int]:
    """A packed histogram's digits as counts per bucket, bucket 0 first."""
    digits = digits.split(".")[0]
    digits = "0" * (-len(digits) % FIELD) + digits
    counts = [int(digits[i : i + FIELD]) for i in range(0, len(digits), FIELD)]
    counts.reverse()
    return counts


def merge(a: list[int], b: list[int]) -> list[int]:
    """Bucket-by-bucket sum of two histograms (in Python, for SQLite)."""
    if len(a) < len(b):
        a, b = b, a
    return [x + y for x, y in zip(a, b + [0] * (len(a) - len(b)), strict=True)]


def percentiles(counts: list[int], ps: tuple[float, ...] = (0.5, 0.9)) -> list[float | None]:
    """``percentile_cont(p)`` for each ``p``, read from a histogram: the same
    ranks and interpolation, each order statistic read as its bucket's
    middle. None for an empty histogram."""
    cumulative = list(accumulate(counts))
    n = cumulative[-1] if cumulative else 0
    if not n:
        return [None for _p in ps]

    def value(rank: int) -> float:
        return middle(bisect_right(cumulative, rank))

    out = []
    for p in ps:
        x = p * (n - 1)
        k = math.floor(x)
        f = x - k
        low = value(k)
        out.append(low + f * (value(k + 1) - low) if f else low)
    return out


def day_number(day: datetime.date) -> int:
    return (day - EPOCH).days


def day_of(number: int) -> datetime.date:
    return EPOCH + datetime.timedelta(days=number)


def blocks(first: int, last: int, *, top: int = len(LEVELS) - 1) -> list[tuple[int, int]]:
    """The (level, first day) of the aligned blocks, none longer than level
    ``top``, that make up the days ``first``..``last`` (day numbers, both
    included): the longest blocks that fit, the ends filled with shorter
    ones. ``top=1`` gives days and whole weeks only (for the weekly figures)."""
    out: list[tuple[int, int]] = []

    def cover(start: int, end: int, level: int) -> None:  # [start, end)
        if start >= end:
            return
        if level == 0:
            out.extend((0, d) for d in range(start, end))
            return
        size = LEVELS[level]
        low, high = -(-start // size) * size, end // size * size
        if low >= high:
            cover(start, end, level - 1)
            return
        cover(start, low, level - 1)
        out.extend((level, d) for d in range(low, high, size))
        cover(high, end, level - 1)

    cover(first, last + 1, top)
    return out
