"""Contract tests of the after-sales API (process 5): follow-ups, cases and
returns over /api/v1/, from a delivered order to a closed case, with the one
error shape for every refusal."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from rest_framework.test import APIClient

from aftersales import services
from aftersales.models import Case, FollowUp, Return, ReturnLine
from aftersales.services import ReturnLineInput
from inventory.models import StockItem, StockMovement
from notifications.models import OutboxMessage
from orders import services as order_services
from orders_site.demo import walk_to
from tests.factories import CustomerFactory, ProductFactory, UserFactory, make_order, stock

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def assert_error(response, status, code=None):
    assert response.status_code == status, response.content
    data = response.json()
    assert set(data) >= {"code", "message", "fields"}
    if code:
        assert data["code"] == code, data
    return data


@pytest.fixture
def boss(db):
    return UserFactory(
        username="boss",
        roles=["Sales", "Sales Manager", "Warehouse", "Logistics", "After-sales"],
    )


@pytest.fixture
def pump(warehouse):
    product = ProductFactory(sku="PUMP-7", list_price=Decimal("10.00"))
    stock(product, 20)
    return product


@pytest.fixture
def delivered(boss, sales, pump):
    """An order of 5 pumps, delivered: its two follow-ups are scheduled."""
    customer = CustomerFactory(name="华东机电有限公司", email="buyer@example.com")
    order = make_order(customer=customer, salesperson=sales, lines=[(pump, 5)])
    return walk_to(order, "delivered", boss)


def on_hand(product) -> int:
    return StockItem.objects.get(product=product).on_hand


def open_case(order, user, **over) -> Case:
    kwargs = {"kind": "complaint", "subject": "Leaks", "department": "quality"} | over
    return services.case_open(order=order, user=user, **kwargs)


def make_return(case, user, quantity=2) -> Return:
    line = case.order.lines.get()
    return services.return_create(
        case=case,
        user=user,
        reason="Seal leaks",
        lines=[ReturnLineInput(order_line=line, quantity=quantity)],
    )


def case_body(order, **over):
    return {
        "order": order.number,
        "kind": "complaint",
        "subject": "Two pumps leak at the seal",
        "description": "Photos by WeChat",
        "department": "quality",
    } | over


# --- the whole flow ------------------------------------------------------------------


def test_from_delivery_to_a_closed_case_over_the_api(
    api_for, delivered, sales, aftersales, warehouse_user, pump
):
    order, line = delivered, delivered.lines.get()
    sales_api, staff_api, warehouse_api = (
        api_for(sales),
        api_for(aftersales),
        api_for(warehouse_user),
    )
    assert on_hand(pump) == 15

    # process 5.1: the salesperson's two follow-ups, recorded one by one
    listed = sales_api.get("/api/v1/follow-ups/", {"owner": "me", "order": order.number})
    assert listed.status_code == 200, listed.content
    follow_ups = listed.json()["results"]
    assert [(f["offset_days"], f["status"], f["order"]) for f in follow_ups] == [
        (3, "open", order.number),
        (30, "open", order.number),
    ]
    first = sales_api.post(
        f"/api/v1/follow-ups/{follow_ups[0]['id']}/record/",
        {"channel": "phone", "usage": "Cooling line, 8 h a day", "satisfaction": 4},
        format="json",
    )
    assert first.status_code == 200, first.content
    assert (first.json()["status"], first.json()["satisfaction"]) == ("done", 4)
    second = sales_api.post(
        f"/api/v1/follow-ups/{follow_ups[1]['id']}/record/",
        {"channel": "wechat", "notes": "Two pumps leak"},
        format="json",
    )
    assert second.status_code == 200, second.content
    assert second.json()["satisfaction"] is None
    assert order.follow_ups.filter(status="done").count() == 2

    # process 5.2: a complaint on the line, taken up, a contact logged
    created = staff_api.post(
        "/api/v1/cases/",
        case_body(order, lines=[line.pk]),
        format="json",
        HTTP_IDEMPOTENCY_KEY="case-1",
    )
    assert created.status_code == 201, created.content
    case = created.json()
    assert created["Location"] == f"/api/v1/cases/{case['id']}/"
    assert (case["status"], case["owner_username"]) == ("open", "aftersales")
    assert case["due_on"] == (TODAY + datetime.timedelta(days=3)).isoformat()
    assert [item["id"] for item in case["lines"]] == [line.pk]
    assert case["returnable_lines"] == [
        {
            "line": line.pk,
            "sku": "PUMP-7",
            "name": pump.name,
            "unit_price": "10.00",
            "shipped": 5,
            "returned": 0,
            "left": 5,
        }
    ]
    assert case["available_transitions"] == ["start", "resolve"]
    url = f"/api/v1/cases/{case['id']}/"
    assert staff_api.post(url + "start/", {}, format="json").json()["status"] == "in_progress"
    entry = staff_api.post(
        url + "entries/",
        {"kind": "contact", "channel": "phone", "text": "Customer sends them back"},
        format="json",
    )
    assert entry.status_code == 201, entry.content
    assert entry.json()["kind"] == "contact"

    # 2 units come back, are received and restocked after inspection
    returned = staff_api.post(
        "/api/v1/returns/",
        {"case": case["id"], "reason": "Seal leaks", "lines": [{"line": line.pk, "quantity": 2}]},
        format="json",
        HTTP_IDEMPOTENCY_KEY="return-1",
    )
    assert returned.status_code == 201, returned.content
    return_ = returned.json()
    assert (return_["status"], return_["case"], return_["order"]) == (
        "requested",
        case["id"],
        order.number,
    )
    [return_line] = return_["lines"]
    assert (return_line["line"], return_line["quantity"]) == (line.pk, 2)
    rurl = f"/api/v1/returns/{return_['id']}/"
    received = warehouse_api.post(rurl + "receive/", {}, format="json")
    assert received.status_code == 200, received.content
    assert received.json()["status"] == "received"
    inspected = warehouse_api.post(
        rurl + "inspect/",
        {
            "lines": [{"id": return_line["id"], "disposition": "restock"}],
            "notes": "Seals replaced",
            "refund_amount": "20.00",
        },
        format="json",
    )
    assert inspected.status_code == 200, inspected.content
    done = inspected.json()
    assert (done["status"], done["refund_amount"], done["inspected_by"]) == (
        "done",
        "20.00",
        "warehouse",
    )
    assert done["lines"][0]["disposition"] == "restock"
    assert done["lines"][0]["restocked"] is True
    assert on_hand(pump) == 17
    movement = StockMovement.objects.get(kind="return")
    assert (movement.on_hand_change, movement.order) == (2, order)

    # resolved (the customer is told by email), then closed
    resolved = staff_api.post(
        url + "resolve/", {"resolution": "Two pumps replaced, refund 20.00"}, format="json"
    )
    assert resolved.status_code == 200, resolved.content
    assert resolved.json()["status"] == "resolved"
    message = OutboxMessage.objects.get(event="aftersales.case_resolved")
    assert (message.recipient, message.order) == ("buyer@example.com", order)
    closed = staff_api.post(url + "close/", {"note": "done"}, format="json")
    assert closed.status_code == 200, closed.content
    final = closed.json()
    assert final["status"] == "closed"
    assert final["available_transitions"] == ["reopen"]
    assert [(e["kind"], e["to_status"]) for e in final["entries"]] == [
        ("status", "open"),
        ("status", "in_progress"),
        ("contact", ""),
        ("status", "resolved"),
        ("status", "closed"),
    ]
    assert [r["status"] for r in final["returns"]] == ["done"]
    assert final["returnable_lines"][0]["left"] == 3
    listed = staff_api.get("/api/v1/returns/", {"case": case["id"]}).json()
    assert [r["id"] for r in listed["results"]] == [return_["id"]]


# --- bad input: every field named ------------------------------------------------------


def test_follow_up_record_names_each_bad_field(api_for, delivered, sales):
    follow_up = delivered.follow_ups.order_by("offset_days").first()
    url = f"/api/v1/follow-ups/{follow_up.pk}/record/"
    client = api_for(sales)
    data = assert_error(
        client.post(url, {"channel": "pigeon", "satisfaction": 9}, format="json"), 400, "invalid"
    )
    assert set(data["fields"]) == {"channel", "satisfaction"}
    # usage or notes: the service's own rule, on the same field shape
    data = assert_error(client.post(url, {"channel": "phone"}, format="json"), 400, "invalid")
    assert set(data["fields"]) == {"notes"}
    follow_up.refresh_from_db()
    assert follow_up.status == "open"


def test_case_create_names_each_bad_field(api_for, delivered, aftersales, customer, product, sales):
    other = make_order(customer=customer, salesperson=sales, lines=[(product, 1)])
    client = api_for(aftersales)
    data = assert_error(
        client.post(
            "/api/v1/cases/",
            {
                "order": "SO-NOPE",
                "kind": "rant",
                "subject": "",
                "department": "it",
                "owner": 999_999,
                "lines": ["one"],
                "due_on": "soon",
            },
            format="json",
        ),
        400,
        "invalid",
    )
    assert set(data["fields"]) == {
        "order",
        "kind",
        "subject",
        "department",
        "owner",
        "lines[0]",
        "due_on",
    }
    # a line of another order is named by its position
    foreign = other.lines.get().pk
    own = delivered.lines.get().pk
    data = assert_error(
        client.post("/api/v1/cases/", case_body(delivered, lines=[own, foreign]), format="json"),
        400,
        "invalid",
    )
    assert set(data["fields"]) == {"lines[1]"}
    # a draft has nothing to follow up: the service's rule, on `order`
    data = assert_error(client.post("/api/v1/cases/", case_body(other), format="json"), 400)
    assert set(data["fields"]) == {"order"}
    assert Case.objects.count() == 0


def test_case_steps_entries_and_reassignment_name_each_bad_field(
    api_for, delivered, aftersales, warehouse_user
):
    case = open_case(delivered, aftersales)
    url = f"/api/v1/cases/{case.pk}/"
    client = api_for(aftersales)
    cases = [
        ("post", "resolve/", {}, {"resolution"}),
        ("post", "resolve/", {"resolution": "   "}, {"resolution"}),
        ("post", "start/", {"note": "x" * 2001}, {"note"}),
        ("post", "entries/", {"kind": "status", "text": ""}, {"kind", "text"}),
        ("post", "entries/", {"kind": "contact", "text": "Called"}, {"channel"}),
        ("post", "entries/", {"kind": "contact", "channel": "fax", "text": "x"}, {"channel"}),
        ("patch", "", {"department": "it", "due_on": "later", "owner": 0}, None),
        ("patch", "", {"owner": warehouse_user.pk + 1000}, {"owner"}),
    ]
    for method, suffix, body, fields in cases:
        response = getattr(client, method)(url + suffix, body, format="json")
        data = assert_error(response, 400, "invalid")
        assert set(data["fields"]) == (fields or {"department", "due_on", "owner"}), suffix
    case.refresh_from_db()
    assert (case.status, case.entries.count(), case.department) == ("open", 1, "quality")


def test_return_create_names_each_bad_field(
    api_for, delivered, aftersales, customer, product, boss
):
    case = open_case(delivered, aftersales)
    line = delivered.lines.get().pk
    foreign = make_order(customer=customer, salesperson=aftersales, lines=[(product, 1)])
    client = api_for(aftersales)

    def post(**over):
        body = {"case": case.pk, "reason": "Leaks", "lines": [{"line": line, "quantity": 1}]}
        return client.post("/api/v1/returns/", body | over, format="json")

    bad = [
        ({"case": 999_999, "reason": "", "lines": []}, {"case", "reason", "lines"}),
        ({"case": "x", "lines": "all"}, {"case", "lines"}),
        ({"lines": [{"line": line, "quantity": 0}]}, {"lines[0].quantity"}),
        ({"lines": [{"quantity": 1}]}, {"lines[0].line"}),
        (
            {"lines": [{"line": line, "quantity": 1}, {"line": foreign.lines.get().pk}]},
            {"lines[1].quantity"},  # the fields first, then the lines they name
        ),
        (
            {
                "lines": [
                    {"line": line, "quantity": 1},
                    {"line": foreign.lines.get().pk, "quantity": 1},
                ]
            },
            {"lines[1].line"},
        ),
        # the service's rules, in the API's words
        ({"lines": [{"line": line, "quantity": 1}] * 2}, {"lines[1].line"}),
        ({"refund_amount": "-1"}, {"refund_amount"}),
        ({"refund_amount": "10.01"}, {"refund_amount"}),
        ({"refund_amount": "1e400"}, {"refund_amount"}),
    ]
    for over, fields in bad:
        data = assert_error(post(**over), 400, "invalid")
        assert set(data["fields"]) == fields, (over, data)
    # goods that have not shipped cannot come back: said of the case's order
    approved = walk_to(
        make_order(customer=customer, salesperson=aftersales, lines=[(product, 1)]),
        "approved",
        boss,
    )
    unshipped = open_case(approved, aftersales)
    body = {"case": unshipped.pk, "lines": [{"line": approved.lines.get().pk, "quantity": 1}]}
    data = assert_error(post(**body), 400, "invalid")
    assert set(data["fields"]) == {"case"}
    assert Return.objects.count() == 0


def test_returning_more_than_shipped_is_refused_on_the_line(api_for, delivered, aftersales):
    case = open_case(delivered, aftersales)
    line = delivered.lines.get().pk
    client = api_for(aftersales)

    def post(quantity):
        body = {"case": case.pk, "reason": "Leaks", "lines": [{"line": line, "quantity": quantity}]}
        return client.post("/api/v1/returns/", body, format="json")

    # when 6 of the 5 shipped are sent back, then the line's quantity is refused
    data = assert_error(post(6), 400, "invalid")
    assert set(data["fields"]) == {"lines[0].quantity"}
    assert "At most 5" in data["fields"]["lines[0].quantity"][0]
    # and across returns: 4, then 2 of the 1 left
    assert post(4).status_code == 201
    data = assert_error(post(2), 400, "invalid")
    assert "At most 1" in data["fields"]["lines[0].quantity"][0]
    # a cancelled return frees its quantity again
    first = Return.objects.get()
    cancelled = client.post(f"/api/v1/returns/{first.pk}/cancel/", {}, format="json")
    assert cancelled.json()["status"] == "cancelled"
    assert post(5).status_code == 201
    assert (
        sum(ReturnLine.objects.exclude(return_request=first).values_list("quantity", flat=True))
        == 5
    )


def test_inspection_names_each_bad_line_in_the_order_sent(
    api_for, delivered, aftersales, warehouse_user, pump
):
    # given a received return of two lines
    extra = ProductFactory(sku="SEAL-2")
    stock(extra, 10)
    order = make_order(
        customer=delivered.customer, salesperson=aftersales, lines=[(pump, 2), (extra, 3)]
    )
    order = walk_to(order, "delivered", UserFactory(username="boss2", is_superuser=True))
    case = open_case(order, aftersales)
    first, second = order.lines.order_by("pk")
    return_request = services.return_create(
        case=case,
        user=aftersales,
        reason="Wrong size",
        lines=[
            ReturnLineInput(order_line=first, quantity=1),
            ReturnLineInput(order_line=second, quantity=3),
        ],
    )
    services.return_receive(return_request=return_request, user=warehouse_user)
    a, b = return_request.lines.order_by("pk")
    url = f"/api/v1/returns/{return_request.pk}/inspect/"
    client = api_for(warehouse_user)
    bad = [
        (
            {"lines": [{"id": b.pk, "disposition": "scrap"}, {"id": a.pk, "disposition": "burn"}]},
            {"lines[1].disposition"},
        ),
        (
            {
                "lines": [
                    {"id": b.pk, "disposition": "scrap"},
                    {"id": 999_999, "disposition": "scrap"},
                ]
            },
            {"lines[1].id"},
        ),
        (
            {"lines": [{"id": b.pk, "disposition": "scrap"}, {"id": b.pk, "disposition": "scrap"}]},
            {"lines[1].id"},
        ),
        ({"lines": [{"id": b.pk, "disposition": "scrap"}]}, {"lines"}),
        ({"lines": []}, {"lines"}),
        # the value of 1 + 3 units at 10.00 is 40.00: the service's rule
        (
            {
                "lines": [
                    {"id": b.pk, "disposition": "scrap"},
                    {"id": a.pk, "disposition": "restock"},
                ],
                "refund_amount": "40.01",
            },
            {"refund_amount"},
        ),
    ]
    for body, fields in bad:
        data = assert_error(client.post(url, body, format="json"), 400, "invalid")
        assert set(data["fields"]) == fields, (body, data)
    return_request.refresh_from_db()
    assert return_request.status == "received"
    # and in any order, each line gets its own disposition
    ok = client.post(
        url,
        {"lines": [{"id": b.pk, "disposition": "scrap"}, {"id": a.pk, "disposition": "restock"}]},
        format="json",
    )
    assert ok.status_code == 200, ok.content
    assert {(line["id"], line["disposition"]) for line in ok.json()["lines"]} == {
        (a.pk, "restock"),
        (b.pk, "scrap"),
    }


def test_bad_filters_are_named(api_for, aftersales):
    client = api_for(aftersales)
    for url, params, field in [
        ("/api/v1/follow-ups/", {"owner": "bob"}, "owner"),
        ("/api/v1/follow-ups/", {"due_before": "soon"}, "due_before"),
        ("/api/v1/follow-ups/", {"status": "maybe"}, "status"),
        ("/api/v1/cases/", {"status": "lost"}, "status"),
        ("/api/v1/cases/", {"overdue": "perhaps"}, "overdue"),
        ("/api/v1/cases/", {"owner": "-1"}, "owner"),
        ("/api/v1/returns/", {"case": "x"}, "case"),
        ("/api/v1/returns/", {"case": str(2**70)}, "case"),
    ]:
        data = assert_error(client.get(url, params), 400, "invalid")
        assert set(data["fields"]) == {field}, (url, params, data)


# --- steps in the wrong state -------------------------------------------------------------


def test_a_step_the_state_does_not_allow_is_409(api_for, delivered, aftersales, warehouse_user):
    case = open_case(delivered, aftersales)
    client = api_for(aftersales)
    url = f"/api/v1/cases/{case.pk}/"
    assert_error(client.post(url + "close/", {}, format="json"), 409, "invalid_state")
    assert_error(client.post(url + "resume/", {}, format="json"), 409, "invalid_state")
    return_request = make_return(case, aftersales)
    rurl = f"/api/v1/returns/{return_request.pk}/"
    body = {"lines": [{"id": return_request.lines.get().pk, "disposition": "restock"}]}
    wh = api_for(warehouse_user)
    assert_error(wh.post(rurl + "inspect/", body, format="json"), 409, "invalid_state")
    assert wh.post(rurl + "receive/", {}, format="json").status_code == 200
    assert_error(wh.post(rurl + "receive/", {}, format="json"), 409, "invalid_state")
    assert_error(wh.post(rurl + "cancel/", {}, format="json"), 409, "invalid_state")
    follow_up = delivered.follow_ups.first()
    services.follow_up_record(follow_up=follow_up, user=aftersales, channel="phone", notes="fine")
    assert_error(
        client.post(
            f"/api/v1/follow-ups/{follow_up.pk}/record/",
            {"channel": "phone", "notes": "again"},
            format="json",
        ),
        409,
        "invalid_state",
    )


# --- who may do what -----------------------------------------------------------------------


def test_a_role_without_the_job_gets_403(
    api_for, delivered, sales, aftersales, warehouse_user, logistics
):
    case = open_case(delivered, aftersales)
    return_request = make_return(case, aftersales)
    follow_up = delivered.follow_ups.first()
    curl, rurl = f"/api/v1/cases/{case.pk}/", f"/api/v1/returns/{return_request.pk}/"
    line = delivered.lines.get().pk
    refused = [
        (warehouse_user, "get", "/api/v1/follow-ups/", None),
        (logistics, "get", "/api/v1/cases/", None),
        (logistics, "get", "/api/v1/returns/", None),
        (warehouse_user, "post", "/api/v1/cases/", case_body(delivered)),
        (warehouse_user, "post", f"/api/v1/follow-ups/{follow_up.pk}/record/", {}),
        (warehouse_user, "post", curl + "entries/", {"kind": "note", "text": "x"}),
        (sales, "patch", curl, {"department": "sales"}),
        (
            sales,
            "post",
            "/api/v1/returns/",
            {"case": case.pk, "reason": "x", "lines": [{"line": line, "quantity": 1}]},
        ),
        (sales, "post", rurl + "receive/", {}),
        (sales, "post", rurl + "cancel/", {}),
        # a salesperson may see the case, but only its owner or after-sales may move it
        (sales, "post", curl + "start/", {}),
        (sales, "post", curl + "resolve/", {"resolution": "done"}),
    ]
    for user, method, url, body in refused:
        response = getattr(api_for(user), method)(url, body, format="json")
        assert_error(response, 403)
    assert APIClient().get("/api/v1/cases/").status_code == 401
    case.refresh_from_db()
    return_request.refresh_from_db()
    assert (case.status, case.department, return_request.status) == ("open", "quality", "requested")


def test_follow_ups_are_a_persons_own_unless_after_sales(api_for, delivered, sales, aftersales):
    # given the follow-ups of sales' order, and another salesperson
    other = UserFactory(username="wang", roles=["Sales"])
    follow_up = delivered.follow_ups.first()
    # then the other salesperson sees none of them, and may not record one
    assert api_for(other).get("/api/v1/follow-ups/").json()["count"] == 0
    assert_error(api_for(other).get(f"/api/v1/follow-ups/{follow_up.pk}/"), 404, "not_found")
    assert_error(
        api_for(other).post(
            f"/api/v1/follow-ups/{follow_up.pk}/record/",
            {"channel": "phone", "notes": "x"},
            format="json",
        ),
        404,
        "not_found",
    )
    # while after-sales staff see and record everyone's
    staff = api_for(aftersales)
    assert staff.get("/api/v1/follow-ups/").json()["count"] == 2
    assert staff.get("/api/v1/follow-ups/", {"owner": "me"}).json()["count"] == 0
    assert staff.get("/api/v1/follow-ups/", {"owner": sales.pk}).json()["count"] == 2
    response = staff.post(
        f"/api/v1/follow-ups/{follow_up.pk}/record/",
        {"channel": "visit", "notes": "Visited the plant"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["done_by"] == "aftersales"


AFTERSALES_PERMS = [
    "view_followup",
    "change_followup",
    "view_case",
    "add_case",
    "view_caseentry",
    "add_caseentry",
    "view_return",
    "add_return",
    "change_return",
]


def integration_client(username):
    """An Integration client that was also given the after-sales permissions
    directly (the Integration role itself has none)."""
    user = UserFactory(username=username, roles=["Integration"])
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="aftersales", codename__in=AFTERSALES_PERMS
        )
    )
    return user


def test_an_integration_client_sees_only_records_of_its_own_orders(api_for, boss, pump):
    # given an order client A created and delivered, with a case and a return
    mine, theirs = integration_client("shop-a"), integration_client("shop-b")
    customer = CustomerFactory()
    order = make_order(customer=customer, salesperson=mine, lines=[(pump, 3)])
    order = walk_to(order, "delivered", boss)
    case = open_case(order, boss)
    return_request = make_return(case, boss, quantity=1)
    follow_up = order.follow_ups.first()
    line = order.lines.get().pk
    other = api_for(theirs)
    # then client B lists nothing and gets 404 for each record, read or write
    for url in ["/api/v1/follow-ups/", "/api/v1/cases/", "/api/v1/returns/"]:
        assert other.get(url).json()["count"] == 0, url
    for method, url, body in [
        ("get", f"/api/v1/follow-ups/{follow_up.pk}/", None),
        ("post", f"/api/v1/follow-ups/{follow_up.pk}/record/", {"channel": "phone", "notes": "x"}),
        ("get", f"/api/v1/cases/{case.pk}/", None),
        ("post", f"/api/v1/cases/{case.pk}/start/", {}),
        ("post", f"/api/v1/cases/{case.pk}/entries/", {"kind": "note", "text": "x"}),
        ("get", f"/api/v1/returns/{return_request.pk}/", None),
        ("post", f"/api/v1/returns/{return_request.pk}/cancel/", {}),
    ]:
        assert_error(getattr(other, method)(url, body, format="json"), 404, "not_found")
    # and cannot name A's order or case in a new record
    data = assert_error(other.post("/api/v1/cases/", case_body(order), format="json"), 400)
    assert set(data["fields"]) == {"order"}
    body = {"case": case.pk, "reason": "x", "lines": [{"line": line, "quantity": 1}]}
    data = assert_error(other.post("/api/v1/returns/", body, format="json"), 400)
    assert set(data["fields"]) == {"case"}
    # while client A sees and works on them
    own = api_for(mine)
    assert own.get("/api/v1/cases/").json()["count"] == 1
    assert own.get("/api/v1/returns/").json()["count"] == 1
    assert own.get("/api/v1/follow-ups/").json()["count"] == 2
    assert own.post("/api/v1/cases/", case_body(order), format="json").status_code == 201
    assert own.post("/api/v1/returns/", body, format="json").status_code == 201
    return_request.refresh_from_db()
    assert return_request.status == "requested"


# --- the archive ------------------------------------------------------------------------------


def test_every_write_on_an_archived_order_answers_409_archived(api_for, boss, manager, pump):
    # given a completed order with a case and a requested return, then archived
    order = make_order(customer=CustomerFactory(), salesperson=boss, lines=[(pump, 3)])
    order = walk_to(order, "completed", boss)
    case = open_case(order, boss)
    return_request = make_return(case, boss, quantity=1)
    follow_up = order.follow_ups.first()
    order = order_services.order_archive(order=order, user=manager)
    line = order.lines.get().pk
    return_line = return_request.lines.get().pk
    client = api_for(boss)
    curl, rurl = f"/api/v1/cases/{case.pk}/", f"/api/v1/returns/{return_request.pk}/"
    writes = [
        ("post", f"/api/v1/follow-ups/{follow_up.pk}/record/", {"channel": "phone", "notes": "x"}),
        ("post", f"/api/v1/follow-ups/{follow_up.pk}/record/", {}),  # bad input: archived first
        ("post", "/api/v1/cases/", case_body(order)),
        ("patch", curl, {"department": "sales"}),
        ("post", curl + "entries/", {"kind": "note", "text": "late"}),
        *[
            ("post", curl + step + "/", {"resolution": "x"})
            for step in ["start", "wait-for-customer", "resume", "resolve", "close", "reopen"]
        ],
        (
            "post",
            "/api/v1/returns/",
            {"case": case.pk, "reason": "x", "lines": [{"line": line, "quantity": 1}]},
        ),
        ("post", rurl + "receive/", {}),
        ("post", rurl + "cancel/", {}),
        ("post", rurl + "inspect/", {"lines": [{"id": return_line, "disposition": "restock"}]}),
    ]
    before = (
        Case.objects.count(),
        list(Case.objects.values()),
        list(Return.objects.values()),
        list(FollowUp.objects.values()),
        case.entries.count(),
        order.events.count(),
    )
    for method, url, body in writes:
        data = assert_error(getattr(client, method)(url, body, format="json"), 409, "archived")
        assert order.number in data["message"], url
    after = (
        Case.objects.count(),
        list(Case.objects.values()),
        list(Return.objects.values()),
        list(FollowUp.objects.values()),
        case.entries.count(),
        order.events.count(),
    )
    assert after == before
    # while reading still works, and offers no step
    detail = client.get(curl).json()
    assert detail["available_transitions"] == []
    assert client.get(rurl).status_code == 200


# --- idempotency -------------------------------------------------------------------------------


def test_a_retried_case_post_replays_the_first_answer(api_for, delivered, aftersales):
    client = api_for(aftersales)
    first = client.post(
        "/api/v1/cases/", case_body(delivered), format="json", HTTP_IDEMPOTENCY_KEY="c-42"
    )
    second = client.post(
        "/api/v1/cases/", case_body(delivered), format="json", HTTP_IDEMPOTENCY_KEY="c-42"
    )
    assert first.status_code == second.status_code == 201
    assert second.content == first.content
    assert second["Idempotent-Replayed"] == "true"
    assert second["Location"] == first["Location"]
    assert Case.objects.count() == 1
    # the same key with another body is refused, and creates nothing
    other = client.post(
        "/api/v1/cases/",
        case_body(delivered, subject="Other"),
        format="json",
        HTTP_IDEMPOTENCY_KEY="c-42",
    )
    assert_error(other, 422, "idempotency_key_reused")
    assert Case.objects.count() == 1
    # a refused request keeps no record: the corrected retry with its key goes through
    bad = client.post(
        "/api/v1/cases/", case_body(delivered, kind="x"), format="json", HTTP_IDEMPOTENCY_KEY="c-43"
    )
    assert_error(bad, 400, "invalid")
    fixed = client.post(
        "/api/v1/cases/", case_body(delivered, kind="x"), format="json", HTTP_IDEMPOTENCY_KEY="c-43"
    )
    assert_error(fixed, 400, "invalid")
    assert Case.objects.count() == 1


# --- reassignment and filters --------------------------------------------------------------------


def test_after_sales_reassigns_a_case(api_for, delivered, aftersales, manager):
    case = open_case(delivered, aftersales)
    due = (TODAY + datetime.timedelta(days=10)).isoformat()
    response = api_for(aftersales).patch(
        f"/api/v1/cases/{case.pk}/",
        {"owner": manager.pk, "department": "finance", "due_on": due},
        format="json",
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["owner"], data["owner_username"], data["department"], data["due_on"]) == (
        manager.pk,
        "manager",
        "finance",
        due,
    )
    assert data["entries"][-1]["kind"] == "note"


def test_case_filters(api_for, delivered, aftersales, sales):
    # given three cases: one overdue, one resolved, one of sales'
    overdue = open_case(delivered, aftersales, due_on=TODAY - datetime.timedelta(days=1))
    resolved = open_case(delivered, aftersales, kind="inquiry", department="sales")
    services.case_transition(case=resolved, user=aftersales, name="resolve", resolution="ok")
    theirs = open_case(delivered, sales, kind="repair", department="warehouse")
    client = api_for(aftersales)

    def ids(**params):
        response = client.get("/api/v1/cases/", params)
        assert response.status_code == 200, response.content
        return {c["id"] for c in response.json()["results"]}

    assert ids() == {overdue.pk, resolved.pk, theirs.pk}
    assert ids(overdue="true") == {overdue.pk}
    assert ids(status="resolved") == {resolved.pk}
    assert ids(status=["open", "resolved"]) == {overdue.pk, resolved.pk, theirs.pk}
    assert ids(kind="repair") == {theirs.pk}
    assert ids(department="sales") == {resolved.pk}
    assert ids(owner="me") == {overdue.pk, resolved.pk}
    assert ids(owner=str(sales.pk)) == {theirs.pk}
    assert ids(order=delivered.number) == {overdue.pk, resolved.pk, theirs.pk}
    assert ids(order="SO-NONE") == set()
    listed = client.get("/api/v1/cases/", {"overdue": "true"}).json()["results"]
    assert listed[0]["overdue"] is True


def test_follow_up_filters(api_for, delivered, aftersales):
    client = api_for(aftersales)
    in_ten = (TODAY + datetime.timedelta(days=10)).isoformat()

    def offsets(**params):
        response = client.get("/api/v1/follow-ups/", params)
        assert response.status_code == 200, response.content
        return [f["offset_days"] for f in response.json()["results"]]

    assert offsets() == [3, 30]
    assert offsets(due_before=in_ten) == [3]
    assert offsets(due_after=in_ten) == [30]
    services.follow_up_record(
        follow_up=delivered.follow_ups.get(offset_days=3),
        user=aftersales,
        channel="phone",
        notes="ok",
    )
    assert offsets(status="open") == [30]
    assert offsets(status="done") == [3]
    assert offsets(order="SO-NONE") == []


@pytest.mark.parametrize("cases", [1, 30])
def test_case_and_return_lists_answer_in_bounded_queries(
    cases, api_for, delivered, aftersales, django_assert_max_num_queries
):
    # given cases, and a return of one unit on up to five of them
    for _ in range(cases):
        open_case(delivered, aftersales)
    for case in Case.objects.all()[:5]:
        make_return(case, aftersales, quantity=1)
    client = api_for(aftersales)
    client.get("/api/v1/cases/")  # warm the token's last-used stamp
    for url in ["/api/v1/cases/", "/api/v1/returns/", "/api/v1/follow-ups/"]:
        with django_assert_max_num_queries(8):
            response = client.get(url, {"page_size": 100})
        assert response.status_code == 200, response.content


def test_the_after_sales_operations_are_in_the_schema(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    paths = schema["paths"]
    for step in ["start", "wait-for-customer", "resume", "resolve", "close", "reopen", "entries"]:
        assert f"/api/v1/cases/{{id}}/{step}/" in paths
    for step in ["receive", "inspect", "cancel"]:
        assert f"/api/v1/returns/{{id}}/{step}/" in paths
    assert "/api/v1/follow-ups/{id}/record/" in paths
    for path in ["/api/v1/cases/", "/api/v1/returns/"]:
        create = paths[path]["post"]
        assert {"201", "400", "401", "403", "409", "422"} <= set(create["responses"])
        assert any(p["name"] == "Idempotency-Key" for p in create["parameters"])


def test_an_online_store_passes_on_a_complaint_to_the_order_s_salesperson(api_for, integration):
    """The Integration role may open cases on its own orders; the case goes to
    the order's salesperson, not to the machine client."""
    boss = UserFactory(
        username="store-boss", roles=["Sales", "Sales Manager", "Warehouse", "Logistics"]
    )
    product = ProductFactory(sku="STORE-1")
    stock(product, 5)
    order = make_order(
        customer=CustomerFactory(), salesperson=boss, lines=[(product, 1)], created_by=integration
    )
    walk_to(order, "delivered", boss)
    api = api_for(integration)
    line_id = api.get(f"/api/v1/orders/{order.number}/").json()["lines"][0]["id"]
    response = api.post(
        "/api/v1/cases/",
        {
            "order": order.number,
            "kind": "complaint",
            "subject": "Arrived scratched",
            "department": "quality",
            "lines": [line_id],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    case = Case.objects.get()
    assert case.owner == boss and list(case.lines.values_list("pk", flat=True)) == [line_id]
