"""Stage analytics (issue 7 items 1 and 3) against a history built by hand.

Six orders with their audit events at chosen local times (Asia/Shanghai,
UTC+8), two salespeople, two channels, two carriers and two products. Every
figure the dashboard shows is asserted against values worked out below by
hand. The orders' own ``status`` is never moved (they stay drafts): the
figures must come from the events alone.

These tests run on whichever database the suite runs on (SQLite by default,
PostgreSQL with DATABASE_URL); the postgres-marked ones also check that the
window-function percentile (SQLite's) equals ``percentile_cont``.

The history (local times, March 2026; hours per stage in brackets)::

    O1 alice phone  [P1]      sf   rec Mon 2 09:00, submit 10:00 [intake 1],
                                   approve 12:00 [review 2], pack Tue 3 12:00
                                   [fulfilment 24], ship 16:00 [handover 4],
                                   deliver Thu 5 16:00 [transit 48]; e2e 79;
                                   requested 6th: on time; survey 5
    O2 alice email  [P1, P2]  ems  rec Tue 3 09:00, submit 12:00 [3], sent back
                                   14:00, resubmit 18:00, approve Wed 4 12:00
                                   [24], QC fails once, pack Thu 5 12:00 [24],
                                   ship 14:00 [2], deliver Mon 9 14:00 [96];
                                   e2e 149; requested 10th: on time; survey 2;
                                   one case; an older sf shipment (latest wins)
    O3 bob   phone  [P2]      sf   rec Wed 4 09:00, submit 09:30 [0.5], approve
                                   13:30 [4], short pick 16:00, approved again
                                   Thu 5 10:00, pack Fri 6 13:30 [48], ship
                                   21:30 [8], deliver Sun 8 01:00 [27.5]; e2e
                                   88; requested 7th: LATE (the 7th in UTC,
                                   which must not count); survey unanswered
    O4 bob   email  [P1]      -    rec Mon 9 01:00 (Sun 8 in UTC: week of the
                                   9th), submit 03:00 [2], cancelled 05:00
    O5 alice phone  [P2]      ems  rec Tue 10 09:00, submit 13:00 [4], approve
                                   19:00 [6], pack Wed 11 19:00 [24], ship Thu
                                   12 01:00 [6], deliver Fri 13 01:00 [24]; e2e
                                   64; requested 14th: on time
    O6 bob   phone  [P1, P1]  -    rec Wed 11 09:00, submit 10:00 [1], approve
                                   18:00 [8], still in the warehouse
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import timezone

from aftersales.models import Case, Survey
from feedback import analytics
from feedback.analytics import (
    GROUPS,
    facts,
    facts_refresh,
    facts_refresh_changed,
    facts_refresh_if_stale,
    groups,
    rate_figures,
    stage_figures,
    stuck_orders,
)
from feedback.models import OrderFact, Stage, StageTarget
from orders.models import Order, OrderEvent
from orders_site.demo import walk_to
from shipping.models import Carrier, Shipment
from tests.factories import CustomerFactory, ProductFactory, UserFactory, make_order, stock

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
MARCH = (datetime.date(2026, 3, 1), datetime.date(2026, 3, 31))


def at(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, 3, day, hour, minute, tzinfo=SH)


# The statuses each transition leaves, for plausible event rows.
TO = {
    "submit": ("draft", "submitted"),
    "request_adjustment": ("submitted", "needs_adjustment"),
    "resubmit": ("needs_adjustment", "submitted"),
    "approve": ("submitted", "approved"),
    "start_picking": ("approved", "picking"),
    "report_shortage": ("picking", "submitted"),
    "finish_picking": ("picking", "quality_check"),
    "fail_qc": ("quality_check", "picking"),
    "pass_qc": ("quality_check", "packing"),
    "pack": ("packing", "packed"),
    "ship": ("packed", "shipped"),
    "confirm_delivery": ("shipped", "delivered"),
    "cancel": ("submitted", "cancelled"),
}


def events(order: Order, *steps: tuple[str, datetime.datetime]) -> None:
    """Write transition events at the given times (``created_at`` is
    auto_now_add, so it is set by an update after the insert)."""
    for name, when in steps:
        source, target = TO[name]
        event = OrderEvent.objects.create(
            order=order,
            kind=OrderEvent.Kind.TRANSITION,
            transition=name,
            from_status=source,
            to_status=target,
        )
        OrderEvent.objects.filter(pk=event.pk).update(created_at=when)


def recorded(order: Order, when: datetime.datetime, requested: datetime.date) -> None:
    """Back-date the order and its intake event; set the requested date."""
    Order.objects.filter(pk=order.pk).update(created_at=when, requested_delivery_date=requested)
    order.events.filter(kind=OrderEvent.Kind.CREATED).update(created_at=when)


def carrier(code: str) -> Carrier:
    return Carrier.objects.get_or_create(
        code=code, defaults={"name": code.upper(), "tracking_number_pattern": ".+"}
    )[0]


def ship_with(order: Order, code: str) -> None:
    Shipment.objects.create(
        order=order, carrier=carrier(code), carrier_name=code.upper(), tracking_number="T1"
    )


def survey(order: Order, rating: int | None) -> None:
    Survey.objects.create(
        order=order,
        token_hash=f"{order.pk:064d}",
        expires_at=at(31, 0),
        rating=rating,
        answered_at=at(20, 12) if rating else None,
    )


@pytest.fixture
def people(db):
    alice = UserFactory(username="alice", first_name="Alice", last_name="Wang", roles=["Sales"])
    bob = UserFactory(username="bob", roles=["Sales"])
    return alice, bob


@pytest.fixture
def products(warehouse):
    p1 = ProductFactory(sku="P1", name="Pen")
    p2 = ProductFactory(sku="P2", name="Ink")
    return p1, p2


@pytest.fixture
def history(people, products):
    alice, bob = people
    p1, p2 = products
    customer = CustomerFactory()

    def order(salesperson, channel, lines):
        return make_order(
            customer=customer,
            salesperson=salesperson,
            channel=channel,
            # one line per product (a product named twice is one line of 2)
            lines=[(p, lines.count(p)) for p in dict.fromkeys(lines)],
        )

    o1 = order(alice, "phone", [p1])
    recorded(o1, at(2, 9), datetime.date(2026, 3, 6))
    events(
        o1,
        ("submit", at(2, 10)),
        ("approve", at(2, 12)),
        ("start_picking", at(2, 14)),
        ("finish_picking", at(2, 16)),
        ("pass_qc", at(3, 9)),
        ("pack", at(3, 12)),
        ("ship", at(3, 16)),
        ("confirm_delivery", at(5, 16)),
    )
    ship_with(o1, "sf")
    survey(o1, 5)

    o2 = order(alice, "email", [p1, p2])
    recorded(o2, at(3, 9), datetime.date(2026, 3, 10))
    events(
        o2,
        ("submit", at(3, 12)),
        ("request_adjustment", at(3, 14)),
        ("resubmit", at(3, 18)),
        ("approve", at(4, 12)),
        ("start_picking", at(4, 14)),
        ("finish_picking", at(4, 16)),
        ("fail_qc", at(4, 17)),
        ("finish_picking", at(5, 9)),
        ("pass_qc", at(5, 10)),
        ("pack", at(5, 12)),
        ("ship", at(5, 14)),
        ("confirm_delivery", at(9, 14)),
    )
    ship_with(o2, "sf")
    ship_with(o2, "ems")
    survey(o2, 2)
    Case.objects.create(
        order=o2,
        kind="complaint",
        subject="Dented box",
        department="quality",
        owner=alice,
        due_on=datetime.date(2026, 3, 16),
    )

    o3 = order(bob, "phone", [p2])
    recorded(o3, at(4, 9), datetime.date(2026, 3, 7))
    events(
        o3,
        ("submit", at(4, 9, 30)),
        ("approve", at(4, 13, 30)),
        ("start_picking", at(4, 15)),
        ("report_shortage", at(4, 16)),
        ("approve", at(5, 10)),
        ("start_picking", at(5, 11)),
        ("finish_picking", at(6, 9)),
        ("pass_qc", at(6, 10)),
        ("pack", at(6, 13, 30)),
        ("ship", at(6, 21, 30)),
        ("confirm_delivery", at(8, 1)),
    )
    ship_with(o3, "sf")
    survey(o3, None)

    o4 = order(bob, "email", [p1])
    recorded(o4, at(9, 1), datetime.date(2026, 3, 12))
    events(o4, ("submit", at(9, 3)), ("cancel", at(9, 5)))

    o5 = order(alice, "phone", [p2])
    recorded(o5, at(10, 9), datetime.date(2026, 3, 14))
    events(
        o5,
        ("submit", at(10, 13)),
        ("approve", at(10, 19)),
        ("start_picking", at(10, 20)),
        ("finish_picking", at(10, 22)),
        ("pass_qc", at(11, 9)),
        ("pack", at(11, 19)),
        ("ship", at(12, 1)),
        ("confirm_delivery", at(13, 1)),
    )
    ship_with(o5, "ems")

    o6 = order(bob, "phone", [p1, p1])
    recorded(o6, at(11, 9), datetime.date(2026, 3, 18))
    events(o6, ("submit", at(11, 10)), ("approve", at(11, 18)), ("start_picking", at(12, 9)))

    facts_refresh()
    return {"O1": o1, "O2": o2, "O3": o3, "O4": o4, "O5": o5, "O6": o6}


# --- the expected figures, worked out by hand ---------------------------------------------
#
# percentile_cont(p) over n sorted values v0..v(n-1): x = p·(n−1),
# v[floor x] + (x − floor x)·(v[floor x + 1] − v[floor x]).
#
# Hours per stage: intake O1 1, O2 3, O3 0.5, O4 2, O5 4, O6 1; review O1 2,
# O2 24, O3 4, O5 6, O6 8; fulfilment O1 24, O2 24, O3 48, O5 24; hand-over
# O1 4, O2 2, O3 8, O5 6; transit O1 48, O2 96, O3 27.5, O5 24; end to end
# O1 79, O2 149, O3 88, O5 64.

INT, REV, FUL, HAN, TRA, E2E = (
    Stage.INTAKE,
    Stage.REVIEW,
    Stage.FULFILMENT,
    Stage.HANDOVER,
    Stage.TRANSIT,
    Stage.END_TO_END,
)
NONE = (0, None, None)

STAGES = {
    None: {
        "All orders": {
            # [0.5,1,1,2,3,4]: x=2.5 → 1+.5·1; x=4.5 → 3+.5·1
            INT: (6, 1.5, 3.5),
            # [2,4,6,8,24]: x=2 → 6; x=3.6 → 8+.6·16
            REV: (5, 6.0, 17.6),
            # [24,24,24,48]: x=1.5 → 24; x=2.7 → 24+.7·24
            FUL: (4, 24.0, 40.8),
            # [2,4,6,8]: x=1.5 → 4+.5·2; x=2.7 → 6+.7·2
            HAN: (4, 5.0, 7.4),
            # [24,27.5,48,96]: 27.5+.5·20.5; 48+.7·48
            TRA: (4, 37.75, 81.6),
            # [64,79,88,149]: 79+.5·9; 88+.7·61
            E2E: (4, 83.5, 130.7),
        }
    },
    "salesperson": {
        "Alice Wang": {  # O1 O2 O5
            INT: (3, 3.0, 3.8),  # [1,3,4]: x=1 → 3; x=1.8 → 3+.8·1
            REV: (3, 6.0, 20.4),  # [2,6,24]: 6; 6+.8·18
            FUL: (3, 24.0, 24.0),  # [24,24,24]
            HAN: (3, 4.0, 5.6),  # [2,4,6]: 4; 4+.8·2
            TRA: (3, 48.0, 86.4),  # [24,48,96]: 48; 48+.8·48
            E2E: (3, 79.0, 135.0),  # [64,79,149]: 79; 79+.8·70
        },
        "bob": {  # O3 O4 O6
            INT: (3, 1.0, 1.8),  # [0.5,1,2]: 1; 1+.8·1
            REV: (2, 6.0, 7.6),  # [4,8]: x=.5 → 6; x=.9 → 4+.9·4
            FUL: (1, 48.0, 48.0),
            HAN: (1, 8.0, 8.0),
            TRA: (1, 27.5, 27.5),
            E2E: (1, 88.0, 88.0),
        },
    },
    "channel": {
        "Email": {  # O2 O4
            INT: (2, 2.5, 2.9),  # [2,3]: 2+.5; 2+.9
            REV: (1, 24.0, 24.0),
            FUL: (1, 24.0, 24.0),
            HAN: (1, 2.0, 2.0),
            TRA: (1, 96.0, 96.0),
            E2E: (1, 149.0, 149.0),
        },
        "Phone": {  # O1 O3 O5 O6
            INT: (4, 1.0, 3.1),  # [0.5,1,1,4]: x=1.5 → 1; x=2.7 → 1+.7·3
            REV: (4, 5.0, 7.4),  # [2,4,6,8]: 4+.5·2; 6+.7·2
            FUL: (3, 24.0, 43.2),  # [24,24,48]: 24; 24+.8·24
            HAN: (3, 6.0, 7.6),  # [4,6,8]: 6; 6+.8·2
            TRA: (3, 27.5, 43.9),  # [24,27.5,48]: 27.5; 27.5+.8·20.5
            E2E: (3, 79.0, 86.2),  # [64,79,88]: 79; 79+.8·9
        },
    },
    "carrier": {
        "ems": {  # O2 O5 (O2's latest shipment is ems)
            INT: (2, 3.5, 3.9),  # [3,4]
            REV: (2, 15.0, 22.2),  # [6,24]: 6+.5·18; 6+.9·18
            FUL: (2, 24.0, 24.0),
            HAN: (2, 4.0, 5.6),  # [2,6]
            TRA: (2, 60.0, 88.8),  # [24,96]: 24+.5·72; 24+.9·72
            E2E: (2, 106.5, 140.5),  # [64,149]: 64+.5·85; 64+.9·85
        },
        "sf": {  # O1 O3
            INT: (2, 0.75, 0.95),  # [0.5,1]: .5+.5·.5; .5+.9·.5
            REV: (2, 3.0, 3.8),  # [2,4]
            FUL: (2, 36.0, 45.6),  # [24,48]: 24+.5·24; 24+.9·24
            HAN: (2, 6.0, 7.6),  # [4,8]
            TRA: (2, 37.75, 45.95),  # [27.5,48]: 27.5+.5·20.5; 27.5+.9·20.5
            E2E: (2, 83.5, 87.1),  # [79,88]
        },
        "no carrier": {  # O4 O6
            INT: (2, 1.5, 1.9),  # [1,2]
            REV: (1, 8.0, 8.0),  # O6
            FUL: NONE,
            HAN: NONE,
            TRA: NONE,
            E2E: NONE,
        },
    },
    "product": {
        "P1 · Pen": {  # O1 O2 O4 O6 (O6's two P1 lines count once)
            INT: (4, 1.5, 2.7),  # [1,1,2,3]: 1+.5·1; 2+.7·1
            REV: (3, 8.0, 20.8),  # [2,8,24]: 8; 8+.8·16
            FUL: (2, 24.0, 24.0),
            HAN: (2, 3.0, 3.8),  # [2,4]
            TRA: (2, 72.0, 91.2),  # [48,96]: 48+.5·48; 48+.9·48
            E2E: (2, 114.0, 142.0),  # [79,149]: 79+.5·70; 79+.9·70
        },
        "P2 · Ink": {  # O2 O3 O5
            INT: (3, 3.0, 3.8),  # [0.5,3,4]: 3; 3+.8·1
            REV: (3, 6.0, 20.4),  # [4,6,24]: 6; 6+.8·18
            FUL: (3, 24.0, 43.2),  # [24,24,48]
            HAN: (3, 6.0, 7.6),  # [2,6,8]
            TRA: (3, 27.5, 82.3),  # [24,27.5,96]: 27.5; 27.5+.8·68.5
            E2E: (3, 88.0, 136.8),  # [64,88,149]: 88; 88+.8·61
        },
    },
    "week": {
        "2026-W10": {  # Monday 2 March: O1 O2 O3
            INT: (3, 1.0, 2.6),  # [0.5,1,3]: 1; 1+.8·2
            REV: (3, 4.0, 20.0),  # [2,4,24]: 4; 4+.8·20
            FUL: (3, 24.0, 43.2),  # [24,24,48]
            HAN: (3, 4.0, 7.2),  # [2,4,8]: 4; 4+.8·4
            TRA: (3, 48.0, 86.4),  # [27.5,48,96]: 48; 48+.8·48
            E2E: (3, 88.0, 136.8),  # [79,88,149]: 88; 88+.8·61
        },
        "2026-W11": {  # Monday 9 March: O4 (Sunday in UTC) O5 O6
            INT: (3, 2.0, 3.6),  # [1,2,4]: 2; 2+.8·2
            REV: (2, 7.0, 7.8),  # [6,8]: 6+.5·2; 6+.9·2
            FUL: (1, 24.0, 24.0),
            HAN: (1, 6.0, 6.0),
            TRA: (1, 24.0, 24.0),
            E2E: (1, 64.0, 64.0),
        },
    },
}

RATE_KEYS = [
    "orders",
    "adjustment_rate",
    "qc_failure_rate",
    "short_pick_rate",
    "on_time_rate",
    "cancellation_rate",
    "cases_per_100",
    "avg_satisfaction",
]
# Denominators: adjustment / submitted; QC failed / (failed or packed);
# short / approved; on time / delivered; cancelled / recorded;
# 100·cases / delivered; mean of answered ratings.
RATES = {
    None: {
        # 6 submitted, 1 sent back (O2); QC decided O1 O2 O3 O5, failed O2;
        # approved O1 O2 O3 O5 O6, short O3; delivered O1 O2 O3 O5, late O3;
        # cancelled O4; one case over 4 delivered; ratings 5 and 2.
        "All orders": (6, 1 / 6, 1 / 4, 1 / 5, 3 / 4, 1 / 6, 25.0, 3.5),
    },
    "salesperson": {
        "Alice Wang": (3, 1 / 3, 1 / 3, 0.0, 1.0, 0.0, 100 / 3, 3.5),
        # bob: O3 decided by QC without failing; approved O3 O6, short O3;
        # delivered O3, late; O4 cancelled; no case; O3's survey unanswered.
        "bob": (3, 0.0, 0.0, 1 / 2, 0.0, 1 / 3, 0.0, None),
    },
    "channel": {
        "Email": (2, 1 / 2, 1.0, 0.0, 1.0, 1 / 2, 100.0, 2.0),
        "Phone": (4, 0.0, 0.0, 1 / 4, 2 / 3, 0.0, 0.0, 5.0),
    },
    "carrier": {
        "ems": (2, 1 / 2, 1 / 2, 0.0, 1.0, 0.0, 50.0, 2.0),
        "sf": (2, 0.0, 0.0, 1 / 2, 1 / 2, 0.0, 0.0, 5.0),
        # O4 O6: nothing QC-decided or delivered, so those rates are None.
        "no carrier": (2, 0.0, None, 0.0, None, 1 / 2, None, None),
    },
    "product": {
        # P1: O1 O2 O4 O6; decided O1 O2; approved O1 O2 O6; delivered O1 O2.
        "P1 · Pen": (4, 1 / 4, 1 / 2, 0.0, 1.0, 1 / 4, 50.0, 3.5),
        # P2: O2 O3 O5, all delivered, O3 late and short.
        "P2 · Ink": (3, 1 / 3, 1 / 3, 1 / 3, 2 / 3, 0.0, 100 / 3, 2.0),
    },
    "week": {
        "2026-W10": (3, 1 / 3, 1 / 3, 1 / 3, 2 / 3, 0.0, 100 / 3, 3.5),
        # O4 O5 O6: decided O5; approved O5 O6; delivered O5.
        "2026-W11": (3, 0.0, 0.0, 0.0, 1.0, 1 / 3, 0.0, None),
    },
}


def approx(value):
    return None if value is None else pytest.approx(value, abs=1e-6)


def methods():
    """The percentile paths this database has: PostgreSQL runs both."""
    return ["percentile_cont", "window"] if connection.vendor == "postgresql" else ["window"]


# --- stage lead times ---------------------------------------------------------------------


@pytest.mark.parametrize("group_by", [None, *GROUPS])
def test_stage_figures_match_the_hand_worked_values(history, group_by):
    for method in methods():
        # when
        rows = stage_figures(
            date_from=MARCH[0], date_to=MARCH[1], group_by=group_by, _method=method
        )

        # then: one row per group and stage, in Stage order
        got: dict[str, dict[str, tuple]] = {}
        for row in rows:
            got.setdefault(row["label"], {})[row["stage"]] = (
                row["orders"],
                row["median_hours"],
                row["p90_hours"],
            )
        expected = STAGES[group_by]
        assert list(got) == list(expected), method
        for label, stages in expected.items():
            assert list(got[label]) == list(Stage.values)
            for stage, (n, p50, p90) in stages.items():
                assert got[label][stage] == (n, approx(p50), approx(p90)), (method, label, stage)


def test_group_keys(history, people, products):
    alice, bob = people
    p1, p2 = products

    def keys(group_by):
        rows = rate_figures(date_from=MARCH[0], date_to=MARCH[1], group_by=group_by)
        return {r["label"]: r["group"] for r in rows}

    assert keys(None) == {"All orders": None}
    assert keys("week") == {
        "2026-W10": datetime.date(2026, 3, 2),
        "2026-W11": datetime.date(2026, 3, 9),
    }
    assert keys("salesperson") == {"Alice Wang": alice.pk, "bob": bob.pk}
    assert keys("channel") == {"Email": "email", "Phone": "phone"}
    assert keys("carrier") == {"ems": "ems", "no carrier": "", "sf": "sf"}
    assert keys("product") == {"P1 · Pen": p1.pk, "P2 · Ink": p2.pk}


# --- rates --------------------------------------------------------------------------------


@pytest.mark.parametrize("group_by", [None, *GROUPS])
def test_rate_figures_match_the_hand_worked_values(history, group_by):
    # when
    rows = rate_figures(date_from=MARCH[0], date_to=MARCH[1], group_by=group_by)

    # then
    got = {row["label"]: tuple(row[k] for k in RATE_KEYS) for row in rows}
    expected = RATES[group_by]
    assert list(got) == list(expected)
    for label, values in expected.items():
        assert got[label] == tuple(approx(v) for v in values), label


def test_the_date_range_is_whole_local_days(history):
    # O4 was recorded at 01:00 on the 9th in Shanghai, 17:00 on the 8th in UTC.
    first_week = rate_figures(
        date_from=datetime.date(2026, 3, 2), date_to=datetime.date(2026, 3, 8)
    )
    ninth = rate_figures(date_from=datetime.date(2026, 3, 9), date_to=datetime.date(2026, 3, 9))
    assert first_week[0]["orders"] == 3  # O1 O2 O3
    assert ninth[0]["orders"] == 1  # O4
    assert ninth[0]["cancellation_rate"] == 1.0

    # O1 alone (the 2nd): its stages, each measured once
    second = stage_figures(date_from=datetime.date(2026, 3, 2), date_to=datetime.date(2026, 3, 2))
    assert [(r["orders"], r["median_hours"]) for r in second] == [
        (1, approx(1.0)),
        (1, approx(2.0)),
        (1, approx(24.0)),
        (1, approx(4.0)),
        (1, approx(48.0)),
        (1, approx(79.0)),
    ]


def test_the_fixed_offset_shortcut_gives_the_same_figures(history, monkeypatch):
    """PostgreSQL bins weeks and compares local dates by arithmetic when the
    zone's offset is fixed over the range; the general path converts each
    row's time zone. Same answers (on SQLite both are the general path)."""
    shortcut = [
        stage_figures(date_from=MARCH[0], date_to=MARCH[1], group_by="week"),
        rate_figures(date_from=MARCH[0], date_to=MARCH[1], group_by="week"),
    ]
    monkeypatch.setattr(groups, "_fixed_offset", lambda *args: None)
    general = [
        stage_figures(date_from=MARCH[0], date_to=MARCH[1], group_by="week"),
        rate_figures(date_from=MARCH[0], date_to=MARCH[1], group_by="week"),
    ]
    assert general == shortcut


