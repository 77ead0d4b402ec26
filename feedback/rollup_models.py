"""The analytics rollup (``feedback.analytics.rollup``): the order facts
summed per block of local days × dimension, so that a dashboard figure reads
a few hundred rows whatever the number of orders.

A block is ``level`` (its length: ``feedback.analytics.histogram.LEVELS``)
and ``day``, its first day as a day number (days since Monday 2001-01-01, in
the site's time zone); a dimension is ``dim`` ('' for all orders,
``salesperson``, ``channel``, ``carrier``, ``product``) and ``member`` (the
salesperson's or product's id as text, the channel or carrier code; '' for
all orders and for "no carrier"). Maintained by the facts refresh only; never
written by hand. Imported by ``feedback.models``."""

from __future__ import annotations

from django.db import models


class PackedHistogramField(models.Field):
    """A histogram of counts as one integer: bucket ``i``'s count in decimal
    digits ``8i`` to ``8i + 7`` (``feedback.analytics.histogram``), so that
    adding two of them adds their buckets. ``numeric`` without a precision on
    PostgreSQL (up to 131,072 digits; PostgreSQL's own ``sum`` merges
    histograms), the digits as text elsewhere (SQLite: merged in Python)."""

    description = "A packed histogram (decimal digits)"

    def db_type(self, connection):
        return "numeric" if connection.vendor == "postgresql" else "text"

    def from_db_value(self, value, expression, connection):
        return None if value is None else str(value)

    def get_prep_value(self, value):
        return None if value is None else str(value)


class FactRollup(models.Model):
    """The counts behind the rates of one block × dimension member: exact sums
    of the facts of the orders recorded in the block."""

    pk = models.CompositePrimaryKey("dim", "level", "day", "member")
    level = models.PositiveSmallIntegerField("level")
    day = models.IntegerField("first day")
    dim = models.CharField("dimension", max_length=12, blank=True)
    member = models.CharField("member", max_length=40, blank=True)
    orders = models.IntegerField(default=0)
    submitted = models.IntegerField(default=0)
    adjusted = models.IntegerField(default=0)
    qc_decided = models.IntegerField(default=0)
    qc_failed = models.IntegerField(default=0)
    approved = models.IntegerField(default=0)
    short = models.IntegerField(default=0)
    delivered = models.IntegerField(default=0)
    on_time = models.IntegerField(default=0)
    cancelled = models.IntegerField(default=0)
    cases = models.IntegerField(default=0)
    rating_sum = models.IntegerField(default=0)
    rated = models.IntegerField(default=0)

    class Meta:
        verbose_name = "fact rollup"
        verbose_name_plural = "fact rollups"

    def __str__(self) -> str:
        return f"{self.level}/{self.day}/{self.dim}/{self.member}"


class LeadTimeRollup(models.Model):
    """The lead times of one stage in one block × dimension member: how many
    orders were measured (``n``) and a histogram of their hours."""

    pk = models.CompositePrimaryKey("dim", "level", "day", "member", "stage")
    level = models.PositiveSmallIntegerField("level")
    day = models.IntegerField("first day")
    dim = models.CharField("dimension", max_length=12, blank=True)
    member = models.CharField("member", max_length=40, blank=True)
    stage = models.CharField("stage", max_length=12)
    n = models.IntegerField(default=0)
    hist = PackedHistogramField(default="0")

    class Meta:
        verbose_name = "lead time rollup"
        verbose_name_plural = "lead time rollups"

    def __str__(self) -> str:
        return f"{self.level}/{self.day}/{self.dim}/{self.member}/{self.stage}"
