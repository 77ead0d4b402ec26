"""Delivery with the real components: a Redis broker, Celery worker
processes, an SMTP server and a webhook receiver on loopback, PostgreSQL.
Nothing is lost when the broker is down or a worker dies, nothing is sent
twice, a failing webhook is retried with growing delays."""

import hashlib
import hmac
import json
import os
import signal
import time

import pytest
from django.db import transaction

from notifications.models import OutboxMessage, WebhookSubscription
from orders import services as order_services
from orders.models import Order
from orders_site.demo import walk_to
from tests.factories import CustomerFactory, ProductFactory, UserFactory, make_order, stock

from .services import RedisServer, SmtpServer, WebhookReceiver, Worker, producer_using, wait_for

# The workers' sweeper runs every second with a 2 s grace: after this long a
# duplicate would have arrived.
SETTLE = 4

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def redis():
    server = RedisServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def start_worker(redis, tmp_path):
    workers = []

    def start(beat=True, **env):
        env = {k: str(v) for k, v in env.items()}
        worker = Worker(redis=redis, tmp_path=tmp_path, env=env, beat=beat)
        workers.append(worker)
        return worker.start()

    yield start
    for worker in workers:
        worker.stop()
        print(f"--- {worker.log_path.name} ---\n{worker.output()[-4000:]}")  # shown on failure


@pytest.fixture
def boss(db):
    return UserFactory(username="boss", roles=["Sales", "Sales Manager", "Warehouse", "Logistics"])


def submitted_orders(boss, count, *, language="zh-hans"):
    product = ProductFactory(sku="PUMP-1")
    stock(product, 10 * count)
    orders = []
    for i in range(count):
        customer = CustomerFactory(email=f"buyer{i}@example.com", preferred_language=language)
        order = make_order(customer=customer, salesperson=boss, lines=[(product, 2)])
        orders.append(walk_to(order, "submitted", boss))
    return orders


def sent(event="order.approved"):
    return OutboxMessage.objects.filter(event=event, status="sent").count()


def test_approval_emails_the_customer_once_in_their_language(redis, start_worker, boss):
    with SmtpServer() as smtp:
        start_worker(EMAIL_URL=smtp.url)
        [order] = submitted_orders(boss, 1, language="en")
        with producer_using(redis):
            order_services.order_approve(order=order, user=boss)
        wait_for(lambda: smtp.accepted, timeout=30, what="the confirmation email")
        wait_for(lambda: sent() == 1, timeout=10, what="the row to be marked sent")
        time.sleep(SETTLE)  # several sweeper rounds: nothing more arrives
        [message] = smtp.accepted
        row = OutboxMessage.objects.get(order=order, event="order.approved")
        assert message["To"] == order.customer.email
        assert message["Message-ID"] == row.message_id
        assert order.number in message["Subject"]
        assert "Order confirmation" in message["Subject"]  # English: the customer's choice
        text = message.get_body(("plain",)).get_content()
        assert "PUMP-1" in text


def test_a_rolled_back_transaction_sends_nothing(redis, start_worker, boss):
    with SmtpServer() as smtp:
        worker = start_worker(EMAIL_URL=smtp.url)
        [order] = submitted_orders(boss, 1)
        with producer_using(redis):
            with pytest.raises(RuntimeError), transaction.atomic():
                order_services.order_approve(order=order, user=boss)
                raise RuntimeError("something after the approval failed")
            # A later, committed approval of another order proves the worker
            # and the SMTP server were listening all along.
            [other] = submitted_orders(boss, 1)
            order_services.order_approve(order=other, user=boss)
        wait_for(lambda: smtp.accepted, timeout=30, what="the committed order's email")
        assert [m["To"] for m in smtp.accepted] == [other.customer.email]
        assert (
            not OutboxMessage.objects.filter(order=order).exclude(event="order.submitted").exists()
        )
        assert Order.objects.get(pk=order.pk).status == "submitted"
        assert "Traceback" not in worker.output()


