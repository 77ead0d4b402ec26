"""The analytics rollup (``feedback.analytics.rollup``) against the exact
figures over the facts, on a random history of a few thousand orders
(seeded, so every run is the same history).

* every median and 90th percentile read from the rollup is within the
  stated bound (``histogram.REL_ERROR`` of the exact value, plus
  ``ABS_ERROR`` for durations under a minute) of ``percentile_cont`` (the
  window functions on SQLite), for every grouping and several periods; the
  orders measured are equal;
* every rate from the rollup equals the rate counted over the facts;
* an incremental refresh after new events (deliveries, cancellations, edits
  to the lines, another carrier, survey answers, cases, new orders) leaves
  the rollup exactly as a rebuild from scratch does;
* on PostgreSQL, the SQL that packs the histograms gives what the Python
  merge (SQLite's) gives.
"""

from __future__ import annotations

import datetime
import random

import pytest
from django.db import connection, transaction
from django.utils import timezone

from aftersales.models import Case, Survey
from feedback.analytics import (
    GROUPS,
    facts_refresh,
    facts_refresh_changed,
    histogram,
    lead_times,
    rate_figures,
    rollup,
    rollup_sql,
    stage_figures,
)
from feedback.models import FactRollup, LeadTimeRollup, OrderFact
from inventory.models import Warehouse
from orders.models import Order, OrderEvent, OrderLine
from shipping.models import Carrier, Shipment
from tests.factories import CustomerFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db

ORDERS = 2500
STEPS = ["submit", "approve", "pack", "ship", "confirm_delivery"]


def exact_method() -> str:
    return "percentile_cont" if connection.vendor == "postgresql" else "window"


def _carrier(code: str) -> Carrier:
    return Carrier.objects.get_or_create(
        code=code, defaults={"name": code.upper(), "tracking_number_pattern": ".+"}
    )[0]


def _duration(rnd: random.Random) -> datetime.timedelta:
    """Stage lengths from seconds to months, many ties (whole minutes, hours)."""
    kind = rnd.random()
    if kind < 0.05:
        return datetime.timedelta(seconds=rnd.randint(0, 59))  # under a minute
    if kind < 0.35:
        return datetime.timedelta(minutes=rnd.choice([5, 30, 60, 90, 120, 240, 1440]))
    return datetime.timedelta(hours=rnd.expovariate(1 / rnd.choice([0.5, 4, 24, 100, 400])))


def _events(rows: list[tuple[int, str, datetime.datetime]]) -> None:
    """Transition events at given times (``created_at`` is auto_now_add)."""
    made = OrderEvent.objects.bulk_create(
        OrderEvent(order_id=o, kind=OrderEvent.Kind.TRANSITION, transition=t) for o, t, _w in rows
    )
    with connection.cursor() as cursor:
        cursor.executemany(
            "UPDATE orders_orderevent SET created_at = %s WHERE id = %s",
            [(when, e.pk) for e, (_o, _t, when) in zip(made, rows, strict=True)],
        )


