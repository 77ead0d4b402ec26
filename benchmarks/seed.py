"""Benchmark data: users, products with plenty of stock, customers, a history
of orders with five lines each, a warehouse queue (approved and picking
orders), and a pool of submitted orders to approve.

Run by ``benchmarks/run_api.py`` on a fresh, migrated database:
``DJANGO_SETTINGS_MODULE=benchmarks.settings python -m benchmarks.seed
--history N --pool M``. Prints one JSON object (customer ids, SKUs, the
pool's order numbers, a sample of the history's numbers) on stdout.

Rows are written with ``bulk_create`` (the services would take minutes for
thousands of orders); they hold what the services would write: numbers from
the year's counter, lines priced at list price, totals, audit events.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import sys
from decimal import Decimal

STATUSES_HISTORY = [
    # (status, share, the transitions that led there)
    ("completed", 40, ["submit", "approve", "ship", "confirm_delivery", "complete"]),
    ("archived", 20, ["submit", "approve", "ship", "confirm_delivery", "complete", "archive"]),
    ("delivered", 15, ["submit", "approve", "ship", "confirm_delivery"]),
    ("cancelled", 10, ["submit", "cancel"]),
    ("draft", 10, []),
    ("needs_adjustment", 5, ["submit", "request_adjustment"]),
]
TARGET = {
    "submit": ("draft", "submitted"),
    "approve": ("submitted", "approved"),
    "ship": ("packed", "shipped"),
    "confirm_delivery": ("shipped", "delivered"),
    "complete": ("delivered", "completed"),
    "archive": ("completed", "archived"),
    "cancel": ("submitted", "cancelled"),
    "request_adjustment": ("submitted", "needs_adjustment"),
    "start_picking": ("approved", "picking"),
}
# The warehouse queue (/warehouse/ shows at most 100): more than a page of
# orders to pick, due sooner than the pool's, so the approvals the approve
# scenario adds never change which rows the queue page shows.
QUEUE_STATUSES = [
    ("approved", 60, ["submit", "approve"]),
    ("picking", 40, ["submit", "approve", "start_picking"]),
]
PROVINCES = ["上海市", "广东省", "北京市", "浙江省", "江苏省", "四川省", "湖北省", "山东省"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛"]


def seed(
    *, history: int, pool: int, queue: int, products: int, customers: int, lines: int, rng
) -> dict:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import connection, transaction
    from django.utils import timezone

    from inventory.models import Product, StockItem, StockMovement, Warehouse
    from orders import roles
    from orders.models import Customer, Order, OrderEvent, OrderLine
    from orders.services import order_numbers_continue_after

    User = get_user_model()
    now = timezone.now()
    year = timezone.localdate().year

    with transaction.atomic():
        users = {}
        for username, role in [
            ("manager", roles.SALES_MANAGER),
            ("integration", roles.INTEGRATION),
            ("sales", roles.SALES),
            ("sales2", roles.SALES),
            ("warehouse", roles.WAREHOUSE),
        ]:
            user = User.objects.create_user(username, password="bench-" + username)
            user.groups.add(Group.objects.get(name=role))
            users[username] = user
        staff = [users["sales"], users["sales2"], users["integration"]]

        warehouse = Warehouse.objects.create(code="MAIN", name="Main warehouse", is_default=True)
        prods = Product.objects.bulk_create(
            Product(
                sku=f"BENCH-{i:04d}",
                name=f"基准商品 {i:04d}",
                barcode=f"69{i:011d}",
                list_price=Decimal(rng.randint(500, 200_000)) / 100,
            )
            for i in range(products)
        )
        items = StockItem.objects.bulk_create(
            StockItem(product=p, warehouse=warehouse, on_hand=10_000_000) for p in prods
        )
        StockMovement.objects.bulk_create(
            StockMovement(
                stock_item=item,
                kind=StockMovement.Kind.RECEIPT,
                on_hand_change=item.on_hand,
                on_hand_after=item.on_hand,
                reserved_after=0,
                reason="benchmark opening stock",
            )
            for item in items
        )
        custs = Customer.objects.bulk_create(
            Customer(
                name=rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(["", *GIVEN]),
                company=f"基准贸易有限公司 {i}",
                phone=f"138{i:08d}",
                email=f"customer{i}@example.com",
                province=rng.choice(PROVINCES),
                city="某市",
                district="某区",
                street=f"人民路 {i} 号",
                postcode="200120",
                credit_limit=None,
                # Entered by the store's integration: every customer is one
                # the Integration client may order for (customers_visible_to).
                created_by=users["integration"],
            )
            for i in range(customers)
        )

        number = 0

        def make_orders(count: int, status_of, due_days=30) -> list[tuple[Order, list[str]]]:
            nonlocal number
            made = []
            for _ in range(count):
                status, path = status_of()
                number += 1
                chosen = rng.sample(prods, lines)
                order_lines = []
                for p in chosen:
                    qty = rng.randint(1, 9)
                    order_lines.append(
                        OrderLine(
                            product=p,
                            quantity=qty,
                            unit_price=p.list_price,
                            line_total=p.list_price * qty,
                            picked_quantity=qty
                            if status in ("completed", "archived", "delivered")
                            else 0,
                        )
                    )
                creator = rng.choice(staff)
                order = Order(
                    number=f"SO-{year}-{number:06d}",
                    customer=rng.choice(custs),
                    salesperson=creator,
                    created_by=creator,
                    channel="api" if creator == users["integration"] else "phone",
                    requested_delivery_date=(now + datetime.timedelta(days=due_days)).date(),
                    payment_method="bank_transfer",
                    warehouse=warehouse,
                    status=status,
                    total=sum((ln.line_total for ln in order_lines), Decimal("0.00")),
                )
                order._bench_lines = order_lines
                made.append((order, path))
            return made

        weights = [share for _s, share, _p in STATUSES_HISTORY]

        def history_status():
            status, _share, path = rng.choices(STATUSES_HISTORY, weights=weights)[0]
            return status, path

        queue_weights = [share for _s, share, _p in QUEUE_STATUSES]

        def queue_status():
            status, _share, path = rng.choices(QUEUE_STATUSES, weights=queue_weights)[0]
            return status, path

        batches = [
            make_orders(history, history_status),
            make_orders(queue, queue_status, due_days=10),
            make_orders(pool, lambda: ("submitted", ["submit"])),
        ]
        for batch in batches:
            Order.objects.bulk_create([o for o, _p in batch], batch_size=1000)
            line_rows, events = [], []
            for order, path in batch:
                for line in order._bench_lines:
                    line.order = order
                    line_rows.append(line)
                events.append(
                    OrderEvent(
                        order=order,
                        kind=OrderEvent.Kind.CREATED,
                        actor=order.created_by,
                        to_status="draft",
                    )
                )
                for name in path:
                    source, target = TARGET[name]
                    events.append(
                        OrderEvent(
                            order=order,
                            kind=OrderEvent.Kind.TRANSITION,
                            actor=users["manager"],
                            transition=name,
                            from_status=source,
                            to_status=target,
                        )
                    )
            OrderLine.objects.bulk_create(line_rows, batch_size=5000)
            OrderEvent.objects.bulk_create(events, batch_size=5000)
        # Intakes during the run continue after the seeded numbers.
        order_numbers_continue_after(year=year, last=number)

        # auto_now_add stamped every row "now": spread the history over the
        # past year, the oldest first; the pool is the most recent.
        with connection.cursor() as cur:
            cur.execute(
                "UPDATE orders_order SET created_at = now() - (%s - id) * interval '90 minutes', "
                "updated_at = now() - (%s - id) * interval '60 minutes' WHERE id <= %s",
                [history + 1, history + 1, history],
            )
            cur.execute(
                "UPDATE orders_orderevent e SET created_at = o.created_at "
                "FROM orders_order o WHERE e.order_id = o.id AND o.id <= %s",
                [history],
            )
    with connection.cursor() as cur:
        cur.execute("ANALYZE")

    history_numbers = [o.number for o, _p in batches[0]]
    return {
        "customers": [c.pk for c in custs],
        "skus": [p.sku for p in prods],
        "pool": [o.number for o, _p in batches[2]],
        # Orders the detail scenarios read, drawn from every end state.
        "sample": rng.sample(history_numbers, min(1000, len(history_numbers))),
        "orders": number,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--history", type=int, default=5000)
    parser.add_argument("--pool", type=int, default=8000)
    parser.add_argument("--queue", type=int, default=150)
    parser.add_argument("--products", type=int, default=200)
    parser.add_argument("--customers", type=int, default=500)
    parser.add_argument("--lines", type=int, default=5)
    parser.add_argument("--seed", type=int, default=20261)
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")
    import django

    django.setup()
    result = seed(
        history=args.history,
        pool=args.pool,
        queue=args.queue,
        products=args.products,
        customers=args.customers,
        lines=args.lines,
        rng=random.Random(args.seed),
    )
    json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