def test_redis_down_while_100_orders_change_state_then_all_delivered_once(
    redis, start_worker, boss
):
    with SmtpServer() as smtp:
        start_worker(EMAIL_URL=smtp.url)
        orders = submitted_orders(boss, 100)
        redis.stop()
        with producer_using(redis):
            for order in orders:  # every approval succeeds while the broker is down
                order_services.order_approve(order=order, user=boss)
        assert Order.objects.filter(status="approved").count() == 100
        assert OutboxMessage.objects.filter(event="order.approved", status="pending").count() == 100
        assert smtp.accepted == []
        redis.start()  # the worker reconnects, the sweeper queues the pending rows
        wait_for(lambda: sent() == 100, timeout=120, interval=0.5, what="100 sent rows")
        wait_for(lambda: len(smtp.accepted) >= 100, timeout=10, what="100 emails")
        time.sleep(SETTLE)
        ids = smtp.message_ids()
        assert len(ids) == 100 and len(set(ids)) == 100  # every message once
        assert sorted(m["To"] for m in smtp.accepted) == sorted(o.customer.email for o in orders)


def test_a_worker_killed_mid_delivery_is_made_good_by_the_next(redis, start_worker, boss):
    with SmtpServer(hold_first=True) as smtp:
        first = start_worker(EMAIL_URL=smtp.url)
        [order] = submitted_orders(boss, 1)
        with producer_using(redis):
            order_services.order_approve(order=order, user=boss)
        # The worker is inside the SMTP conversation for this message.
        wait_for(smtp.holding.is_set, timeout=30, what="the delivery to start")
        first.kill()
        smtp.release()
        row = OutboxMessage.objects.get(order=order, event="order.approved")
        assert row.status == "pending"  # the dead worker's transaction never committed
        start_worker(EMAIL_URL=smtp.url)
        wait_for(lambda: sent() == 1, timeout=60, what="the new worker to deliver")
        time.sleep(SETTLE)
        assert smtp.message_ids() == [row.message_id]  # delivered, once
        row.refresh_from_db()
        assert row.attempts == 1


def test_a_killed_pool_process_s_task_goes_back_to_the_queue(redis, start_worker, boss):
    """No sweeper here (no beat): only reject-on-worker-lost can save it."""
    with SmtpServer(hold_first=True) as smtp:
        worker = start_worker(beat=False, EMAIL_URL=smtp.url)
        [order] = submitted_orders(boss, 1)
        with producer_using(redis):
            order_services.order_approve(order=order, user=boss)
        wait_for(smtp.holding.is_set, timeout=30, what="the delivery to start")
        children = worker.pool_processes()
        assert children
        for pid in children:  # the process sending the email dies; its parent lives
            os.kill(pid, signal.SIGKILL)
        smtp.release()
        wait_for(lambda: sent() == 1, timeout=60, what="the redelivered task")
        row = OutboxMessage.objects.get(order=order, event="order.approved")
        assert smtp.message_ids() == [row.message_id]
        assert "WorkerLostError" in worker.output()


def test_a_failing_webhook_is_retried_with_growing_delays_and_signed(redis, start_worker, boss):
    with WebhookReceiver([500, 500, 200]) as receiver, SmtpServer() as smtp:
        hook = WebhookSubscription.objects.create(
            name="ERP", url=receiver.url, events=["order.approved"], owner=boss
        )
        start_worker(EMAIL_URL=smtp.url, NOTIFY_RETRY_BASE_SECONDS=1)
        [order] = submitted_orders(boss, 1)
        with producer_using(redis):
            order_services.order_approve(order=order, user=boss)
        wait_for(lambda: len(receiver.requests) >= 3, timeout=60, what="three webhook calls")
        row = hook.messages.get()
        wait_for(
            lambda: OutboxMessage.objects.get(pk=row.pk).status == "sent",
            timeout=10,
            what="the row to be marked sent",
        )
        calls = receiver.requests
        assert len(calls) == 3
        gaps = [b["at"] - a["at"] for a, b in zip(calls, calls[1:], strict=False)]
        assert gaps[0] >= 0.9 and gaps[1] >= 1.9 and gaps[1] > gaps[0], gaps  # 1 s, then 2 s
        ids = {c["headers"]["X-Event-Id"] for c in calls}
        assert ids == {str(row.event_id)}
        for call in calls:
            headers = call["headers"]
            expected = hmac.new(
                hook.secret.encode(),
                headers["X-Event-Timestamp"].encode() + b"." + call["body"],
                hashlib.sha256,
            ).hexdigest()
            assert hmac.compare_digest(headers["X-Signature-256"], f"sha256={expected}")
        payload = json.loads(calls[-1]["body"])
        assert payload["event"] == "order.approved"
        assert payload["data"]["order"] == order.number
        row.refresh_from_db()
        assert row.attempts == 3 and row.status == "sent"