@pytest.fixture
def history(db):
    """``ORDERS`` orders recorded over 400 days before 1 March 2026 with
    random paths, lines, carriers, surveys and cases."""
    rnd = random.Random(20260301)
    people = [UserFactory(username=f"sales{i}", roles=["Sales"]) for i in range(4)]
    products = [ProductFactory(sku=f"R{i}") for i in range(6)]
    carriers = [_carrier(code) for code in ("sf", "zto", "ems")]
    warehouse = Warehouse.objects.first() or Warehouse.objects.create(code="W", name="W")
    customer = CustomerFactory()
    end = datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC)
    orders = Order.objects.bulk_create(
        Order(
            number=f"RND{i:06d}",
            customer=customer,
            salesperson=rnd.choice(people),
            channel=rnd.choice(["phone", "email", "api", "online_store"]),
            requested_delivery_date=datetime.date(2025, 1, 1),
            payment_method="bank_transfer",
            warehouse=warehouse,
        )
        for i in range(ORDERS)
    )
    recorded, lines, events, shipments, surveys, cases = [], [], [], [], [], []
    for order in orders:
        t = end - datetime.timedelta(minutes=rnd.randint(0, 400 * 24 * 60))
        requested = (t + datetime.timedelta(days=rnd.randint(1, 12))).date()
        recorded.append((t, requested, order.pk))
        for product in rnd.choices(products, k=rnd.randint(1, 3)):  # repeats: one product
            lines.append(
                OrderLine(order=order, product=product, quantity=1, unit_price=1, line_total=1)
            )
        events.append((order.pk, "", t))
        for step in STEPS:
            if rnd.random() < 0.08:
                break
            t += _duration(rnd)
            events.append((order.pk, step, t))
            if step == "submit" and rnd.random() < 0.1:
                events.append((order.pk, "request_adjustment", t))
            if step == "approve" and rnd.random() < 0.05:
                events.append((order.pk, rnd.choice(["report_shortage", "fail_qc"]), t))
            if step == "ship":
                for _n in range(rnd.choice([1, 1, 1, 2])):
                    shipments.append(Shipment(order=order, carrier=rnd.choice(carriers)))
            if step == "confirm_delivery":
                if rnd.random() < 0.4:
                    surveys.append(
                        Survey(
                            order=order,
                            token_hash=f"{order.pk:064d}",
                            expires_at=end,
                            rating=rnd.randint(1, 5),
                        )
                    )
                if rnd.random() < 0.05:
                    cases.append(order)
        else:
            continue
        if rnd.random() < 0.3:
            events.append((order.pk, "cancel", t + _duration(rnd)))
    with connection.cursor() as cursor:
        cursor.executemany(
            "UPDATE orders_order SET created_at = %s, requested_delivery_date = %s WHERE id = %s",
            recorded,
        )
    OrderLine.objects.bulk_create(lines)
    created = [(o, t, w) for o, t, w in events if t == ""]
    _events([(o, t, w) for o, t, w in events if t])
    made = OrderEvent.objects.bulk_create(
        OrderEvent(order_id=o, kind=OrderEvent.Kind.CREATED) for o, _t, _w in created
    )
    with connection.cursor() as cursor:
        cursor.executemany(
            "UPDATE orders_orderevent SET created_at = %s WHERE id = %s",
            [(w, e.pk) for e, (_o, _t, w) in zip(made, created, strict=True)],
        )
    Shipment.objects.bulk_create(shipments)
    Survey.objects.bulk_create(surveys)
    Case.objects.bulk_create(
        Case(
            order=o,
            kind="complaint",
            subject="x",
            department="quality",
            owner=people[0],
            due_on=datetime.date(2026, 3, 1),
        )
        for o in cases
    )
    facts_refresh()
    return {"orders": orders, "people": people, "products": products, "carriers": carriers}


#: A year, a quarter, a week that starts on a Wednesday, one day, and the
#: whole history (some 400 days: every level of block).
PERIODS = [
    (datetime.date(2025, 3, 2), datetime.date(2026, 3, 1)),
    (datetime.date(2025, 12, 1), datetime.date(2026, 2, 28)),
    (datetime.date(2025, 10, 8), datetime.date(2025, 10, 14)),
    (datetime.date(2025, 6, 17), datetime.date(2025, 6, 17)),
    (datetime.date(2025, 1, 1), datetime.date(2026, 3, 2)),
]


def within_bound(estimate: float | None, exact: float | None) -> bool:
    if exact is None:
        return estimate is None
    return estimate is not None and abs(estimate - exact) <= bound(exact) + 1e-9


def bound(exact: float) -> float:
    return histogram.REL_ERROR * abs(exact) + histogram.ABS_ERROR


