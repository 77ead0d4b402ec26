"""The sales manager's admin: the order list, the order page, the approve /
request adjustment / cancel actions, the review queue, and customers."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from inventory.models import StockItem, StockMovement
from orders import services
from orders.models import Customer, Order, OrderEvent
from tests import flow
from tests.factories import CustomerFactory, ProductFactory, UserFactory, make_order, stock

CHANGELIST = reverse("admin:orders_order_changelist")
QUEUE = reverse("admin:orders_order_review_queue")


@pytest.fixture
def root(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


@pytest.fixture
def staff_sales(db):
    """A salesperson who can log into the admin but does not review."""
    return UserFactory(username="staff_sales", roles=["Sales"], is_staff=True)


def change_url(order):
    return reverse("admin:orders_order_change", args=[order.pk])


def transition_url(order, name):
    return reverse("admin:orders_order_transition", args=[order.pk, name])


def submitted(customer, salesperson, lines, **kwargs):
    order = make_order(customer=customer, salesperson=salesperson, lines=lines, **kwargs)
    return services.order_submit(order=order, user=salesperson)


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def reserved(product) -> int:
    return StockItem.objects.get(product=product).reserved


def date_filter_link(response, label: str) -> str:
    """The query string of one of the created-date filter's links."""
    cl = response.context["cl"]
    spec = next(s for s in cl.filter_specs if s.field_path == "created_at")
    return next(c["query_string"] for c in spec.choices(cl) if str(c["display"]) == label)


def run_action(client, action, orders, **extra):
    """Post an admin action for ``orders`` the way the changelist form does."""
    data = {"action": action, "index": 0, ACTION_CHECKBOX_NAME: [o.pk for o in orders], **extra}
    return client.post(CHANGELIST, data, follow=True)


# --- the order list --------------------------------------------------------------


def test_changelist_lists_filters_and_searches_orders(client, manager, sales, customer, product):
    # given a submitted order and a draft of another customer
    other = CustomerFactory(name="北京客户", company="北京示例工程", phone="010-12345678")
    sub = submitted(customer, sales, [(product, 2)])
    draft = make_order(customer=other, salesperson=sales, lines=[(product, 1)])
    client.force_login(manager)

    # when the manager opens the list
    response = client.get(CHANGELIST)
    # then both orders are there with the total in CNY and two decimals
    assert response.status_code == 200
    html = response.content.decode()
    assert sub.number in html and draft.number in html
    assert "¥20.00" in html

    # when filtering by status, by salesperson and by today's date
    by_status = client.get(CHANGELIST, {"status__exact": "submitted"})
    by_person = client.get(CHANGELIST, {"salesperson__id__exact": sales.pk})
    by_date = client.get(CHANGELIST + date_filter_link(response, "Today"))
    # then the filters apply
    assert [o.number for o in by_status.context["cl"].result_list] == [sub.number]
    assert by_person.context["cl"].result_count == 2
    assert by_date.context["cl"].result_count == 2

    # when searching by company, phone and number
    for query, expected in [("北京示例", draft), ("010-1234", draft), (sub.number, sub)]:
        found = client.get(CHANGELIST, {"q": query}).context["cl"].result_list
        # then only the matching order is found
        assert [o.number for o in found] == [expected.number], query


@pytest.mark.parametrize("count", [1, 30])
def test_changelist_query_count_does_not_grow_with_orders(
    client, manager, sales, product, count, django_assert_max_num_queries
):
    # given 1 or 30 orders of different customers and salespeople
    for i in range(count):
        person = UserFactory(username=f"seller{i % 3}", roles=["Sales"])
        make_order(customer=CustomerFactory(), salesperson=person, lines=[(product, 1)])
    client.force_login(manager)
    # when the manager opens the list with a filter, the date hierarchy and a search
    # then the same bounded number of queries runs either way
    with django_assert_max_num_queries(13):
        response = client.get(CHANGELIST, {"q": "客户", "status__exact": "draft"})
    assert response.context["cl"].result_count == count


# --- the order page ----------------------------------------------------------------


