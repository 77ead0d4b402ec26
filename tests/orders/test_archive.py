"""The archive (documentation 5): archiving by hand and by the nightly job,
the system actor, the yearly review (5.2), the archive search, the dossier
(JSON and PDF), and an archived order refusing every change in the services,
the web UI and the admin with nothing changed."""

import datetime
import importlib
import io
import json
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import get_messages
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from aftersales import services as aftersales_services
from aftersales.models import Case, CaseEntry, FollowUp, Return, ReturnLine, Survey
from archive import selectors as archive_selectors
from archive import services as archive_jobs
from archive import tasks
from inventory.models import StockItem, StockMovement
from orders import services
from orders.exceptions import (
    ArchiveReviewNotDue,
    InvalidTransition,
    OrderArchived,
    OrderConflict,
    OrderInvalid,
)
from orders.models import ArchiveRecord, ArchiveReview, CustomerContact, Order, OrderEvent
from orders.selectors import role_allows
from orders_site.actors import SYSTEM, SystemActorInRequest, WebRequestMiddleware, is_system
from shipping import documents as shipping_documents
from shipping import services as shipping_services
from shipping.models import Package, Shipment, ShippingDocument
from tests import flow
from tests.concurrency.test_order_concurrency import run_in_threads
from tests.factories import CustomerFactory, ProductFactory, UserFactory, make_order, stock
from warehouse import services as warehouse_services

pytestmark = pytest.mark.django_db

SEARCH = reverse("archive:archive")
REVIEWS = reverse("archive:archive_reviews")