def test_fixed_offset_only_without_daylight_saving(settings):
    assert groups._fixed_offset(*MARCH) == datetime.timedelta(hours=8)
    settings.TIME_ZONE = "Europe/Berlin"
    assert groups._fixed_offset(*MARCH) is None  # summer time from 29 March
    june = (datetime.date(2026, 6, 1), datetime.date(2026, 6, 30))
    assert groups._fixed_offset(*june) == datetime.timedelta(hours=2)


def test_an_empty_range_gives_empty_figures(history):
    april = {"date_from": datetime.date(2026, 4, 1), "date_to": datetime.date(2026, 4, 30)}

    stages = stage_figures(**april)
    rates = rate_figures(**april)

    assert [(r["group"], r["stage"], r["orders"], r["median_hours"]) for r in stages] == [
        (None, stage, 0, None) for stage in Stage.values
    ]
    assert rates == [
        {
            "group": None,
            "label": "All orders",
            "orders": 0,
            "adjustment_rate": None,
            "qc_failure_rate": None,
            "short_pick_rate": None,
            "on_time_rate": None,
            "cancellation_rate": None,
            "cases_per_100": None,
            "avg_satisfaction": None,
        }
    ]
    assert stage_figures(**april, group_by="week") == []
    assert rate_figures(**april, group_by="product") == []


