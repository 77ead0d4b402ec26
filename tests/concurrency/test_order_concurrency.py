"""Concurrency on real PostgreSQL with real threads, each on its own database
connection: stock cannot be oversold, locks cannot deadlock, a transition
cannot run twice, numbers cannot repeat."""

import threading
from collections import Counter

import pytest
from django.db import connection, connections

from inventory.exceptions import InsufficientStock
from inventory.models import StockItem, StockMovement
from orders import services
from orders.exceptions import OrderConflict
from orders.models import Order
from tests.factories import ProductFactory, make_order, stock

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_in_threads(fn, args_list, *, timeout=60):
    """Start one thread per args tuple at the same instant (a barrier) and
    return each call's result or exception, in order."""
    barrier = threading.Barrier(len(args_list))
    results = [None] * len(args_list)

    def worker(i, args):
        try:
            barrier.wait(timeout=timeout)
            results[i] = fn(*args)
        except Exception as exc:  # collected and asserted on by the test
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, a)) for i, a in enumerate(args_list)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    assert not any(t.is_alive() for t in threads), "a thread hung: lock wait or deadlock"
    return results


def outcome(result):
    return type(result).__name__ if isinstance(result, Exception) else "ok"


def test_fifty_approvals_compete_for_ten_units(customer, sales, manager, warehouse):
    # given 10 units on hand and 50 submitted orders for 1 unit each
    scarce = ProductFactory(sku="SCARCE")
    stock(scarce, 10)
    orders = []
    for _ in range(50):
        order = make_order(customer=customer, salesperson=sales, lines=[(scarce, 1)])
        orders.append(services.order_submit(order=order, user=sales))
    # when 50 managers' requests approve them all at once
    results = run_in_threads(
        lambda o: services.order_approve(order=o, user=manager), [(o,) for o in orders]
    )
    # then exactly 10 are approved and the other 40 refused for lack of stock
    assert Counter(outcome(r) for r in results) == {"ok": 10, "InsufficientStock": 40}
    refused = [r for r in results if isinstance(r, InsufficientStock)]
    assert all(r.skus == ["SCARCE"] for r in refused)
    assert Order.objects.filter(status="approved").count() == 10
    assert Order.objects.filter(status="submitted").count() == 40
    item = StockItem.objects.get(product=scarce)
    assert (item.on_hand, item.reserved) == (10, 10)
    assert StockMovement.objects.filter(kind="reservation").count() == 10


def test_opposite_lock_orders_do_not_deadlock(customer, sales, manager, warehouse):
    # given two products and 20 orders naming them in opposite order
    x, y = ProductFactory(sku="X"), ProductFactory(sku="Y")
    stock(x, 1000)
    stock(y, 1000)
    orders = []
    for i in range(20):
        lines = [(x, 3), (y, 2)] if i % 2 else [(y, 2), (x, 3)]
        order = make_order(customer=customer, salesperson=sales, lines=lines)
        orders.append(services.order_submit(order=order, user=sales))
    # when they are all approved at once
    results = run_in_threads(
        lambda o: services.order_approve(order=o, user=manager), [(o,) for o in orders]
    )
    # then all succeed: no deadlock, and the reservations add up
    assert [outcome(r) for r in results] == ["ok"] * 20
    assert StockItem.objects.get(product=x).reserved == 60
    assert StockItem.objects.get(product=y).reserved == 40


def test_two_managers_approve_one_order(customer, product, sales, manager):
    # given one submitted order, loaded by two managers
    order = services.order_submit(
        order=make_order(customer=customer, salesperson=sales, lines=[(product, 4)]), user=sales
    )
    copies = [(Order.objects.get(pk=order.pk),), (Order.objects.get(pk=order.pk),)]
    # when both approve at the same instant
    results = run_in_threads(lambda o: services.order_approve(order=o, user=manager), copies)
    # then one wins and the other gets a conflict
    assert sorted(outcome(r) for r in results) == ["OrderConflict", "ok"]
    assert any(isinstance(r, OrderConflict) and r.status == 409 for r in results)
    # and the stock is reserved once, with one audit event
    assert StockItem.objects.get(product=product).reserved == 4
    assert order.events.filter(transition="approve").count() == 1


def test_two_hundred_concurrent_intakes_get_distinct_numbers(customer, product, sales):
    # given 20 sales staff each recording 10 orders at the same time
    def intake():
        return [
            make_order(customer=customer, salesperson=sales, lines=[(product, 1)]).number
            for _ in range(10)
        ]

    results = run_in_threads(intake, [()] * 20)
    # then 200 orders exist with 200 distinct, consecutive numbers
    assert not [r for r in results if isinstance(r, Exception)]
    numbers = [n for batch in results for n in batch]
    assert len(numbers) == len(set(numbers)) == 200
    assert sorted(int(n[-6:]) for n in numbers) == list(range(1, 201))
    assert Order.objects.count() == 200


def test_the_database_refuses_an_oversold_row(product):
    # given the CHECK constraint, even a raw update cannot reserve beyond on hand
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        StockItem.objects.filter(product=product).update(reserved=101)
    assert connection.vendor == "postgresql"