@pytest.fixture
def root(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


@pytest.fixture
def pump(warehouse):
    product = ProductFactory(sku="PUMP-7", name="离心水泵", list_price=Decimal("10.00"))
    stock(product, 500)
    return product


def completed(customer, salesperson, product, root, quantity=1):
    order = make_order(customer=customer, salesperson=salesperson, lines=[(product, quantity)])
    return flow.walk_to(order, "completed", root)


def cancelled(customer, salesperson, product, user):
    order = make_order(customer=customer, salesperson=salesperson, lines=[(product, 1)])
    return services.order_cancel(order=order, user=user, reason="customer_request")


def archived_cancelled(customer, salesperson, product, manager):
    """The cheapest archived order: a draft cancelled, then archived."""
    order = cancelled(customer, salesperson, product, manager)
    return services.order_archive(order=order, user=manager)


def settle_at(order, when):
    """Back-date the event that completed or cancelled ``order``."""
    OrderEvent.objects.filter(order=order, kind="transition", to_status=order.status).update(
        created_at=when
    )


def snapshot(order):
    """Everything an archived order has that a refused write must leave alone."""
    order = Order.objects.get(pk=order.pk)
    return (
        order.status,
        order.updated_at,
        order.notes,
        list(order.lines.values_list("pk", "quantity", "unit_price", "picked_quantity")),
        list(order.events.values_list("pk", flat=True)),
        list(order.contacts.values_list("pk", flat=True)),
        list(Shipment.objects.filter(order=order).values()),
        list(Package.objects.filter(order=order).values()),
        list(ShippingDocument.objects.filter(order=order).values_list("pk", flat=True)),
        list(ArchiveRecord.objects.filter(order=order).values()),
        list(StockItem.objects.values_list("pk", "on_hand", "reserved").order_by("pk")),
        StockMovement.objects.count(),
    )


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- archiving by hand ----------------------------------------------------------------


def test_a_manager_archives_a_completed_order_and_its_record_is_written(
    manager, sales, customer, pump, root, settings
):
    # given a completed order and a review interval of 30 days
    settings.ARCHIVE_REVIEW_INTERVAL_DAYS = 30
    order = completed(customer, sales, pump, root)
    # when the manager archives it
    order = services.order_archive(order=order, user=manager, note="Closed file")
    # then it is archived, with its record in the same step
    assert order.status == "archived"
    record = ArchiveRecord.objects.get(order=order)
    assert record.final_status == "completed"
    assert record.archived_by == manager
    assert record.next_review_on == timezone.localdate() + datetime.timedelta(days=30)
    assert record.last_reviewed_at is None
    event = order.events.get(transition="archive")
    assert (event.from_status, event.to_status, event.actor) == ("completed", "archived", manager)
    assert event.data["final_status"] == "completed"
    assert event.data["next_review_on"] == record.next_review_on.isoformat()


def test_a_cancelled_order_is_archived_with_cancelled_as_its_final_status(
    manager, sales, customer, pump
):
    order = archived_cancelled(customer, sales, pump, manager)
    assert ArchiveRecord.objects.get(order=order).final_status == "cancelled"


def test_an_open_order_cannot_be_archived_and_gets_no_record(manager, sales, customer, pump):
    order = services.order_submit(
        order=make_order(customer=customer, salesperson=sales, lines=[(pump, 1)]), user=sales
    )
    with pytest.raises(InvalidTransition):
        services.order_archive(order=order, user=manager)
    order.refresh_from_db()
    assert order.status == "submitted"
    assert not ArchiveRecord.objects.exists()


def test_sales_may_not_archive(sales, customer, pump, manager):
    order = cancelled(customer, sales, pump, manager)
    with pytest.raises(Exception) as exc:
        services.order_archive(order=order, user=sales)
    assert exc.value.status == 403
    assert not ArchiveRecord.objects.exists()


# --- the system actor ------------------------------------------------------------------


def test_the_system_may_take_any_transition_outside_a_request(customer, sales, pump):
    order = make_order(customer=customer, salesperson=sales, lines=[(pump, 1)])
    assert is_system(SYSTEM) is True
    assert role_allows(order=order, user=SYSTEM, transition="archive") is True
    # an anonymous visitor is a person without permissions, never the system
    assert role_allows(order=order, user=AnonymousUser(), transition="archive") is False


def test_a_web_request_can_never_act_as_the_system(manager, sales, customer, pump):
    # given a cancelled order
    order = cancelled(customer, sales, pump, manager)
    before = snapshot(order)

    # when code running inside a request calls a service with no user
    def buggy_view(request):
        return services.order_archive(order=order, user=None)

    request = RequestFactory().post("/")
    with pytest.raises(SystemActorInRequest):
        WebRequestMiddleware(buggy_view)(request)
    # then it is refused and nothing changed; outside the request it would work
    assert snapshot(order) == before
    assert is_system(None) is True


# --- the nightly job (retention) ----------------------------------------------------------


def test_the_job_archives_orders_settled_longer_ago_than_the_retention_to_the_day(
    manager, sales, customer, pump, root, settings
):
    # given a retention of 365 days and orders completed or cancelled around it
    settings.ARCHIVE_RETENTION_DAYS = 365
    now = timezone.now()
    days = datetime.timedelta(days=1)
    one_day_over = completed(customer, sales, pump, root)
    settle_at(one_day_over, now - 366 * days)
    exactly = completed(customer, sales, pump, root)
    settle_at(exactly, now - 365 * days)
    one_day_short = completed(customer, sales, pump, root)
    settle_at(one_day_short, now - 364 * days)
    old_cancelled = cancelled(customer, sales, pump, manager)
    settle_at(old_cancelled, now - 400 * days)
    # an old order that is still open is never archived
    open_order = make_order(customer=customer, salesperson=sales, lines=[(pump, 1)])
    OrderEvent.objects.filter(order=open_order).update(created_at=now - 800 * days)
    # a contact recorded last week does not make an old completion recent
    services.order_record_contact(
        order=one_day_over, user=sales, channel="phone", summary="客户来电询问发票"
    )

    # when the job runs
    run = archive_jobs.orders_archive_due(now=now)

    # then the orders settled more than 365 days ago are archived, by the
    # system; one settled exactly 365 days ago is not older than that yet
    assert run.as_dict() == {"archived": 2, "failed": 0}
    status = dict(Order.objects.values_list("number", "status"))
    assert status[one_day_over.number] == "archived"
    assert status[old_cancelled.number] == "archived"
    assert status[exactly.number] == "completed"
    assert status[one_day_short.number] == "completed"
    assert status[open_order.number] == "draft"
    records = {r.order_id: r for r in ArchiveRecord.objects.all()}
    assert records[old_cancelled.pk].final_status == "cancelled"
    assert records[one_day_over.pk].final_status == "completed"
    assert all(r.archived_by is None for r in records.values())
    event = one_day_over.events.get(transition="archive")
    assert event.actor is None
    assert "365" in event.note

    # and a second run the same night archives nothing more
    assert archive_jobs.orders_archive_due(now=now).as_dict() == {"archived": 0, "failed": 0}
    # a second later the one settled exactly 365 days ago is due; the one a
    # day short two days later
    assert archive_jobs.orders_archive_due(now=now + datetime.timedelta(seconds=1)).archived == 1
    assert Order.objects.get(pk=exactly.pk).status == "archived"
    assert archive_jobs.orders_archive_due(now=now + 2 * days).archived == 1
    assert Order.objects.get(pk=one_day_short.pk).status == "archived"


def test_the_job_goes_on_past_a_failure_and_works_in_batches(
    manager, sales, customer, pump, monkeypatch, settings
):
    # given four orders cancelled long ago, the second of which cannot be archived
    settings.ARCHIVE_RETENTION_DAYS = 10
    orders = [cancelled(customer, sales, pump, manager) for _ in range(4)]
    for order in orders:
        settle_at(order, timezone.now() - datetime.timedelta(days=11))
    real = services.order_archive

    def flaky(*, order, **kwargs):
        if order.pk == orders[1].pk:
            raise RuntimeError("database hiccup")
        return real(order=order, **kwargs)

    monkeypatch.setattr(services, "order_archive", flaky)
    # when the job runs with batches of one
    run = archive_jobs.orders_archive_due(batch_size=1)
    # then the other three are archived and the failure is counted
    assert run.as_dict() == {"archived": 3, "failed": 1}
    assert [
        o.status for o in Order.objects.filter(pk__in=[o.pk for o in orders]).order_by("pk")
    ] == [
        "archived",
        "cancelled",
        "archived",
        "archived",
    ]
    # and the next run, the problem gone, archives the last one
    monkeypatch.setattr(services, "order_archive", real)
    assert archive_jobs.orders_archive_due().as_dict() == {"archived": 1, "failed": 0}


def test_the_job_leaves_an_order_with_open_after_sales_work(
    manager, sales, customer, pump, root, settings
):
    settings.ARCHIVE_RETENTION_DAYS = 10
    order = completed(customer, sales, pump, root)
    settle_at(order, timezone.now() - datetime.timedelta(days=30))
    case = Case.objects.create(
        order=order,
        kind="complaint",
        subject="迟到的投诉",
        department="quality",
        owner=manager,
        due_on=timezone.localdate(),
    )
    assert archive_jobs.orders_archive_due().archived == 0
    Case.objects.filter(pk=case.pk).update(status="closed")
    assert archive_jobs.orders_archive_due().archived == 1


def test_the_task_runs_daily_from_beat(manager, sales, customer, pump, settings):
    settings.ARCHIVE_RETENTION_DAYS = 1
    order = cancelled(customer, sales, pump, manager)
    settle_at(order, timezone.now() - datetime.timedelta(days=2))
    assert tasks.archive_due_orders.delay().get() == {"archived": 1, "failed": 0}
    entry = settings.CELERY_BEAT_SCHEDULE["archive-due-orders"]
    assert entry["task"] == "archive.tasks.archive_due_orders"
    assert entry["schedule"].hour == {2} and entry["schedule"].minute == {15}


# --- read-only everywhere: the services -------------------------------------------------------


@pytest.fixture
def archived(root, sales, customer, pump, manager):
    """An order that went all the way (shipped, delivered, completed), archived."""
    order = completed(customer, sales, pump, root, quantity=2)
    return services.order_archive(order=order, user=manager)


def test_every_order_write_refuses_an_archived_order(archived, root, pump):
    before = snapshot(archived)
    calls = [
        lambda: services.order_update(order=archived, user=root, notes="late edit"),
        lambda: services.order_record_contact(
            order=archived, user=root, channel="phone", summary="too late"
        ),
        lambda: warehouse_services.order_record_pick(order=archived, user=root, product=pump),
        *[(lambda name=name: flow.run(archived, name, root)) for name in flow.GRAPH],
    ]
    for call in calls:
        with pytest.raises(OrderArchived) as exc:
            call()
        assert exc.value.code == "archived" and exc.value.status == 409
    assert snapshot(archived) == before


def test_every_shipping_write_refuses_an_archived_order(archived, root):
    before = snapshot(archived)
    calls = [
        lambda: shipping_services.shipment_plan(order=archived),
        lambda: shipping_services.shipment_ship(
            order=archived, user=root, carrier="sf", tracking_number="SF123456789012"
        ),
        lambda: shipping_services.shipment_confirm_delivery(
            order=archived, user=root, delivered_at=timezone.now(), signed_by="x"
        ),
        lambda: shipping_documents.documents_generate(order=archived),
    ]
    for call in calls:
        with pytest.raises(OrderArchived):
            call()
    assert snapshot(archived) == before


def test_a_stale_copy_of_an_order_archived_meanwhile_is_refused_as_archived(
    manager, sales, customer, pump
):
    order = cancelled(customer, sales, pump, manager)
    stale = Order.objects.get(pk=order.pk)
    services.order_archive(order=order, user=manager)
    with pytest.raises(OrderArchived):
        services.order_archive(order=stale, user=manager)
    assert ArchiveRecord.objects.count() == 1


# --- read-only everywhere: the web UI -------------------------------------------------------


def test_the_order_page_of_an_archived_order_shows_the_banner_and_no_controls(
    client, archived, manager, root
):
    for user in (manager, root):
        client.force_login(user)
        response = client.get(reverse("orders:detail", kwargs={"number": archived.number}))
        assert response.status_code == 200
        html = response.content.decode()
        assert 'id="archived"' in html
        assert "read-only" in html
        assert "/transition/" not in html
        assert reverse("orders:contact", kwargs={"number": archived.number}) not in html
        assert reverse("orders:edit", kwargs={"number": archived.number}) not in html
        assert response.context["actions"] == []
        assert response.context["archive_record"].archived_by == manager
        # the dossier is offered
        assert reverse("archive:dossier_pdf", kwargs={"number": archived.number}) in html


def test_an_open_order_page_has_no_archived_banner(client, sales, customer, pump):
    order = make_order(customer=customer, salesperson=sales, lines=[(pump, 1)])
    client.force_login(sales)
    response = client.get(reverse("orders:detail", kwargs={"number": order.number}))
    assert 'id="archived"' not in response.content.decode()


def test_web_posts_to_an_archived_order_change_nothing(client, archived, root):
    # given a superuser, who could do anything to an open order
    client.force_login(root)
    before = snapshot(archived)
    number = archived.number
    posts = [
        (
            reverse("orders:contact", args=[number]),
            {"contact-channel": "phone", "contact-summary": "x"},
        ),
        (reverse("orders:transition", args=[number, "cancel"]), {"cancel-reason": "other"}),
        (reverse("orders:transition", args=[number, "complete"]), {}),
        (reverse("orders:transition", args=[number, "archive"]), {}),
        (reverse("orders:edit", args=[number]), {}),
    ]
    # when they post every kind of change, then each is turned away with a message
    for url, data in posts:
        response = client.post(url, data, follow=True)
        assert response.status_code == 200, url
        assert any("archived" in m or "cannot" in m for m in messages_of(response)), url
    contact = client.post(
        reverse("orders:contact", args=[number]),
        {"contact-channel": "phone", "contact-summary": "x"},
        follow=True,
    )
    assert "is archived and can no longer be changed" in " ".join(messages_of(contact))
    edit = client.get(reverse("orders:edit", args=[number]), follow=True)
    assert "is archived and can no longer be changed" in " ".join(messages_of(edit))
    # and nothing changed
    assert snapshot(archived) == before


# --- read-only everywhere: the admin --------------------------------------------------------


def test_admin_actions_on_archived_orders_report_each_and_change_nothing(
    client, archived, manager, sales, customer, pump
):
    # given two archived orders
    other = archived_cancelled(customer, sales, pump, manager)
    before = (snapshot(archived), snapshot(other))
    client.force_login(manager)
    changelist = reverse("admin:orders_order_changelist")
    for action in ("approve", "archive"):
        # when the manager runs an action on both
        response = client.post(
            changelist,
            {"action": action, "index": 0, ACTION_CHECKBOX_NAME: [archived.pk, other.pk]},
            follow=True,
        )
        # then each order is reported as archived
        texts = messages_of(response)
        for order in (archived, other):
            assert any(
                order.number in t and "is archived and can no longer be changed" in t for t in texts
            ), (action, texts)
    cancel = client.post(
        changelist,
        {
            "action": "cancel",
            "apply": "1",
            ACTION_CHECKBOX_NAME: [archived.pk],
            "cancel-reason": "other",
            "cancel-note": "late",
        },
        follow=True,
    )
    assert any("is archived" in t for t in messages_of(cancel))
    # and the order page's transition view too
    response = client.post(
        reverse("admin:orders_order_transition", args=[archived.pk, "complete"]),
        {"complete-note": ""},
        follow=True,
    )
    assert any("is archived" in t for t in messages_of(response))
    # and nothing changed
    assert (snapshot(archived), snapshot(other)) == before


def test_the_admin_archive_action_archives_completed_orders(
    client, manager, sales, customer, pump, root
):
    order = completed(customer, sales, pump, root)
    draft = make_order(customer=customer, salesperson=sales, lines=[(pump, 1)])
    client.force_login(manager)
    response = client.post(
        reverse("admin:orders_order_changelist"),
        {"action": "archive", "index": 0, ACTION_CHECKBOX_NAME: [order.pk, draft.pk]},
        follow=True,
    )
    texts = messages_of(response)
    assert f"Order {order.number} archived." in texts
    assert any(draft.number in t and "was not archived" in t for t in texts)
    assert ArchiveRecord.objects.get().order == order


def test_shipping_change_forms_of_an_archived_order_are_read_only(client, archived, manager):
    client.force_login(manager)
    before = snapshot(archived)
    shipment = Shipment.objects.get(order=archived)
    package = Package.objects.get(order=archived)
    document = ShippingDocument.objects.filter(order=archived).first()
    for model, obj in (
        ("shipment", shipment),
        ("package", package),
        ("shippingdocument", document),
    ):
        url = reverse(f"admin:shipping_{model}_change", args=[obj.pk])
        page = client.get(url)
        assert page.status_code == 200, model
        assert page.context["has_change_permission"] is False
        assert 'name="_save"' not in page.content.decode()
        assert client.post(url, {"tracking_number": "X"}).status_code == 403
        delete = reverse(f"admin:shipping_{model}_delete", args=[obj.pk])
        assert client.post(delete, {"post": "yes"}).status_code == 403
    assert snapshot(archived) == before


def test_archive_records_are_read_only_in_the_admin(client, archived, manager):
    client.force_login(manager)
    record = ArchiveRecord.objects.get(order=archived)
    assert client.get(reverse("admin:orders_archiverecord_changelist")).status_code == 200
    url = reverse("admin:orders_archiverecord_change", args=[record.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"next_review_on": "2000-01-01"}).status_code == 403


# --- the yearly review (documentation 5.2) -------------------------------------------------


def due_records(manager, sales, customer, pump, *overdue_days):
    """Archived orders whose reviews fell due ``overdue_days`` ago each."""
    records = []
    for days in overdue_days:
        order = archived_cancelled(customer, sales, pump, manager)
        record = ArchiveRecord.objects.get(order=order)
        record.next_review_on = timezone.localdate() - datetime.timedelta(days=days)
        record.save(update_fields=["next_review_on"])
        records.append(record)
    return records


def test_the_review_page_lists_due_records_most_overdue_first(
    client, manager, sales, customer, pump
):
    today_due, long_overdue, _later = due_records(manager, sales, customer, pump, 0, 40, -5)
    client.force_login(manager)
    response = client.get(REVIEWS)
    assert response.status_code == 200
    assert [row["record"] for row in response.context["rows"]] == [long_overdue, today_due]
    html = response.content.decode()
    assert "40 days overdue" in html


def test_a_reviewer_marks_a_record_reviewed_and_its_next_review_moves_on(
    client, manager, sales, customer, pump, settings
):
    settings.ARCHIVE_REVIEW_INTERVAL_DAYS = 365
    [record] = due_records(manager, sales, customer, pump, 3)
    due_on = record.next_review_on
    client.force_login(manager)
    url = reverse("archive:archive_review", args=[record.pk])
    # when the reviewer posts without a note, then it is refused and nothing recorded
    empty = client.post(url, {f"record-{record.pk}-note": "  "})
    assert empty.status_code == 400
    assert empty.context["rows"][0]["form"].errors["note"]
    assert not ArchiveReview.objects.exists()
    # when they post their note
    response = client.post(url, {f"record-{record.pk}-note": "资料齐全，地址已核对。"}, follow=True)
    # then the review is a row, and the record's dates move on by the interval
    review = ArchiveReview.objects.get()
    assert (review.record, review.reviewer, review.note) == (
        record,
        manager,
        "资料齐全，地址已核对。",
    )
    record.refresh_from_db()
    assert record.last_reviewed_at == review.reviewed_at
    assert record.next_review_on == due_on + datetime.timedelta(days=365)
    assert any("recorded" in m for m in messages_of(response))
    assert response.context["rows"] == []
    # and posting the same review again changes nothing
    again = client.post(url, {f"record-{record.pk}-note": "again"}, follow=True)
    assert any("not due for review" in m for m in messages_of(again))
    assert ArchiveReview.objects.count() == 1
    record.refresh_from_db()
    assert record.next_review_on == due_on + datetime.timedelta(days=365)


def test_a_review_long_overdue_counts_the_next_from_today(manager, sales, customer, pump):
    [record] = due_records(manager, sales, customer, pump, 400)
    services.archive_review_record(record=record, user=manager, note="Checked")
    assert record.next_review_on == timezone.localdate() + datetime.timedelta(
        days=settings.ARCHIVE_REVIEW_INTERVAL_DAYS
    )


def test_the_review_service_refuses_what_it_must(manager, sales, customer, pump):
    [record] = due_records(manager, sales, customer, pump, 1)
    with pytest.raises(Exception) as forbidden:
        services.archive_review_record(record=record, user=sales, note="x")
    assert forbidden.value.status == 403
    with pytest.raises(OrderInvalid) as blank:
        services.archive_review_record(record=record, user=manager, note=" ")
    assert "note" in blank.value.fields
    not_due = archived_cancelled(customer, sales, pump, manager).archive_record
    with pytest.raises(ArchiveReviewNotDue):
        services.archive_review_record(record=not_due, user=manager, note="early")
    assert not ArchiveReview.objects.exists()


def test_only_reviewers_reach_the_review_pages(client, sales, aftersales, manager):
    for user in (sales, aftersales):
        client.force_login(user)
        assert client.get(REVIEWS).status_code == 403
        assert client.post(reverse("archive:archive_review", args=[1])).status_code == 403


# --- the archive search ------------------------------------------------------------------------


@pytest.fixture
def shelf(manager, sales, root, warehouse):
    """Four archived orders that differ in each thing the search filters by."""
    valve = ProductFactory(sku="VALVE-9", name="不锈钢球阀")
    pump = ProductFactory(sku="PUMP-1", name="离心水泵")
    stock(valve, 10)
    stock(pump, 10)
    zhang = CustomerFactory(name="张伟", company="上海浦江机电", phone="13811112222")
    li = CustomerFactory(name="李娜", company="杭州西湖贸易", phone="13933334444")
    a = completed(zhang, sales, pump, root)
    b = cancelled(zhang, sales, valve, manager)
    c = completed(li, sales, valve, root)
    d = cancelled(li, sales, pump, manager)
    dates = {a: "2024-01-10", b: "2024-03-05", c: "2024-06-20", d: "2025-02-01"}
    result = {}
    for order, day in dates.items():
        Order.objects.filter(pk=order.pk).update(
            created_at=timezone.make_aware(datetime.datetime.fromisoformat(f"{day} 10:00"))
        )
        result[day] = services.order_archive(order=order, user=manager).number
    # an order not archived never shows
    make_order(customer=zhang, salesperson=sales, lines=[(pump, 1)])
    return result


def search(client, **params):
    response = client.get(SEARCH, params)
    assert response.status_code == 200
    return [o.number for o in response.context["page"].object_list]


def test_the_archive_search_filters_by_each_field(client, manager, shelf):
    a, b, c, d = (shelf[k] for k in sorted(shelf))
    client.force_login(manager)
    # newest order first, archived orders only
    assert search(client) == [d, c, b, a]
    assert search(client, number=a[-6:]) == [a]
    assert search(client, customer="张伟") == [b, a]
    assert search(client, customer="西湖") == [d, c]
    assert search(client, customer="139 3333 4444") == [d, c]
    assert search(client, product="VALVE") == [c, b]
    assert search(client, product="水泵") == [d, a]
    assert search(client, date_from="2024-03-01", date_to="2024-12-31") == [c, b]
    assert search(client, date_to="2024-01-10") == [a]
    assert search(client, final_status="cancelled") == [d, b]
    assert search(client, final_status="completed") == [c, a]
    assert search(client, customer="张伟", final_status="completed") == [a]
    assert search(client, customer="nobody") == []
    # a reversed date range is an error on the form, not an empty page
    response = client.get(SEARCH, {"date_from": "2025-01-01", "date_to": "2024-01-01"})
    assert response.context["form"].errors["date_to"]


def test_the_archive_search_links_each_order_and_its_dossier(client, manager, shelf):
    client.force_login(manager)
    html = client.get(SEARCH).content.decode()
    for number in shelf.values():
        assert reverse("orders:detail", args=[number]) in html
        assert reverse("archive:dossier_pdf", args=[number]) in html
        assert reverse("archive:dossier_json", args=[number]) in html


def test_the_archive_search_pages_by_25_in_a_bounded_number_of_queries(
    client, manager, sales, customer, pump, django_assert_max_num_queries
):
    for _ in range(26):
        archived_cancelled(customer, sales, pump, manager)
    client.force_login(manager)
    # session, user and permissions, the count, the page: not one per row
    with django_assert_max_num_queries(8):
        first = client.get(SEARCH)
    assert len(first.context["page"].object_list) == 25
    assert first.context["page"].paginator.count == 26
    second = client.get(SEARCH, {"page": 2})
    assert len(second.context["page"].object_list) == 1


def test_after_sales_and_managers_find_the_archive_others_do_not(
    client, manager, aftersales, sales, warehouse_user
):
    for user in (manager, aftersales):
        client.force_login(user)
        response = client.get(SEARCH)
        assert response.status_code == 200
        assert f'href="{SEARCH}"' in response.content.decode()
    client.force_login(manager)
    assert f'href="{REVIEWS}"' in client.get(SEARCH).content.decode()
    client.force_login(aftersales)
    assert f'href="{REVIEWS}"' not in client.get(SEARCH).content.decode()
    for user in (sales, warehouse_user):
        client.force_login(user)
        assert client.get(SEARCH).status_code == 403
    client.force_login(sales)
    assert f'href="{SEARCH}"' not in client.get(reverse("orders:list")).content.decode()


# --- the dossier --------------------------------------------------------------------------------


@pytest.fixture
def full_story(root, sales, manager, warehouse):
    """An order that went through the whole process: a review finding, a
    customer contact, shipped and delivered, a follow-up, a complaint with a
    return, the survey answered, completed, archived and reviewed."""
    customer = CustomerFactory(
        name="张伟",
        company="上海浦江机电设备有限公司",
        contact_person="张伟",
        phone="13812345678",
        credit_limit=Decimal("50000"),
    )
    pump = ProductFactory(sku="PUMP-7", name="离心水泵", list_price=Decimal("10.00"))
    stock(pump, 20)
    order = services.order_create(
        customer=customer,
        salesperson=sales,
        created_by=sales,
        channel="phone",
        requested_delivery_date=timezone.localdate() + datetime.timedelta(days=30),
        payment_method="bank_transfer",
        notes="工作日送货",
        external_ref="ERP-77",
        lines=[services.LineInput(product=pump, quantity=5, unit_price=Decimal("9.50"))],
    )
    services.order_record_contact(
        order=order, user=sales, channel="wechat", summary="客户同意九五折。"
    )
    order = flow.walk_to(order, "delivered", root)
    now = timezone.now()
    line = order.lines.get()
    follow_up = order.follow_ups.order_by("offset_days").first()
    FollowUp.objects.filter(pk=follow_up.pk).update(
        status="done",
        channel="phone",
        usage="冷却线每天运行8小时",
        satisfaction=4,
        done_at=now,
        done_by=sales,
    )
    case = Case.objects.create(
        order=order,
        kind="complaint",
        subject="两台泵密封漏水",
        department="quality",
        owner=manager,
        due_on=timezone.localdate(),
        created_by=manager,
    )
    case.lines.add(line)
    CaseEntry.objects.create(
        case=case, kind="contact", channel="phone", text="客户寄回两台", author=manager
    )
    CaseEntry.objects.create(
        case=case, kind="status", from_status="open", to_status="closed", author=manager
    )
    Case.objects.filter(pk=case.pk).update(
        status="closed", resolution="退款两台", resolved_at=now, closed_at=now
    )
    returned = Return.objects.create(
        case=case,
        order=order,
        reason="密封漏水",
        status="done",
        received_at=now,
        received_by=manager,
        inspected_at=now,
        inspected_by=manager,
        inspection_notes="更换密封圈后如新",
        refund_amount=Decimal("20.00"),
        created_by=manager,
    )
    ReturnLine.objects.create(
        return_request=returned, order_line=line, quantity=2, disposition="restock"
    )
    Survey.objects.update_or_create(
        order=order,
        defaults={
            "token_hash": "0" * 64,
            "expires_at": now + datetime.timedelta(days=30),
            "rating": 5,
            "comment": "服务很好",
            "answered_at": now,
        },
    )
    order = aftersales_services.order_complete(order=order, user=manager)
    order = services.order_archive(order=order, user=manager)
    record = ArchiveRecord.objects.get(order=order)
    ArchiveRecord.objects.filter(pk=record.pk).update(next_review_on=timezone.localdate())
    services.archive_review_record(record=record, user=manager, note="资料齐全")
    return order


KEYS = [
    "order",
    "customer",
    "lines",
    "review_findings",
    "timeline",
    "contacts",
    "shipments",
    "documents",
    "follow_ups",
    "cases",
    "returns",
    "survey",
    "archive",
    "generated_at",
]


def test_the_dossier_json_has_every_section_populated(
    client, full_story, manager, django_assert_max_num_queries
):
    order = full_story
    client.force_login(manager)
    url = reverse("archive:dossier_json", args=[order.number])
    # a fixed number however long the history: the session and user, then
    # one query per section
    with django_assert_max_num_queries(20):
        response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert f'filename="{order.number}-dossier.json"' in response["Content-Disposition"]
    # readable Chinese in the file, not \\u escapes
    assert "张伟" in response.content.decode()
    bundle = json.loads(response.content)
    assert list(bundle) == KEYS
    for key in KEYS:
        assert bundle[key], f"{key} is empty"

    o = bundle["order"]
    assert (o["number"], o["status"], o["channel"], o["payment_method"]) == (
        order.number,
        "archived",
        "phone",
        "bank_transfer",
    )
    assert (o["total"], o["external_ref"], o["notes"], o["salesperson"]) == (
        "47.50",
        "ERP-77",
        "工作日送货",
        "sales",
    )
    assert o["created_at"] and o["requested_delivery_date"]
    c = bundle["customer"]
    assert (c["name"], c["company"], c["phone"], c["credit_limit"]) == (
        "张伟",
        "上海浦江机电设备有限公司",
        "13812345678",
        "50000.00",
    )
    assert c["address"] == "上海市浦东新区世纪大道100号" and c["postcode"] == "200120"
    assert bundle["lines"] == [
        {
            "id": order.lines.get().pk,
            "sku": "PUMP-7",
            "name": "离心水泵",
            "unit": order.lines.get().product.unit,
            "quantity": 5,
            "unit_price": "9.50",
            "line_total": "47.50",
            "picked_quantity": 5,
        }
    ]
    finding = bundle["review_findings"]["findings"][0]
    assert finding["code"] == "price_changed" and "PUMP-7" in finding["message"]
    transitions = [e["transition"] for e in bundle["timeline"] if e["kind"] == "transition"]
    assert transitions == [
        "submit",
        "approve",
        "start_picking",
        "finish_picking",
        "pass_qc",
        "pack",
        "ship",
        "confirm_delivery",
        "complete",
        "archive",
    ]
    archive_event = bundle["timeline"][-1]
    assert (archive_event["actor"], archive_event["from_status"], archive_event["to_status"]) == (
        "manager",
        "completed",
        "archived",
    )
    assert bundle["contacts"][0]["summary"] == "客户同意九五折。"
    [shipment] = bundle["shipments"]
    assert shipment["carrier_code"] == "sf" and shipment["tracking_number"].startswith("SF")
    assert shipment["delivered"] is True and shipment["signed_by"] == "张三"
    assert shipment["packages"][0]["weight_kg"] == "2.50"
    kinds = {d["kind"] for d in bundle["documents"]}
    assert kinds == {"packing_slip", "labels"}
    for doc in bundle["documents"]:
        assert doc["download_url"].startswith("http://testserver/logistics/documents/")
        assert doc["filename"] == f"{order.number}-{doc['kind']}.pdf"
    done = [f for f in bundle["follow_ups"] if f["status"] == "done"]
    assert done[0]["satisfaction"] == 4 and done[0]["done_by"] == "sales"
    [case] = bundle["cases"]
    assert case["subject"] == "两台泵密封漏水" and case["status"] == "closed"
    assert case["lines"] == [{"id": order.lines.get().pk, "sku": "PUMP-7"}]
    assert [e["kind"] for e in case["entries"]] == ["contact", "status"]
    [returned] = bundle["returns"]
    assert returned["refund_amount"] == "20.00" and returned["case"] == case["number"]
    assert returned["lines"] == [
        {
            "order_line": order.lines.get().pk,
            "sku": "PUMP-7",
            "quantity": 2,
            "disposition": "restock",
        }
    ]
    survey = bundle["survey"]
    assert (survey["rating"], survey["comment"]) == (5, "服务很好") and survey["answered_at"]
    record = bundle["archive"]
    assert (record["final_status"], record["archived_by"]) == ("completed", "manager")
    assert [(r["reviewer"], r["note"]) for r in record["reviews"]] == [("manager", "资料齐全")]
    assert record["last_reviewed_at"]


def test_an_order_not_archived_has_a_dossier_with_survey_and_archive_null(
    client, sales, customer, pump
):
    order = make_order(customer=customer, salesperson=sales, lines=[(pump, 1)])
    client.force_login(sales)
    bundle = client.get(reverse("archive:dossier_json", args=[order.number])).json()
    assert bundle["survey"] is None and bundle["archive"] is None
    assert bundle["shipments"] == [] and bundle["cases"] == []
    assert bundle["order"]["status"] == "draft"


def test_the_dossier_follows_the_order_visibility_rules(client, sales, customer, pump, integration):
    order = make_order(customer=customer, salesperson=sales, lines=[(pump, 1)])
    nobody = UserFactory(username="nobody")
    for user, status in ((integration, 404), (nobody, 403)):
        client.force_login(user)
        for name in ("archive:dossier_json", "archive:dossier_pdf"):
            assert client.get(reverse(name, args=[order.number])).status_code == status
    client.logout()
    response = client.get(reverse("archive:dossier_json", args=[order.number]))
    assert response.status_code == 302


def pdf_text(response) -> str:
    reader = PdfReader(io.BytesIO(response.content))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_dossier_pdf_names_the_chinese_customer_and_the_order(client, full_story, manager):
    order = full_story
    client.force_login(manager)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("archive:dossier_pdf", args=[order.number]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response)
    assert "张伟" in text
    assert order.number in text
    for words in ("上海浦江机电设备有限公司", "两台泵密封漏水", "资料齐全", "Timeline", "Archived"):
        assert words in text, words


def test_the_dossier_pdf_is_in_the_readers_language(client, full_story, manager):
    client.force_login(manager)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    text = pdf_text(client.get(reverse("archive:dossier_pdf", args=[full_story.number])))
    assert "时间线" in text and "已归档" in text
    assert "Timeline" not in text


def test_a_long_history_runs_over_as_many_pages_as_it_needs(client, sales, customer, pump):
    order = make_order(customer=customer, salesperson=sales, lines=[(pump, 1)])
    for i in range(80):
        services.order_record_contact(
            order=order, user=sales, channel="phone", summary=f"第{i}次沟通：客户询问交货时间。"
        )
    client.force_login(sales)
    response = client.get(reverse("archive:dossier_pdf", args=[order.number]))
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) > 2
    text = pdf_text(response)
    assert "第0次沟通" in text and "第79次沟通" in text
    assert CustomerContact.objects.filter(order=order).count() == 80