def test_rollup_percentiles_are_within_the_bound_and_rates_equal(history):
    worst = 0.0
    for date_from, date_to in PERIODS:
        for group_by in [None, *GROUPS]:
            period = {"date_from": date_from, "date_to": date_to, "group_by": group_by}
            exact = stage_figures(**period, _method=exact_method())
            read = stage_figures(**period, _method="rollup")

            # the same groups, stages and orders measured, exactly
            assert [(r["group"], r["stage"], r["orders"]) for r in read] == [
                (r["group"], r["stage"], r["orders"]) for r in exact
            ], period
            for r, e in zip(read, exact, strict=True):
                for key in ("median_hours", "p90_hours"):
                    assert within_bound(r[key], e[key]), (period, e["label"], e["stage"], key)
                    if e[key] is not None:  # the share of the bound used
                        worst = max(worst, abs(r[key] - e[key]) / bound(e[key]))
                assert r["approximate"] == bool(r["orders"])

            # every rate equal (the same counts, the same divisions)
            assert rate_figures(**period) == rate_figures(**period, _method="facts"), period
    assert (
        sum(r["orders"] for r in rate_figures(date_from=PERIODS[-1][0], date_to=PERIODS[-1][1]))
        == ORDERS
    )
    assert 0 < worst <= 1


def test_the_exact_figures_are_kept_while_the_period_is_small(history, monkeypatch):
    period = {"date_from": PERIODS[0][0], "date_to": PERIODS[0][1], "group_by": "channel"}
    exact = stage_figures(**period, _method=exact_method())
    assert stage_figures(**period) == exact
    assert not any(r["approximate"] for r in exact)

    monkeypatch.setattr(lead_times, "EXACT_LIMIT", 1000)

    assert stage_figures(**period) == stage_figures(**period, _method="rollup")


def rollup_state() -> tuple[dict, dict]:
    """The rollup's non-empty cells (a cell that fell back to nothing stays,
    empty, until the next rebuild)."""
    counts, hists = {}, {}
    columns = list(rollup.COUNTS)
    for row in FactRollup.objects.values_list("level", "day", "dim", "member", *columns):
        if row[4]:
            counts[row[:4]] = row[4:]
        else:
            assert not any(row[4:]), row
    for *cell, n, packed in LeadTimeRollup.objects.values_list(
        "level", "day", "dim", "member", "stage", "n", "hist"
    ):
        if n:
            hists[tuple(cell)] = (n, packed)
        else:
            assert packed == "0", cell
    return counts, hists


