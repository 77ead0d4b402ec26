"""The outbox on any database: who is told what, in which language; nothing
sent for a rolled-back change; delivery once, retries with backoff, dead rows
and the admin's retry; the review digest; the sweeper."""

import datetime
import hashlib
import hmac
import json

import pytest
from django.conf import settings
from django.core import mail
from django.db import transaction
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from notifications import services
from notifications.models import OutboxMessage, UserPreference, WebhookSubscription
from orders import hooks
from orders import notifications as order_notifications
from orders import services as order_services
from orders_site.demo import walk_to
from tests.factories import CustomerFactory, UserFactory, make_order

pytestmark = pytest.mark.django_db
M = OutboxMessage.Status


class FailingBackend:
    """An SMTP server that refuses everything."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("connection refused by smtp.example.com")


FAILING = "tests.notifications.test_outbox.FailingBackend"


@pytest.fixture(autouse=True)
def chinese_by_default(settings):
    """The site's default language, as in production: staff who never chose
    one get Chinese emails."""
    settings.LANGUAGE_CODE = "zh-hans"


@pytest.fixture
def boss(db):
    """A user with every role, so that one actor can walk an order."""
    return UserFactory(
        username="boss",
        email="",
        roles=["Sales", "Sales Manager", "Warehouse", "Logistics", "After-sales"],
    )


@pytest.fixture
def people(db):
    return {
        "sales": UserFactory(username="li.sales", email="li@example.com", roles=["Sales"]),
        "manager": UserFactory(
            username="wang.manager", email="wang@example.com", roles=["Sales Manager"]
        ),
        "manager2": UserFactory(
            username="zhao.manager", email="zhao@example.com", roles=["Sales Manager"]
        ),
        "logistics": UserFactory(
            username="chen.logistics", email="chen@example.com", roles=["Logistics"]
        ),
    }


def order_for(people, product, *, language="zh-hans", email="buyer@example.com"):
    customer = CustomerFactory(preferred_language=language, email=email)
    return make_order(customer=customer, salesperson=people["sales"], lines=[(product, 3)])


def rows(order, event=None):
    qs = OutboxMessage.objects.filter(order=order, channel="email")
    if event:
        qs = qs.filter(event=event)
    return sorted(qs.values_list("recipient", "language"))


def test_each_step_tells_the_people_the_process_names(people, product, boss):
    UserPreference.objects.create(user=people["manager"], language="zh-hans")
    UserPreference.objects.create(user=people["manager2"], language="en")
    order = order_for(people, product, language="en")
    walk_to(order, "submitted", boss)
    assert rows(order, "order.submitted") == [
        ("wang@example.com", "zh-hans"),
        ("zhao@example.com", "en"),
    ]

    order_services.order_request_adjustment(
        order=order, user=boss, reason="stock_shortage", note="只剩 2 件"
    )
    [adjust] = OutboxMessage.objects.filter(order=order, event="order.needs_adjustment")
    assert adjust.recipient == "li@example.com"
    assert "只剩 2 件" in adjust.body and "库存不足" in adjust.body  # the note and the reason

    order_services.order_resubmit(order=order, user=boss)
    for step in ["approve", "start_picking"]:
        hooks.get_step(step).service(order=order, user=boss)
    [approved] = OutboxMessage.objects.filter(order=order, event="order.approved")
    assert (approved.recipient, approved.language) == ("buyer@example.com", "en")
    assert order.number in approved.subject
    assert product.sku in approved.body


def test_packed_shipped_delivered_and_cancelled(people, product, boss):
    order = order_for(people, product)
    walk_to(order, "delivered", boss)
    assert rows(order, "order.packed") == [("chen@example.com", "zh-hans")]
    packed = OutboxMessage.objects.get(order=order, event="order.packed")
    assert order.customer.street in packed.body
    assert "/logistics/" in packed.body
    shipped = rows(order, "order.shipped")
    assert shipped == [("buyer@example.com", "zh-hans"), ("li@example.com", "zh-hans")]
    tracking = order.shipments.get().tracking_number
    assert all(
        tracking in m.body for m in OutboxMessage.objects.filter(order=order, event="order.shipped")
    )
    assert rows(order, "order.delivered") == [("buyer@example.com", "zh-hans")]

    other = order_for(people, product, email="other@example.com")
    order_services.order_cancel(order=other, user=boss, reason="customer_request")
    [cancelled] = OutboxMessage.objects.filter(order=other, event="order.cancelled")
    assert cancelled.recipient == "other@example.com"


def test_a_customer_without_email_gets_no_row(people, product, boss):
    order = order_for(people, product, email="")
    walk_to(order, "approved", boss)
    assert not OutboxMessage.objects.filter(order=order, event="order.approved").exists()


def test_approval_delivers_one_email_after_commit(
    people, product, boss, django_capture_on_commit_callbacks
):
    order = order_for(people, product, language="en")
    walk_to(order, "submitted", boss)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        order_services.order_approve(order=order, user=boss)
    [email] = [m for m in mail.outbox if m.to == ["buyer@example.com"]]
    row = OutboxMessage.objects.get(order=order, event="order.approved")
    assert email.extra_headers["Message-ID"] == row.message_id
    assert order.number in email.subject and "confirm" in email.subject.lower()
    assert email.alternatives and email.alternatives[0][1] == "text/html"
    assert row.status == M.SENT and row.attempts == 1 and row.sent_at


def test_a_rolled_back_change_sends_nothing(
    people, product, boss, django_capture_on_commit_callbacks
):
    order = order_for(people, product)
    walk_to(order, "submitted", boss)
    mail.outbox.clear()
    before = OutboxMessage.objects.count()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            order_services.order_approve(order=order, user=boss)
            raise RuntimeError("the caller's transaction fails afterwards")
    assert callbacks == []
    assert mail.outbox == []
    assert OutboxMessage.objects.count() == before
    order.refresh_from_db()
    assert order.status == "submitted"


def test_delivering_twice_sends_once(people, product, boss):
    order = order_for(people, product)
    walk_to(order, "approved", boss)
    row = OutboxMessage.objects.get(order=order, event="order.approved")
    mail.outbox.clear()
    assert services.message_deliver(row.pk) == "sent"
    assert services.message_deliver(row.pk) == "skipped"
    assert len(mail.outbox) == 1


@override_settings(EMAIL_BACKEND=FAILING, NOTIFY_RETRY_BASE_SECONDS=60, NOTIFY_MAX_ATTEMPTS=3)
def test_failures_back_off_then_die_and_the_admin_can_retry(people, product, boss, manager):
    order = order_for(people, product)
    walk_to(order, "approved", boss)
    row = OutboxMessage.objects.get(order=order, event="order.approved")
    delays = []
    for attempt in (1, 2):
        started = timezone.now()
        assert services.message_deliver(row.pk) == M.FAILED
        row.refresh_from_db()
        assert row.attempts == attempt and "connection refused" in row.last_error
        delays.append((row.next_attempt_at - started).total_seconds())
        assert services.message_deliver(row.pk) == "not_due"
        OutboxMessage.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert 59 <= delays[0] <= 61 and 119 <= delays[1] <= 121  # 60 s, then 120 s
    assert services.message_deliver(row.pk) == M.DEAD
    row.refresh_from_db()
    assert row.status == M.DEAD and row.attempts == 3

    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        mail.outbox.clear()
        client = Client()
        client.force_login(manager)
        response = client.post(
            reverse("admin:notifications_outboxmessage_changelist"),
            {"action": "retry", "_selected_action": [row.pk]},
            follow=True,
        )
        assert response.status_code == 200
        row.refresh_from_db()
        assert row.status == M.PENDING and row.attempts == 0
        assert services.message_deliver(row.pk) == "sent"
        assert len(mail.outbox) == 1


def test_a_manager_sees_the_outbox_read_only(manager, people, product, boss):
    order = order_for(people, product)
    walk_to(order, "approved", boss)
    row = OutboxMessage.objects.get(order=order, event="order.approved")
    client = Client()
    client.force_login(manager)
    listing = client.get(reverse("admin:notifications_outboxmessage_changelist"))
    assert listing.status_code == 200 and order.number.encode() in listing.content
    page = client.get(reverse("admin:notifications_outboxmessage_change", args=[row.pk]))
    assert page.status_code == 200 and b'name="recipient"' not in page.content
    sales = Client()
    sales.force_login(people["sales"])
    assert sales.get(reverse("admin:notifications_outboxmessage_changelist")).status_code in (
        302,
        403,
    )


def test_the_sweeper_queues_rows_whose_task_was_lost(people, product, boss):
    order = order_for(people, product)
    walk_to(order, "approved", boss)
    row = OutboxMessage.objects.get(order=order, event="order.approved")
    mail.outbox.clear()
    assert services.outbox_sweep() == 0  # still inside the grace period
    OutboxMessage.objects.filter(pk=row.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    OutboxMessage.objects.exclude(pk=row.pk).update(status=M.SENT)
    assert services.outbox_sweep() == 1  # eager here: delivered at once
    row.refresh_from_db()
    assert row.status == M.SENT and len(mail.outbox) == 1
    assert services.outbox_sweep() == 0


def test_a_message_put_off_waits_for_its_time(people):
    later = timezone.now() + datetime.timedelta(days=3)
    row = services.email_enqueue(
        event="test.reminder",
        to="li@example.com",
        template="review_digest",
        language="en",
        context={"orders": [], "hours": 24, "review_url": "/admin/", "recipient": people["sales"]},
        dedupe_key="reminder:1",
        send_at=later,
    )
    assert services.outbox_sweep() == 0
    assert services.message_deliver(row.pk) == "not_due"
    OutboxMessage.objects.filter(pk=row.pk).update(
        next_attempt_at=timezone.now(), created_at=timezone.now() - datetime.timedelta(days=3)
    )
    assert services.outbox_sweep() == 1
    row.refresh_from_db()
    assert row.status == M.SENT
    # The same cause written again is dropped.
    assert (
        services.email_enqueue(
            event="test.reminder",
            to="li@example.com",
            template="review_digest",
            language="en",
            context={"orders": [], "hours": 24, "review_url": "/", "recipient": people["sales"]},
            dedupe_key="reminder:1",
        )
        is None
    )


def test_review_digest_once_a_day_for_orders_waiting_too_long(people, product, boss):
    order = order_for(people, product)
    walk_to(order, "submitted", boss)
    fresh = order_for(people, product)
    walk_to(fresh, "submitted", boss)
    order.events.filter(to_status="submitted").update(
        created_at=timezone.now() - datetime.timedelta(hours=30)
    )
    with override_settings(REVIEW_DIGEST_AFTER_HOURS=24):
        assert order_notifications.review_digest_send() == 2  # two managers
        assert order_notifications.review_digest_send() == 0  # not twice a day
    digest = OutboxMessage.objects.filter(event="orders.review_digest")
    assert digest.count() == 2
    body = digest.get(recipient="wang@example.com").body
    assert order.number in body and fresh.number not in body and "30" in body


def test_no_digest_when_nothing_waits(people):
    assert order_notifications.review_digest_send() == 0


def test_the_language_switch_is_remembered_for_emails(people):
    client = Client()
    client.force_login(people["sales"])
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert UserPreference.objects.get(user=people["sales"]).language == "en"
    assert services.language_of(people["sales"]) == "en"
    assert services.language_of(people["manager"]) == settings.LANGUAGE_CODE  # never chose


# --- webhooks ---------------------------------------------------------------


def test_webhooks_go_to_subscribers_of_that_event_only(people, product, boss, integration):
    staff_hook = WebhookSubscription.objects.create(
        name="ERP", url="https://erp.example.com/hook", events=["order.approved"], owner=boss
    )
    client_hook = WebhookSubscription.objects.create(
        name="Shop",
        url="https://shop.example.com/hook",
        events=["order.approved"],
        owner=integration,
    )
    WebhookSubscription.objects.create(
        name="Shipped only", url="https://x.example.com/", events=["order.shipped"], owner=boss
    )
    order = order_for(people, product)
    walk_to(order, "approved", boss)
    hooks = OutboxMessage.objects.filter(order=order, channel="webhook")
    # The Integration client did not create this order: it is not told.
    assert [h.subscription for h in hooks] == [staff_hook]
    payload = json.loads(hooks[0].body)
    assert payload["event"] == "order.approved"
    assert payload["id"] == str(hooks[0].event_id)
    assert payload["data"]["order"] == order.number
    assert payload["data"]["status"] == "approved"
    assert payload["data"]["previous_status"] == "submitted"
    assert payload["occurred_at"]
    assert client_hook.messages.count() == 0


def test_signature_is_hmac_sha256_of_timestamp_and_body():
    body = b'{"event":"order.approved"}'
    signature = services.webhook_signature(secret="s3cret", timestamp="1700000000", body=body)
    expected = hmac.new(b"s3cret", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert signature == f"sha256={expected}"


def test_a_webhook_for_a_removed_subscription_dies_at_once(people, product, boss):
    hook = WebhookSubscription.objects.create(
        name="ERP", url="https://erp.example.com/hook", events=["order.approved"], owner=boss
    )
    order = order_for(people, product)
    walk_to(order, "approved", boss)
    row = hook.messages.get()
    hook.delete()
    assert services.message_deliver(row.pk) == M.DEAD
    row.refresh_from_db()
    assert "subscription" in row.last_error


def test_the_order_page_lists_the_emails_it_caused(people, product, boss):
    order = order_for(people, product)
    walk_to(order, "approved", boss)
    approved = OutboxMessage.objects.get(order=order, event="order.approved")
    services.message_deliver(approved.pk)
    client = Client()
    client.force_login(people["sales"])
    html = client.get(reverse("orders:detail", args=[order.number])).content.decode()
    section = html.split('id="messages"')[1].split("</section>")[0]
    assert "buyer@example.com" in section and approved.subject in section
    assert "outbox-sent" in section  # delivered
    assert "wang@example.com" in section and "outbox-pending" in section  # not yet


def test_a_manager_adds_a_webhook_in_the_admin_and_then_sees_its_secret(manager):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(manager)
    add_url = reverse("admin:notifications_webhooksubscription_add")
    assert b"Signing secret" not in client.get(add_url).content  # not made up before saving
    response = client.post(
        add_url,
        {
            "name": "ERP",
            "url": "erp.example.com/hooks",
            "events": ["order.approved", "order.shipped"],
            "owner": manager.pk,
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content
    hook = WebhookSubscription.objects.get()
    assert hook.url == "https://erp.example.com/hooks"
    assert hook.events == ["order.approved", "order.shipped"]
    page = client.get(reverse("admin:notifications_webhooksubscription_change", args=[hook.pk]))
    assert hook.secret.encode() in page.content
    bad = client.post(add_url, {"name": "x", "url": "https://a.example.com/", "owner": manager.pk})
    assert bad.status_code == 200 and b"errorlist" in bad.content


def test_the_admin_refuses_a_webhook_to_an_inward_address(manager, settings):
    settings.NOTIFY_WEBHOOK_ALLOWED_HOSTS = []
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(manager)
    add_url = reverse("admin:notifications_webhooksubscription_add")
    for url in ["http://127.0.0.1:8000/hooks", "169.254.169.254/latest/meta-data/"]:
        response = client.post(
            add_url,
            {"name": "ERP", "url": url, "events": ["order.approved"], "owner": manager.pk},
        )
        assert response.status_code == 200 and b"errorlist" in response.content
        assert b"public http:// or https:// address" in response.content
    assert not WebhookSubscription.objects.exists()