def test_change_form_shows_lines_timeline_contacts_and_findings(
    client, manager, sales, customer, product
):
    # given a submitted order with a short delivery date and a price below list
    order = services.order_create(
        customer=customer,
        salesperson=sales,
        created_by=sales,
        channel="phone",
        requested_delivery_date=timezone.localdate() + datetime.timedelta(days=1),
        payment_method="alipay",
        lines=[services.LineInput(product=product, quantity=3, unit_price=Decimal("8.00"))],
    )
    services.order_record_contact(order=order, user=sales, channel="wechat", summary="客户确认数量")
    order = services.order_submit(order=order, user=sales, note="请尽快审核")
    client.force_login(manager)

    # when the manager opens it
    response = client.get(change_url(order))

    # then the lines, the timeline, the contact and the findings in words are shown
    assert response.status_code == 200
    html = response.content.decode()
    assert "WIDGET-1" in html and "¥24.00" in html
    assert "请尽快审核" in html and "Submit: Draft → Submitted" in html
    assert "客户确认数量" in html
    assert "WIDGET-1: price 8.00 differs from list price 10.00." in html
    assert "is before the earliest feasible" in html
    # and the buttons are the transitions the manager may take now
    for name in ("approve", "request_adjustment", "cancel"):
        assert transition_url(order, name) in html
    # and there is no save button: the page is read-only
    assert 'name="_save"' not in html


def test_change_form_offers_only_the_transitions_the_state_allows(
    client, manager, root, customer, product
):
    # given an approved order
    order = flow.walk_to(
        make_order(customer=customer, salesperson=root, lines=[(product, 1)]), "approved", root
    )
    client.force_login(manager)
    # when the manager opens it
    html = client.get(change_url(order)).content.decode()
    # then it can be cancelled but no longer approved or sent back
    assert transition_url(order, "cancel") in html
    assert transition_url(order, "approve") not in html
    assert transition_url(order, "request_adjustment") not in html


def test_status_cannot_be_edited_through_the_change_form(client, root, sales, customer, product):
    # given a submitted order and even a superuser
    order = submitted(customer, sales, [(product, 1)])
    client.force_login(root)
    # when they post a new status (and total) to the change form
    response = client.post(change_url(order), {"status": "approved", "total": "1.00"})
    # then it is refused and nothing changed, no stock reserved
    assert response.status_code == 403
    order.refresh_from_db()
    assert order.status == "submitted"
    assert order.total == Decimal("10.00")
    assert reserved(product) == 0
    # and no add or delete either
    assert client.get(reverse("admin:orders_order_add")).status_code == 403
    assert client.get(reverse("admin:orders_order_delete", args=[order.pk])).status_code == 403


# --- the actions ---------------------------------------------------------------------


def test_approve_action_approves_submitted_orders_and_reserves_stock(
    client, manager, sales, customer, product
):
    # given two submitted orders
    a = submitted(customer, sales, [(product, 3)])
    b = submitted(customer, sales, [(product, 4)])
    client.force_login(manager)
    # when the manager approves both
    response = run_action(client, "approve", [a, b])
    # then both are approved, stock is reserved for both, and each is reported
    assert response.status_code == 200
    for order in (a, b):
        order.refresh_from_db()
        assert order.status == "approved"
    assert reserved(product) == 7
    msgs = messages_of(response)
    assert f"Order {a.number} approved; stock reserved." in msgs
    assert f"Order {b.number} approved; stock reserved." in msgs


def test_approve_action_reports_each_failure_and_leaves_those_orders_alone(
    client, manager, sales, customer, product
):
    # given a submitted order that fits, one lacking stock, and a draft
    scarce = ProductFactory(sku="SCARCE-9")
    stock(scarce, 2)
    ok = submitted(customer, sales, [(product, 5)])
    short = submitted(customer, sales, [(product, 1), (scarce, 5)])
    draft = make_order(customer=customer, salesperson=sales, lines=[(product, 1)])
    client.force_login(manager)

    # when the manager approves all three at once
    response = run_action(client, "approve", [ok, short, draft])

    # then the one that fits is approved
    ok.refresh_from_db()
    assert ok.status == "approved"
    # and the others are unchanged, with nothing reserved for them
    short.refresh_from_db()
    draft.refresh_from_db()
    assert short.status == "submitted"
    assert draft.status == "draft"
    assert reserved(product) == 5
    assert reserved(scarce) == 0
    # and each failure is reported with its order number and reason
    msgs = messages_of(response)
    assert f"Order {ok.number} approved; stock reserved." in msgs
    assert any(
        m.startswith(f"Order {short.number} was not approved") and "SCARCE-9" in m for m in msgs
    ), msgs
    assert any(
        m.startswith(f"Order {draft.number} was not approved") and "Draft" in m for m in msgs
    ), msgs