def test_an_unknown_grouping_is_refused(history):
    with pytest.raises(ValueError):
        rate_figures(date_from=MARCH[0], date_to=MARCH[1], group_by="customer")


# --- the facts ----------------------------------------------------------------------------


def fact_rows():
    return list(
        OrderFact.objects.order_by("order_id").values_list(
            *[f.attname for f in OrderFact._meta.concrete_fields if f.name != "refreshed_at"]
        )
    )


def test_facts_come_from_the_events(history):
    o2 = OrderFact.objects.get(order=history["O2"])
    assert (o2.submitted_at, o2.approved_at, o2.packed_at) == (at(3, 12), at(4, 12), at(5, 12))
    assert (o2.shipped_at, o2.delivered_at, o2.cancelled_at) == (at(5, 14), at(9, 14), None)
    assert (o2.adjustments, o2.qc_failures, o2.short_picks, o2.cases) == (1, 1, 0, 1)
    assert (o2.satisfaction, o2.carrier, o2.channel) == (2, "ems", "email")
    o3 = OrderFact.objects.get(order=history["O3"])
    # the first approval, not the one after the short pick
    assert (o3.approved_at, o3.short_picks, o3.satisfaction) == (at(4, 13, 30), 1, None)
    o4 = OrderFact.objects.get(order=history["O4"])
    assert (o4.cancelled_at, o4.carrier, o4.requested_delivery_date) == (
        at(9, 5),
        "",
        datetime.date(2026, 3, 12),
    )
    # the orders themselves were never moved
    assert set(Order.objects.values_list("status", flat=True)) == {"draft"}