def _changes(history) -> None:
    """New events stamped now, on some 10 % of the orders, and new orders."""
    rnd = random.Random(7)
    orders = rnd.sample(history["orders"], ORDERS // 10)
    now = timezone.now()
    delivered = dict(
        OrderFact.objects.filter(order__in=orders).values_list("order_id", "delivered_at")
    )
    for i, order in enumerate(orders):
        kind = i % 6
        if kind == 0 and delivered[order.pk] is None:
            _events([(order.pk, "ship", now), (order.pk, "confirm_delivery", now)])
        elif kind == 1:
            _events([(order.pk, "cancel", now)])
        elif kind == 2:  # the lines edited: another product
            OrderLine.objects.filter(order=order).update(product=rnd.choice(history["products"]))
            OrderEvent.objects.create(order=order, kind=OrderEvent.Kind.UPDATED)
        elif kind == 3:  # shipped again with another carrier
            Shipment.objects.create(order=order, carrier=rnd.choice(history["carriers"]))
            OrderEvent.objects.create(order=order, kind=OrderEvent.Kind.NOTE)
        elif kind == 4:
            Case.objects.create(
                order=order,
                kind="complaint",
                subject="y",
                department="quality",
                owner=history["people"][0],
                due_on=datetime.date(2026, 3, 9),
            )
            OrderEvent.objects.create(order=order, kind=OrderEvent.Kind.CASE)
        else:
            _events([(order.pk, "request_adjustment", now), (order.pk, "fail_qc", now)])
    for i in range(20):  # new orders, recorded now
        order = Order.objects.create(
            number=f"NEW{i:04d}",
            customer=orders[0].customer,
            salesperson=history["people"][1],
            channel="api",
            requested_delivery_date=datetime.date(2026, 3, 10),
            payment_method="bank_transfer",
            warehouse=orders[0].warehouse,
        )
        OrderLine.objects.create(
            order=order, product=history["products"][i % 6], quantity=1, unit_price=1, line_total=1
        )
        OrderEvent.objects.create(order=order, kind=OrderEvent.Kind.CREATED)
        if i % 2:
            _events([(order.pk, "submit", now)])


def test_an_incremental_refresh_equals_a_rebuild(history):
    _changes(history)

    written = facts_refresh_changed()

    assert written >= ORDERS // 12
    incremental = rollup_state()
    facts_refresh()
    assert rollup_state() == incremental


@pytest.mark.postgres
def test_the_sql_packing_equals_the_python_merge(history):
    # given: the rollup built and refreshed by PostgreSQL's SQL
    built = rollup_state()
    _changes(history)
    facts_refresh_changed()
    refreshed = rollup_state()
    assert refreshed != built

    # when: the histograms built again from the facts by the Python merge (SQLite's)
    with transaction.atomic():
        LeadTimeRollup.objects.all().delete()
        facts = rollup_sql._facts(OrderFact._meta.db_table, sign=1)
        rollup._apply_histograms_python(rollup_sql._members_sql(facts))

    # then
    assert rollup_state() == refreshed


# --- the pieces ---------------------------------------------------------------------------


def test_blocks_cover_each_day_once():
    rnd = random.Random(3)
    for _n in range(500):
        first = rnd.randint(8000, 10000)
        last = first + rnd.randint(0, 800)
        for top in (1, len(histogram.LEVELS) - 1):
            days = []
            for level, start in histogram.blocks(first, last, top=top):
                size = histogram.LEVELS[level]
                assert start % size == 0 and level <= top
                days += range(start, start + size)
            assert sorted(days) == list(range(first, last + 1))
    # a year is a handful of blocks, whatever its first day
    assert max(len(histogram.blocks(d, d + 364)) for d in range(9000, 9500)) <= 17
    # weeks are Monday to Sunday
    monday = datetime.date(2026, 3, 2)
    assert histogram.blocks(*[histogram.day_number(monday)] * 2) == [
        (0, histogram.day_number(monday))
    ]
    week = histogram.day_number(monday), histogram.day_number(monday) + 6
    assert histogram.blocks(*week) == [(1, week[0])]


def test_packed_histograms_add_bucket_by_bucket():
    a, b = [3, 0, 99_999_999, 1], [0, 7, 0, 0, 5]
    assert histogram.unpack(histogram.pack(a)) == a
    assert int(histogram.pack(a)) + int(histogram.pack(b)) == int(
        histogram.pack(histogram.merge(a, b))
    )
    assert histogram.pack([0, 0]) == "0" and histogram.unpack("0") == [0]
    assert histogram.pack({3: 2, 0: 1}) == histogram.pack([1, 0, 0, 2]) == "2" + "0" * 23 + "1"


@pytest.mark.parametrize("hours", [0.0, 0.004, 1 / 60, 0.5, 1.0, 9.0, 24.0, 96.5, 4000.0])
def test_a_value_reads_as_its_bucket_middle_within_the_bound(hours):
    read = histogram.middle(histogram.bucket_of(hours))
    assert abs(read - hours) <= histogram.REL_ERROR * hours + histogram.ABS_ERROR


def test_percentiles_from_a_histogram_interpolate_like_percentile_cont():
    # three values in three buckets: the median is the middle one's bucket,
    # the 90th percentile 80 % of the way to the last
    counts = [0] * (histogram.BUCKETS + 1)
    for hours in (1.0, 3.0, 9.0):
        counts[histogram.bucket_of(hours)] += 1
    median, p90 = histogram.percentiles(counts)
    m3, m9 = (histogram.middle(histogram.bucket_of(h)) for h in (3.0, 9.0))
    assert median == pytest.approx(m3) and p90 == pytest.approx(m3 + 0.8 * (m9 - m3))
    assert histogram.percentiles([0, 0]) == [None, None]