def test_request_adjustment_action_asks_for_reason_and_note_then_sends_back(
    client, manager, sales, customer, product
):
    # given two submitted orders
    a = submitted(customer, sales, [(product, 1)])
    b = submitted(customer, sales, [(product, 2)])
    client.force_login(manager)

    # when the manager chooses the action
    first = run_action(client, "request_adjustment", [a, b])
    # then an intermediate page asks for the reason and the note, listing both orders
    assert first.status_code == 200
    assert first.templates[0].name == "admin/orders/order/transition_confirm.html"
    html = first.content.decode()
    assert a.number in html and b.number in html
    assert 'name="request_adjustment-reason"' in html
    assert 'name="request_adjustment-note"' in html
    a.refresh_from_db()
    assert a.status == "submitted"

    # when they submit it without a note
    missing = client.post(
        CHANGELIST,
        {
            "action": "request_adjustment",
            "apply": "1",
            ACTION_CHECKBOX_NAME: [a.pk, b.pk],
            "request_adjustment-reason": "price_change",
        },
    )
    # then the page comes back with the error and nothing changed
    assert missing.status_code == 200
    assert missing.context["form"].errors["note"]
    a.refresh_from_db()
    assert a.status == "submitted"

    # when they fill in reason and note
    response = client.post(
        CHANGELIST,
        {
            "action": "request_adjustment",
            "apply": "1",
            ACTION_CHECKBOX_NAME: [a.pk, b.pk],
            "request_adjustment-reason": "price_change",
            "request_adjustment-note": "请与客户确认新价格",
        },
        follow=True,
    )
    # then both need adjustment, each event records the reason and the note
    for order in (a, b):
        order.refresh_from_db()
        assert order.status == "needs_adjustment"
        event = order.events.get(transition="request_adjustment")
        assert event.data["reason"] == "price_change"
        assert event.note == "请与客户确认新价格"
        assert event.actor == manager
    assert f"Order {a.number} sent back to sales for adjustment." in messages_of(response)


def test_cancel_action_releases_the_reservation(client, manager, root, customer, product):
    # given an approved order holding stock
    order = flow.walk_to(
        make_order(customer=customer, salesperson=root, lines=[(product, 6)]), "approved", root
    )
    assert reserved(product) == 6
    client.force_login(manager)
    # when the manager cancels it with a reason and a note
    response = client.post(
        CHANGELIST,
        {
            "action": "cancel",
            "apply": "1",
            ACTION_CHECKBOX_NAME: [order.pk],
            "cancel-reason": "customer_request",
            "cancel-note": "客户取消",
        },
        follow=True,
    )
    # then it is cancelled and the stock is free again, through a release row
    order.refresh_from_db()
    assert order.status == "cancelled"
    assert reserved(product) == 0
    assert StockMovement.objects.filter(order=order, kind="release").count() == 1
    event = order.events.get(transition="cancel")
    assert event.data["reason"] == "customer_request"
    assert f"Order {order.number} cancelled; its reservations were released." in messages_of(
        response
    )


def test_actions_are_not_offered_to_a_role_that_cannot_review(
    client, staff_sales, sales, customer, product
):
    # given a salesperson with admin access
    order = submitted(customer, sales, [(product, 1)])
    client.force_login(staff_sales)
    # when they open the order list
    response = client.get(CHANGELIST)
    # then approve and request adjustment are not among the actions (cancel is:
    # sales may cancel orders)
    choices = [name for name, _label in response.context["action_form"].fields["action"].choices]
    assert "approve" not in choices and "request_adjustment" not in choices
    assert "cancel" in choices
    # and forcing the approve action through a POST does nothing
    run_action(client, "approve", [order])
    order.refresh_from_db()
    assert order.status == "submitted"


