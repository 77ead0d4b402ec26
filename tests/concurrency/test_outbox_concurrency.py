"""Two deliveries of one outbox row at the same instant (a redelivered task
and the sweeper's, or two workers) send it once, on real PostgreSQL."""

import threading
import time
from collections import Counter

import pytest
from django.test import override_settings

from notifications import services
from notifications.models import OutboxMessage

from .test_order_concurrency import run_in_threads

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SENT: list[str] = []
LOCK = threading.Lock()


class SlowBackend:
    """An SMTP server that takes 300 ms to accept a message."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        time.sleep(0.3)
        with LOCK:
            SENT.extend(m.extra_headers["Message-ID"] for m in messages)
        return len(messages)


@override_settings(EMAIL_BACKEND="tests.concurrency.test_outbox_concurrency.SlowBackend")
def test_ten_simultaneous_deliveries_of_one_row_send_it_once(people_rows):
    SENT.clear()
    results = run_in_threads(services.message_deliver, [(people_rows[0].pk,)] * 10)
    assert Counter(results) == {"sent": 1, "skipped": 9}
    assert SENT == [people_rows[0].message_id]
    row = OutboxMessage.objects.get(pk=people_rows[0].pk)
    assert row.status == "sent" and row.attempts == 1


@override_settings(EMAIL_BACKEND="tests.concurrency.test_outbox_concurrency.SlowBackend")
def test_twenty_rows_delivered_by_twenty_threads_twice_each(people_rows):
    SENT.clear()
    args = [(row.pk,) for row in people_rows] * 2
    results = run_in_threads(services.message_deliver, args)
    assert Counter(results) == {"sent": 20, "skipped": 20}
    assert sorted(SENT) == sorted(row.message_id for row in people_rows)


@pytest.fixture
def people_rows(db):
    rows = []
    for i in range(20):
        rows.append(
            OutboxMessage.objects.create(
                event="test.concurrency",
                channel=OutboxMessage.Channel.EMAIL,
                recipient=f"person{i}@example.com",
                language="en",
                subject=f"Message {i}",
                body="Hello",
                dedupe_key=f"concurrency:{i}",
            )
        )
    return rows
