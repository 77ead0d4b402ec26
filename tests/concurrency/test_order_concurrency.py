"""Concurrency on real PostgreSQL with real threads, each on its own database
connection: stock cannot be oversold, locks cannot deadlock, a transition
cannot run twice, numbers cannot repeat."""

import datetime
import threading
from collections import Counter

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from inventory.exceptions import InsufficientStock
from inventory.models import StockItem, StockMovement
from orders import services
from orders.exceptions import DuplicateExternalRef, OrderConflict
from orders.models import Order, OrderEvent, OrderLine
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


def _seq(number: str) -> int:
    return int(number.rsplit("-", 1)[1])


def test_two_hundred_concurrent_intakes_get_distinct_numbers(customer, product, sales):
    # given 20 sales staff each recording 10 orders at the same time
    def intake():
        return [
            make_order(customer=customer, salesperson=sales, lines=[(product, 1)]).number
            for _ in range(10)
        ]

    year = timezone.localdate().year
    results = run_in_threads(intake, [()] * 20)
    # then 200 orders exist with 200 distinct numbers of this year
    assert not [r for r in results if isinstance(r, Exception)]
    numbers = [n for batch in results for n in batch]
    assert len(numbers) == len(set(numbers)) == 200
    assert all(n.startswith(f"SO-{year}-") and len(n) == len("SO-2026-000001") for n in numbers)
    assert Order.objects.count() == 200
    # and each person's orders are numbered in the order they were recorded
    for batch in results:
        assert [_seq(n) for n in batch] == sorted(_seq(n) for n in batch)


def test_an_intake_does_not_wait_for_another_to_commit(customer, product, sales):
    # given an intake that has taken its number and not committed yet
    taken, release = threading.Event(), threading.Event()

    def slow_intake():
        try:
            with transaction.atomic():
                services.order_number_next()
                taken.set()
                release.wait(20)
        finally:
            connections.close_all()

    def quick_intake(out):
        try:
            out.append(make_order(customer=customer, salesperson=sales, lines=[(product, 1)]))
        finally:
            connections.close_all()

    slow = threading.Thread(target=slow_intake)
    slow.start()
    assert taken.wait(10)
    # when another intake runs meanwhile
    done: list = []
    quick = threading.Thread(target=quick_intake, args=(done,))
    quick.start()
    quick.join(5)
    finished_while_open = not quick.is_alive() and not release.is_set()
    release.set()
    slow.join(20)
    quick.join(20)
    # then it finished without waiting (the old counter row made it queue)
    assert finished_while_open
    assert done and done[0].number.startswith(f"SO-{timezone.localdate().year}-")


def test_a_rolled_back_intake_leaves_a_gap_and_nothing_else(customer, product, sales):
    # given an order just recorded
    first = make_order(customer=customer, salesperson=sales, lines=[(product, 1)])
    # and one with an external reference
    services.order_create(
        customer=customer,
        salesperson=sales,
        created_by=sales,
        channel="phone",
        requested_delivery_date=timezone.localdate() + datetime.timedelta(days=10),
        payment_method="bank_transfer",
        lines=[services.LineInput(product=product, quantity=1)],
        external_ref="PO-7",
    )
    counts = (Order.objects.count(), OrderLine.objects.count(), OrderEvent.objects.count())
    # when an intake takes the next number and then fails (its external
    # reference is already used, which only the insert finds out)
    with pytest.raises(DuplicateExternalRef):
        services.order_create(
            customer=customer,
            salesperson=sales,
            created_by=sales,
            channel="phone",
            requested_delivery_date=timezone.localdate() + datetime.timedelta(days=10),
            payment_method="bank_transfer",
            lines=[services.LineInput(product=product, quantity=2)],
            external_ref="PO-7",
        )
    # then nothing of it was kept
    assert (Order.objects.count(), OrderLine.objects.count(), OrderEvent.objects.count()) == counts
    # and the next order's number skips the one it lost: a gap, never a repeat
    after = make_order(customer=customer, salesperson=sales, lines=[(product, 1)])
    assert _seq(after.number) == _seq(first.number) + 3


def test_the_database_refuses_an_oversold_row(product):
    # given the CHECK constraint, even a raw update cannot reserve beyond on hand
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        StockItem.objects.filter(product=product).update(reserved=101)
    assert connection.vendor == "postgresql"