# --- one order's buttons ---------------------------------------------------------------


def test_transition_page_confirms_then_runs_the_service(client, manager, sales, customer, product):
    # given a submitted order
    order = submitted(customer, sales, [(product, 2)])
    client.force_login(manager)
    # when the manager opens its cancel button
    page = client.get(transition_url(order, "cancel"), {"next": change_url(order)})
    # then a form asks for reason and note
    assert page.status_code == 200
    assert 'name="cancel-reason"' in page.content.decode()
    # when they confirm
    response = client.post(
        transition_url(order, "cancel"),
        {"cancel-reason": "duplicate", "cancel-note": "重复下单", "next": change_url(order)},
    )
    # then it is cancelled and they are back on the order page
    assert response.status_code == 302 and response.url == change_url(order)
    order.refresh_from_db()
    assert order.status == "cancelled"


def test_transition_page_for_a_move_not_allowed_now_goes_back_with_a_message(
    client, manager, sales, customer, product
):
    # given a draft order
    order = make_order(customer=customer, salesperson=sales, lines=[(product, 1)])
    client.force_login(manager)
    # when the manager opens its approve page
    response = client.get(transition_url(order, "approve"), follow=True)
    # then they are back on the order page with the reason, and nothing changed
    assert response.redirect_chain[-1][0] == change_url(order)
    assert any("cannot approve" in m for m in messages_of(response))
    order.refresh_from_db()
    assert order.status == "draft"


def test_transition_page_refuses_an_unsafe_next_and_unknown_transitions(
    client, manager, sales, customer, product
):
    # given a submitted order
    order = submitted(customer, sales, [(product, 1)])
    client.force_login(manager)
    # when a transition the admin does not offer is asked for, then 404
    assert client.get(transition_url(order, "ship")).status_code == 404
    # when approve is posted with a next URL on another site
    response = client.post(transition_url(order, "approve"), {"next": "https://evil.example/"})
    # then it runs and goes back to the order page instead
    assert response.url == change_url(order)
    order.refresh_from_db()
    assert order.status == "approved"


# --- the review queue -----------------------------------------------------------------


def test_review_queue_lists_only_submitted_orders_oldest_first_with_findings(
    client, manager, sales, root, customer, product
):
    # given orders in several states; two submitted, the first one short of stock
    scarce = ProductFactory(sku="SCARCE-1")
    older = submitted(customer, sales, [(scarce, 3)])
    newer = submitted(customer, sales, [(product, 1)])
    Order.objects.filter(pk=older.pk).update(updated_at=timezone.now() - datetime.timedelta(days=2))
    draft = make_order(customer=customer, salesperson=sales, lines=[(product, 1)])
    approved = flow.walk_to(
        make_order(customer=customer, salesperson=root, lines=[(product, 1)]), "approved", root
    )
    client.force_login(manager)

    # when the manager opens the review queue
    response = client.get(QUEUE)

    # then only the submitted orders are listed, oldest first
    assert response.status_code == 200
    assert [row["order"].number for row in response.context["rows"]] == [
        older.number,
        newer.number,
    ]
    html = response.content.decode()
    assert draft.number not in html and approved.number not in html
    # and the older one shows its finding in words, the newer one none
    assert "SCARCE-1: 3 requested, only 0 available." in html
    assert "No findings." in html
    # and each row has approve, request adjustment and cancel controls
    for name in ("approve", "request_adjustment", "cancel"):
        assert transition_url(older, name) in html


def test_review_queue_approve_button_approves_and_returns_to_the_queue(
    client, manager, sales, customer, product
):
    # given a submitted order
    order = submitted(customer, sales, [(product, 2)])
    client.force_login(manager)
    # when the manager presses approve in the queue
    response = client.post(transition_url(order, "approve"), {"next": QUEUE}, follow=True)
    # then it is approved, the queue shows again, and it is no longer in it
    order.refresh_from_db()
    assert order.status == "approved"
    assert response.redirect_chain[-1][0] == QUEUE
    assert response.context["rows"] == []
    assert f"Order {order.number} approved; stock reserved." in messages_of(response)