def test_orders_archived_before_the_records_existed_get_theirs_from_the_timeline(
    manager, sales, customer, pump
):
    # given an order archived with no record (as before the archive kept them)
    order = archived_cancelled(customer, sales, pump, manager)
    event = order.events.get(transition="archive")
    long_ago = timezone.now() - datetime.timedelta(days=800)
    OrderEvent.objects.filter(pk=event.pk).update(created_at=long_ago)
    ArchiveRecord.objects.filter(order=order).delete()
    # when the data migration runs
    migration = importlib.import_module(
        "orders.migrations.0012_archive_records_for_archived_orders"
    )
    migration.backfill(django_apps, None)
    # then the record says what the timeline says, and its review is overdue
    record = ArchiveRecord.objects.get(order=order)
    assert (record.final_status, record.archived_by, record.archived_at) == (
        "cancelled",
        manager,
        long_ago,
    )
    assert record.next_review_on == timezone.localdate(long_ago) + datetime.timedelta(
        days=settings.ARCHIVE_REVIEW_INTERVAL_DAYS
    )
    assert record in archive_selectors.archive_reviews_due()


# --- concurrency (PostgreSQL, real threads) ----------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_job_and_a_manager_archiving_at_once_archive_once(customer, sales, manager, pump):
    # given an order cancelled long ago
    order = cancelled(customer, sales, pump, manager)
    settle_at(order, timezone.now() - datetime.timedelta(days=1000))
    # when the nightly job and a manager archive it at the same instant
    results = run_in_threads(
        lambda who: (
            archive_jobs.orders_archive_due().as_dict()
            if who == "job"
            else services.order_archive(order=Order.objects.get(pk=order.pk), user=manager)
        ),
        [("job",), ("manager",)],
    )
    # then it is archived once: one record, one archive event. Whoever came
    # second was refused (the manager hears it is archived; the job counts a
    # failure) or, for the job, found nothing due any more.
    assert ArchiveRecord.objects.filter(order=order).count() == 1
    assert order.events.filter(transition="archive").count() == 1
    job, by_hand = results
    manager_won = isinstance(by_hand, Order)
    if manager_won:
        assert job in ({"archived": 0, "failed": 0}, {"archived": 0, "failed": 1}), results
    else:
        assert job == {"archived": 1, "failed": 0}, results
        assert isinstance(by_hand, OrderArchived | OrderConflict), results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_no_contact_lands_after_the_archive(customer, sales, manager, pump):
    # given a cancelled order
    order = cancelled(customer, sales, pump, manager)

    # when a manager archives it while salespeople record contacts on it
    def act(i):
        copy = Order.objects.get(pk=order.pk)
        if i == 0:
            return services.order_archive(order=copy, user=manager)
        return services.order_record_contact(
            order=copy, user=sales, channel="phone", summary=f"call {i}"
        )

    results = run_in_threads(act, [(i,) for i in range(8)])
    # then every contact either came before the archive or was refused
    assert not isinstance(results[0], Exception), results[0]
    refused = [r for r in results[1:] if isinstance(r, Exception)]
    assert all(isinstance(r, OrderArchived) for r in refused), refused
    archived_at = order.events.get(transition="archive").pk
    assert not order.events.filter(kind="contact", pk__gt=archived_at).exists()
    assert order.contacts.count() == 7 - len(refused)