def test_facts_refresh_is_idempotent(history):
    before = fact_rows()

    assert facts_refresh() == 6
    assert facts_refresh(order_ids=[history["O2"].pk, history["O2"].pk]) == 1

    assert fact_rows() == before
    assert OrderFact.objects.count() == 6


def test_facts_refresh_of_some_orders_leaves_the_others(history):
    o1, o5 = history["O1"], history["O5"]
    OrderFact.objects.filter(order=o5).update(channel="stale")
    events(o1, ("cancel", at(20, 9)))  # (not a legal move: the facts do not judge)

    assert facts_refresh(order_ids=[o1.pk]) == 1

    assert OrderFact.objects.get(order=o1).cancelled_at == at(20, 9)
    assert OrderFact.objects.get(order=o5).channel == "stale"


def test_incremental_refresh_picks_up_new_events_only(history, people, products, monkeypatch):
    # given: the facts as the fixture left them, refreshed just now
    o6 = history["O6"]
    before = {pk: at_ for pk, at_ in OrderFact.objects.values_list("order_id", "refreshed_at")}
    # when: O6 is packed and a new order is recorded (events stamped now)
    events(o6, ("finish_picking", at(12, 11)), ("pass_qc", at(12, 12)), ("pack", at(12, 14)))
    OrderEvent.objects.filter(order=o6, transition="pack").update(created_at=timezone.now())
    new = make_order(customer=CustomerFactory(), salesperson=people[0], lines=[(products[0], 1)])

    # then: the next refresh writes exactly those two
    assert facts_refresh_changed() == 2
    assert OrderFact.objects.get(order=o6).packed_at is not None
    assert OrderFact.objects.filter(order=new).exists()
    untouched = OrderFact.objects.exclude(order__in=[o6, new])
    assert {pk: at_ for pk, at_ in untouched.values_list("order_id", "refreshed_at")} == {
        pk: at_ for pk, at_ in before.items() if pk != o6.pk
    }

    # and once the overlap has passed with nothing new, a refresh writes nothing
    later = timezone.now() + analytics.REFRESH_OVERLAP + datetime.timedelta(minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert facts_refresh_changed() == 2  # the same two, still inside the overlap
    assert facts_refresh_changed() == 0


def test_incremental_refresh_builds_everything_the_first_time(history):
    OrderFact.objects.all().delete()

    assert facts_refresh_changed() == 6


def test_fresh_facts_cost_one_query(history, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert facts_refresh_if_stale() == 0


def test_a_large_first_build_is_left_to_the_job(history, monkeypatch):
    OrderFact.objects.all().delete()
    monkeypatch.setattr(facts, "INLINE_BUILD_LIMIT", 5)

    assert facts_refresh_if_stale() == 0
    assert not OrderFact.objects.exists()

    monkeypatch.setattr(facts, "INLINE_BUILD_LIMIT", 6)
    assert facts_refresh_if_stale() == 6


def test_stale_facts_are_refreshed_before_the_figures(history, monkeypatch):
    # given: O6 delivered just now, after the last refresh; the facts 2 minutes old
    o6 = history["O6"]
    events(o6, ("pack", at(13, 9)), ("ship", at(13, 10)), ("confirm_delivery", at(14, 10)))
    OrderEvent.objects.filter(order=o6, transition="confirm_delivery").update(
        created_at=timezone.now()
    )
    OrderFact.objects.update(refreshed_at=timezone.now() - datetime.timedelta(minutes=2))

    # when
    rows = rate_figures(date_from=MARCH[0], date_to=MARCH[1])

    # then: 5 delivered; O6 today, long after the 18th it was due: 3 of 5 on time
    assert rows[0]["on_time_rate"] == approx(3 / 5)


def test_facts_follow_an_order_walked_through_the_real_services(warehouse, people):
    # The transition names the facts read are the services' own.
    boss = UserFactory(
        username="boss", roles=["Sales", "Sales Manager", "Warehouse", "Logistics", "After-sales"]
    )
    pump = ProductFactory(sku="PUMP")
    stock(pump, 10)
    order = make_order(customer=CustomerFactory(), salesperson=people[0], lines=[(pump, 2)])
    walk_to(order, "delivered", boss)

    facts_refresh(order_ids=[order.pk])

    fact = OrderFact.objects.get(order=order)
    stamps = [fact.submitted_at, fact.approved_at, fact.packed_at, fact.shipped_at]
    assert None not in stamps and stamps == sorted(stamps)
    assert fact.delivered_at >= fact.shipped_at and fact.carrier == "sf"
    assert (fact.adjustments, fact.qc_failures, fact.short_picks, fact.cancelled_at) == (
        0,
        0,
        0,
        None,
    )


# --- stuck orders -------------------------------------------------------------------------


@pytest.fixture
def in_progress(history, people, products):
    """Three more orders, as of Saturday 14 March 09:00."""
    alice, _bob = people
    p1, _p2 = products

    def order(when, *steps):
        o = make_order(customer=CustomerFactory(), salesperson=alice, lines=[(p1, 1)])
        recorded(o, when, datetime.date(2026, 3, 20))
        events(o, *steps)
        return o

    orders = {
        # a draft recorded 25 h before: over intake's 24 h
        "O7": order(at(13, 8)),
        # shipped 144 h before, not delivered: over transit's 120 h
        "O8": order(
            at(7, 9),
            ("submit", at(7, 10)),
            ("approve", at(7, 11)),
            ("pack", at(7, 20)),
            ("ship", at(8, 9)),
        ),
        # packed 21 h before: under hand-over's 24 h
        "O9": order(
            at(12, 9), ("submit", at(12, 10)), ("approve", at(12, 11)), ("pack", at(13, 12))
        ),
        # submitted 13 h before: under review's 24 h
        "O10": order(at(13, 19), ("submit", at(13, 20))),
    }
    facts_refresh()
    return {**history, **orders}


NOW = at(14, 9)


def test_stuck_orders_longest_first(in_progress, people):
    rows = stuck_orders(now=NOW)

    # O8 in transit 144 h (> 120), O6 in the warehouse since the 11th 18:00,
    # 63 h (> 48), O7 a draft for 25 h (> 24); O4 is cancelled, O9 and O10
    # are within their targets.
    assert [(r["number"], r["stage"], r["since"], r["target_hours"]) for r in rows] == [
        (in_progress["O8"].number, Stage.TRANSIT, at(8, 9), 120.0),
        (in_progress["O6"].number, Stage.FULFILMENT, at(11, 18), 48.0),
        (in_progress["O7"].number, Stage.INTAKE, at(13, 8), 24.0),
    ]
    assert [r["hours"] for r in rows] == [approx(144), approx(63), approx(25)]
    assert [r["salesperson"] for r in rows] == ["Alice Wang", "bob", "Alice Wang"]


def test_stuck_orders_use_the_targets_set(in_progress):
    StageTarget.objects.create(stage=Stage.FULFILMENT, target_hours=Decimal("72"))
    StageTarget.objects.create(stage=Stage.TRANSIT, target_hours=Decimal("144.0"))
    StageTarget.objects.create(stage=Stage.HANDOVER, target_hours=Decimal("20.5"))

    rows = stuck_orders(now=NOW)

    # O8 at exactly 144 h is not over, nor O6 at 63 h; O9 at 21 h now is
    # over 20.5, after O7's 25 h
    assert [(r["number"], r["stage"], r["target_hours"]) for r in rows] == [
        (in_progress["O7"].number, Stage.INTAKE, 24.0),
        (in_progress["O9"].number, Stage.HANDOVER, 20.5),
    ]


def test_stuck_orders_limit(in_progress):
    assert [r["number"] for r in stuck_orders(now=NOW, limit=1)] == [in_progress["O8"].number]


# --- the two percentile paths agree -------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.parametrize("group_by", [None, *GROUPS])
def test_window_percentiles_equal_percentile_cont(history, people, products, group_by):
    """On PostgreSQL, the SQLite path (windows) against percentile_cont over
    a few hundred random histories, ties and single-order groups included."""
    # given: 200 more orders with random stage lengths (whole minutes, many ties)
    rnd = random.Random(7)
    customer = CustomerFactory()
    for _n in range(200):
        o = make_order(
            customer=customer,
            salesperson=rnd.choice(people),
            channel=rnd.choice(["phone", "email", "api"]),
            lines=[(p, 1) for p in rnd.sample(products, rnd.randint(1, 2))],
        )
        t = at(rnd.randint(1, 28), rnd.randint(0, 23), rnd.choice([0, 15, 30]))
        recorded(o, t, datetime.date(2026, 4, 1))
        steps = []
        for name in ["submit", "approve", "pack", "ship", "confirm_delivery"]:
            if rnd.random() < 0.15:
                break
            t += datetime.timedelta(minutes=rnd.choice([30, 60, 90, rnd.randint(1, 6000)]))
            steps.append((name, t))
        events(o, *steps)
        if rnd.random() < 0.5:
            ship_with(o, rnd.choice(["sf", "ems"]))
    facts_refresh()

    def figures(method):
        return [
            (r["group"], r["stage"], r["orders"], r["median_hours"], r["p90_hours"])
            for r in stage_figures(
                date_from=MARCH[0], date_to=MARCH[1], group_by=group_by, _method=method
            )
        ]

    native, window = figures("percentile_cont"), figures("window")
    assert len(native) == len(window) >= 6
    for a, b in zip(native, window, strict=True):
        assert a[:3] == b[:3]
        assert approx(a[3]) == b[3] and approx(a[4]) == b[4], (a, b)


# --- the beat job -------------------------------------------------------------------------


def test_the_beat_job_refreshes_changed_orders_every_five_minutes(history, settings):
    from feedback.tasks import refresh_facts

    job = settings.CELERY_BEAT_SCHEDULE["refresh-order-facts"]
    assert (job["task"], job["schedule"]) == ("feedback.tasks.refresh_facts", 300.0)
    OrderFact.objects.all().delete()

    refresh_facts.delay()

    assert OrderFact.objects.count() == 6


def test_the_benchmark_refuses_sqlite():
    from django.core.management import call_command
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="PostgreSQL only"):
        call_command("analytics_benchmark", "--database-url", "sqlite:///bench.sqlite3")
    if connection.vendor == "sqlite":  # the site's own database
        with pytest.raises(CommandError, match="PostgreSQL only"):
            call_command("analytics_benchmark", "--orders", "10")