@pytest.mark.parametrize("count", [1, 30])
def test_review_queue_query_count_does_not_grow_with_orders(
    client, manager, sales, product, count, django_assert_max_num_queries
):
    # given 1 or 30 submitted orders of different customers
    for _ in range(count):
        submitted(CustomerFactory(), sales, [(product, 1)])
    client.force_login(manager)
    # when the queue is opened, then a bounded number of queries runs
    with django_assert_max_num_queries(10):
        response = client.get(QUEUE)
    assert len(response.context["rows"]) == count


def test_review_queue_is_only_for_reviewers(client, sales, staff_sales):
    # given a salesperson without admin access
    client.force_login(sales)
    # when they open the queue, then they are sent to the admin login
    response = client.get(QUEUE)
    assert response.status_code == 302
    assert reverse("admin:login") in response.url
    # given a salesperson with admin access but no review permission
    client.force_login(staff_sales)
    # then the queue is forbidden
    assert client.get(QUEUE).status_code == 403


def test_admin_index_and_order_list_link_to_the_review_queue(
    client, manager, sales, customer, product
):
    # given one submitted order
    submitted(customer, sales, [(product, 1)])
    client.force_login(manager)
    # when the manager opens the admin index and the order list
    index = client.get(reverse("admin:index")).content.decode()
    changelist = client.get(CHANGELIST).content.decode()
    # then both link to the review queue, the list with the count waiting
    assert f'href="{QUEUE}"' in index
    assert f'href="{QUEUE}"' in changelist
    assert "Review queue (1 waiting)" in changelist


# --- customers -----------------------------------------------------------------------


def test_customer_admin_searches_and_filters(client, manager, customer):
    # given two customers in different provinces
    CustomerFactory(name="王芳", company="广州南方水务", phone="020-83456789", province="广东省")
    client.force_login(manager)
    url = reverse("admin:orders_customer_changelist")
    # when searching by phone and filtering by province
    by_phone = client.get(url, {"q": "020-8345"}).context["cl"].result_list
    by_province = client.get(url, {"province__exact": "上海市"}).context["cl"].result_list
    by_language = client.get(url, {"preferred_language__exact": "en"}).context["cl"]
    # then each finds the right customers
    assert [c.name for c in by_phone] == ["王芳"]
    assert [c.name for c in by_province] == [customer.name]
    assert by_language.result_count == 0


def test_customer_added_in_the_admin_goes_through_the_service(client, manager):
    # given the manager on the add form
    client.force_login(manager)
    # when they add a customer with a phone typed with spaces
    response = client.post(
        reverse("admin:orders_customer_add"),
        {
            "name": "赵丽",
            "company": "北京京北暖通",
            "contact_person": "赵丽",
            "phone": "139 1234 5678",
            "email": "",
            "province": "北京市",
            "city": "北京市",
            "district": "海淀区",
            "street": "中关村大街 27 号",
            "postcode": "100080",
            "preferred_language": "zh-hans",
            "credit_limit": "3000",
            "payment_terms": "net_30",
            # the (read-only) timeline's management form, as the page sends it
            "events-TOTAL_FORMS": "0",
            "events-INITIAL_FORMS": "0",
        },
    )
    # then it is saved with the phone normalised, so a search by phone finds it
    assert response.status_code == 302, response.context["adminform"].form.errors
    customer = Customer.objects.get(name="赵丽")
    assert customer.phone == "13912345678"


def test_order_events_are_never_written_by_the_admin(client, manager, sales, customer, product):
    # given a submitted order with its events
    order = submitted(customer, sales, [(product, 1)])
    before = OrderEvent.objects.filter(order=order).count()
    client.force_login(manager)
    # when the manager only reads the order page and the queue
    client.get(change_url(order))
    client.get(QUEUE)
    # then no event was added
    assert OrderEvent.objects.filter(order=order).count() == before
