"""The after-sales web pages (process 5): the case list, opening a case from
an order, the case page with its history, steps and returns, the order
page's after-sales card, the follow-up lists and the customer's survey.
Every write is checked through the page a user would use, and every refusal
changes nothing."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from aftersales import services
from aftersales.models import Case, CaseEntry, FollowUp, Return, Survey
from aftersales.services import ReturnLineInput
from inventory.models import StockItem, StockMovement
from notifications.models import OutboxMessage
from orders import services as order_services
from orders.models import OrderEvent
from orders_site.demo import walk_to
from tests.factories import CustomerFactory, ProductFactory, UserFactory, make_order, stock

pytestmark = pytest.mark.django_db

CASES = reverse("aftersales:cases")
FOLLOW_UPS = reverse("aftersales:follow_ups")


@pytest.fixture
def boss(db):
    """Walks orders through the lifecycle: every role a step needs."""
    return UserFactory(
        username="boss",
        roles=["Sales", "Sales Manager", "Warehouse", "Logistics", "After-sales"],
    )


@pytest.fixture
def pump(warehouse):
    product = ProductFactory(sku="PUMP-7", name="Circulation pump", list_price=Decimal("10.00"))
    stock(product, 20)
    return product


@pytest.fixture
def valve(warehouse):
    product = ProductFactory(sku="VALVE-2", name="Check valve", list_price=Decimal("4.00"))
    stock(product, 20)
    return product


def delivered(boss, salesperson, *lines, customer=None):
    """An order of ``lines`` ([(product, qty)]) walked to delivered."""
    customer = customer or CustomerFactory(name="华东机电有限公司", email="buyer@example.com")
    order = make_order(customer=customer, salesperson=salesperson, lines=list(lines))
    return walk_to(order, "delivered", boss)


def order_url(order):
    return reverse("orders:detail", args=[order.number])


def case_url(case, view="case_detail", **kwargs):
    return reverse(f"aftersales:{view}", kwargs={"pk": case.pk, **kwargs})


def open_case(order, user, **kwargs):
    fields = {"kind": "complaint", "subject": "Pump leaks", "department": "quality"}
    return services.case_open(order=order, user=user, **{**fields, **kwargs})


def on_hand(product) -> int:
    return StockItem.objects.get(product=product).on_hand


def html(response) -> str:
    return response.content.decode()


def errors_of(response) -> list[str]:
    return re.findall(r'<p class="field__error">([^<]*)</p>', html(response))


def alerts(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def followed_messages(client, response) -> list[str]:
    """The messages a redirect carries, as the next page shows them."""
    return alerts(client.get(response.url))


# --- who may see what ---------------------------------------------------------------


@pytest.fixture
def a_case(boss, sales, pump):
    order = delivered(boss, sales, (pump, 5))
    return open_case(order, sales)


@pytest.mark.parametrize(
    "role, expected",
    [
        ("Sales", {"cases": 200, "case": 200, "new": 200, "follow_ups": 200}),
        ("After-sales", {"cases": 200, "case": 200, "new": 200, "follow_ups": 200}),
        ("Sales Manager", {"cases": 200, "case": 200, "new": 200, "follow_ups": 200}),
        ("Warehouse", {"cases": 200, "case": 200, "new": 403, "follow_ups": 403}),
        ("Logistics", {"cases": 403, "case": 403, "new": 403, "follow_ups": 403}),
        # A machine client may open cases through the API on its own orders;
        # on screens it sees no one else's.
        ("Integration", {"cases": 200, "case": 404, "new": 404, "follow_ups": 403}),
    ],
)
def test_each_page_opens_for_the_roles_that_work_with_it(client, a_case, role, expected):
    # given a member of staff in one role
    client.force_login(UserFactory(username=f"u-{role}", roles=[role]))
    urls = {
        "cases": CASES,
        "case": case_url(a_case),
        "new": reverse("aftersales:case_create") + f"?order={a_case.order.number}",
        "follow_ups": FOLLOW_UPS,
    }
    # when they open each page, then it renders or is a 403 page
    assert {name: client.get(url).status_code for name, url in urls.items()} == expected


def test_the_nav_shows_cases_to_those_who_may_see_them(client, sales, logistics):
    # given a salesperson and a logistics clerk
    client.force_login(sales)
    # then the salesperson's header links to the cases, the clerk's does not
    assert f'href="{CASES}"' in html(client.get(reverse("orders:list")))
    client.force_login(logistics)
    assert f'href="{CASES}"' not in html(client.get(reverse("orders:list")))


def test_the_pages_need_a_login(client, a_case):
    for url in (CASES, case_url(a_case), FOLLOW_UPS):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_writes_need_their_own_permission(client, a_case, sales, warehouse_user, boss):
    # given a return waiting to be received
    line = a_case.order.lines.get()
    return_request = services.return_create(
        case=a_case, user=boss, reason="Leaks", lines=[ReturnLineInput(line, 1)]
    )
    # when sales tries to receive it, reassign the case or enter a return,
    # and the warehouse tries to write in the case's history
    client.force_login(sales)
    refused = [
        client.post(reverse("aftersales:return_receive", args=[return_request.pk])),
        client.post(case_url(a_case, "case_assign"), {"assign-owner": sales.pk}),
        client.post(case_url(a_case, "return_create"), {"return-reason": "x"}),
    ]
    client.force_login(warehouse_user)
    refused.append(client.post(case_url(a_case, "case_entry"), {"entry-text": "x"}))
    # then each is a 403 and nothing changed
    assert [r.status_code for r in refused] == [403] * 4
    return_request.refresh_from_db()
    assert return_request.status == "requested"
    assert Return.objects.count() == 1 and a_case.entries.count() == 1


# --- the case list --------------------------------------------------------------------


def test_the_list_shows_open_cases_and_filters_them(client, boss, sales, aftersales, pump):
    # given cases in several states, types, departments and owners
    order = delivered(boss, sales, (pump, 5), customer=CustomerFactory(name="宁波水泵厂"))
    other = delivered(boss, sales, (pump, 1), customer=CustomerFactory(name="苏州阀门"))
    mine = open_case(order, aftersales, kind="repair", department="quality", subject="Noise")
    late = open_case(other, sales, kind="inquiry", department="sales", subject="Manual")
    Case.objects.filter(pk=late.pk).update(due_on=timezone.localdate() - datetime.timedelta(days=2))
    late.refresh_from_db()
    done = open_case(order, aftersales, kind="complaint", subject="Scratched")
    services.case_transition(case=done, user=aftersales, name="resolve", resolution="Polished")
    client.force_login(aftersales)

    def listed(**params) -> list[str]:
        response = client.get(CASES, params)
        assert response.status_code == 200
        return [case.number for case in response.context["page"].object_list]

    # then the list shows the open ones by default, newest first
    assert listed() == [late.number, mine.number]
    assert listed(status="all") == [done.number, late.number, mine.number]
    assert listed(status="resolved") == [done.number]
    assert listed(kind="repair") == [mine.number]
    assert listed(department="sales") == [late.number]
    assert listed(mine="on") == [mine.number]
    assert listed(overdue="on") == [late.number]
    # and the search finds a case by its number (in any case, with or
    # without the zeros), its order's number, or the customer
    assert listed(q=late.number) == [late.number]
    assert listed(q=f"cs-{mine.pk}", status="all") == [mine.number]
    assert listed(q=other.number) == [late.number]
    assert listed(q="宁波") == [mine.number]
    # and the overdue case's due date is marked
    page = html(client.get(CASES))
    assert re.search(r'class="nowrap overdue">\s*' + late.due_on.isoformat(), page)


def test_the_list_pages_by_25_with_a_bounded_number_of_queries(
    client, boss, sales, pump, django_assert_max_num_queries
):
    # given 30 open cases on a few orders, with different owners
    orders = [delivered(boss, sales, (pump, 1)) for _ in range(3)]
    owners = [UserFactory(username=f"owner{i}", roles=["After-sales"]) for i in range(3)]
    for i in range(30):
        open_case(orders[i % 3], owners[i % 3], subject=f"Case {i}")
    client.force_login(sales)
    # when the list is opened, then its queries do not grow with the rows
    with django_assert_max_num_queries(8):
        response = client.get(CASES)
    assert len(response.context["page"].object_list) == 25
    assert response.context["page"].paginator.num_pages == 2
    # and the second page keeps the filters
    response = client.get(CASES, {"kind": "complaint", "page": 2})
    assert len(response.context["page"].object_list) == 5
    assert "kind=complaint" in html(response)


# --- opening a case from the order page ------------------------------------------------


def test_a_case_is_opened_from_the_order_page(client, boss, sales, pump, valve):
    # given a delivered order of two lines
    order = delivered(boss, sales, (pump, 5), (valve, 2))
    pump_line, valve_line = order.lines.order_by("pk")
    client.force_login(sales)
    # when sales opens the order, the after-sales card offers "Open a case"
    page = html(client.get(order_url(order)))
    new_url = reverse("aftersales:case_create") + f"?order={order.number}"
    assert f'href="{new_url}"' in page
    # and the form proposes sales itself as owner and lists the order's lines
    form = client.get(new_url)
    assert form.context["form"]["owner"].value() == sales.pk
    assert "PUMP-7" in html(form) and "VALVE-2" in html(form)
    # when they submit a complaint about the pump, with no due date
    response = client.post(
        new_url,
        {
            "kind": "complaint",
            "subject": "Pump leaks at the seal",
            "description": "Customer called this morning.",
            "department": "quality",
            "owner": sales.pk,
            "lines": [pump_line.pk],
            "due_on": "",
        },
    )
    # then the case exists, due by its type, and its page opens
    case = Case.objects.get()
    assert response.status_code == 302 and response.url == case_url(case)
    assert (case.order, case.kind, case.owner, case.status) == (order, "complaint", sales, "open")
    assert list(case.lines.all()) == [pump_line]
    assert case.due_on == timezone.localdate() + datetime.timedelta(days=3)
    page = client.get(response.url)
    assert f"Case {case.number} was opened on order {order.number}." in alerts(page)
    assert "Pump leaks at the seal" in html(page) and "13812345678" in html(page)
    # and the order page's card lists it with a link
    assert case_url(case) in html(client.get(order_url(order)))


def test_an_incomplete_case_comes_back_with_its_errors(client, boss, sales, pump):
    order = delivered(boss, sales, (pump, 5))
    client.force_login(sales)
    url = reverse("aftersales:case_create") + f"?order={order.number}"
    # when the subject and department are missing
    response = client.post(url, {"kind": "complaint", "subject": " ", "owner": sales.pk})
    # then the form comes back with status 400, the errors next to the fields
    assert response.status_code == 400
    assert response.context["form"].errors.keys() >= {"subject", "department"}
    assert not Case.objects.exists()


def test_no_case_on_a_draft(client, sales, customer, pump):
    # given a draft order
    order = make_order(customer=customer, salesperson=sales, lines=[(pump, 1)])
    client.force_login(sales)
    # then its page offers no case, and the form's address sends back to it
    assert "Open a case" not in html(client.get(order_url(order)))
    response = client.get(reverse("aftersales:case_create") + f"?order={order.number}")
    assert response.status_code == 302 and response.url == order_url(order)
    # and a post anyway is refused with a message, nothing saved
    response = client.post(
        reverse("aftersales:case_create") + f"?order={order.number}",
        {"kind": "inquiry", "subject": "?", "department": "sales", "owner": sales.pk},
    )
    assert response.status_code == 302 and response.url == order_url(order)
    assert any("while it is Draft" in m for m in followed_messages(client, response))
    assert not Case.objects.exists()


def test_an_unknown_order_is_a_404(client, sales):
    client.force_login(sales)
    url = reverse("aftersales:case_create") + "?order=SO-1999-000001"
    assert client.get(url).status_code == 404


# --- the case page: history and steps ---------------------------------------------------


def step_names(response) -> set[str]:
    return set(re.findall(r'/step/([a-z_]+)/"', html(response)))


def test_notes_contacts_and_resolving_a_case(client, boss, sales, aftersales, pump):
    # given an open case
    order = delivered(boss, sales, (pump, 5))
    case = open_case(order, sales)
    client.force_login(aftersales)
    # then its page offers the steps its state allows, and only those
    assert step_names(client.get(case_url(case))) == {"start", "resolve"}

    # when after-sales writes a note and records a call
    response = client.post(
        case_url(case, "case_entry"), {"entry-kind": "note", "entry-text": "Asked quality"}
    )
    assert response.status_code == 302 and response.url == case_url(case) + "#history"
    client.post(
        case_url(case, "case_entry"),
        {"entry-kind": "contact", "entry-channel": "phone", "entry-text": "Sends photos"},
    )
    # and a contact without its channel comes back with the service's error
    missing = client.post(
        case_url(case, "case_entry"), {"entry-kind": "contact", "entry-text": "Called"}
    )
    assert missing.status_code == 400
    assert "Choose how you reached the customer." in errors_of(missing)
    # then the history shows both entries in order
    assert [(e.kind, e.channel, e.text) for e in case.entries.exclude(kind="status")] == [
        ("note", "", "Asked quality"),
        ("contact", "phone", "Sends photos"),
    ]
    page = html(client.get(case_url(case)))
    assert page.index("Asked quality") < page.index("Sends photos")

    # when the case is started, then waiting for the customer is offered
    client.post(case_url(case, "case_step", name="start"))
    assert step_names(client.get(case_url(case))) == {"wait_for_customer", "resolve"}
    # and resolving without saying how comes back with the field error
    response = client.post(case_url(case, "case_step", name="resolve"), {"resolve-resolution": ""})
    assert response.status_code == 400 and "This field is required." in errors_of(response)
    case.refresh_from_db()
    assert case.status == "in_progress"
    # when it is resolved with the resolution
    response = client.post(
        case_url(case, "case_step", name="resolve"),
        {"resolve-resolution": "Seal replaced on site"},
    )
    # then it is resolved, and an email to the customer is queued
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "resolved" and case.resolution == "Seal replaced on site"
    email = OutboxMessage.objects.get(event="aftersales.case_resolved")
    assert email.recipient == "buyer@example.com" and email.order == order
    assert step_names(client.get(case_url(case))) == {"close", "reopen"}


def test_a_step_the_state_does_not_allow_is_a_message(client, boss, sales, aftersales, pump):
    # given an open case (not resolved, so it cannot be closed)
    case = open_case(delivered(boss, sales, (pump, 1)), aftersales)
    client.force_login(aftersales)
    # when a stale page posts "close"
    response = client.post(case_url(case, "case_step", name="close"))
    # then the case page says why, and nothing changed
    assert response.status_code == 302
    assert any("cannot do this" in m for m in followed_messages(client, response))
    case.refresh_from_db()
    assert case.status == "open" and case.entries.count() == 1
    # and a stale "resolve" with no text on a closed case says why too,
    # rather than asking for a resolution the case cannot take
    services.case_transition(case=case, user=aftersales, name="resolve", resolution="Done")
    services.case_transition(case=case, user=aftersales, name="close")
    response = client.post(case_url(case, "case_step", name="resolve"), {"resolve-resolution": ""})
    assert response.status_code == 302
    assert any("cannot do this" in m for m in followed_messages(client, response))


def test_sales_sees_no_steps_on_someone_elses_case(client, boss, sales, aftersales, pump):
    # given a case owned by after-sales
    case = open_case(delivered(boss, sales, (pump, 1)), aftersales)
    stranger = UserFactory(username="wang", roles=["Sales"])
    client.force_login(stranger)
    # then a salesperson who does not own it gets no step buttons
    assert step_names(client.get(case_url(case))) == set()
    # and a post anyway is refused with a message, nothing changed
    response = client.post(case_url(case, "case_step", name="start"))
    assert any("Only the case's owner" in m for m in followed_messages(client, response))
    case.refresh_from_db()
    assert case.status == "open"


def test_after_sales_reassigns_a_case(client, boss, sales, aftersales, pump):
    case = open_case(delivered(boss, sales, (pump, 1)), sales)
    colleague = UserFactory(username="zhou", roles=["After-sales"])
    due = timezone.localdate() + datetime.timedelta(days=10)
    client.force_login(aftersales)
    assert 'id="assign"' in html(client.get(case_url(case)))
    response = client.post(
        case_url(case, "case_assign"),
        {"assign-owner": colleague.pk, "assign-department": "warehouse", "assign-due_on": due},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.owner, case.department, case.due_on) == (colleague, "warehouse", due)
    assert "owner: zhou" in case.entries.last().text
    # a salesperson sees no reassign form
    client.force_login(sales)
    assert 'id="assign"' not in html(client.get(case_url(case)))


# --- returns on the case page --------------------------------------------------------------


def return_post(order, **quantities):
    """The return form's data: ``quantities`` by SKU."""
    data = {"return-reason": "Seal leaks", "return-refund_amount": ""}
    for line in order.lines.select_related("product"):
        data[f"return-quantity_{line.pk}"] = quantities.get(line.product.sku.replace("-", "_"), "")
    return data


def test_a_return_of_two_units_is_received_and_restocked(
    client, boss, sales, aftersales, warehouse_user, pump
):
    # given a complaint about a delivered order of 5 pumps
    order = delivered(boss, sales, (pump, 5))
    case = open_case(order, aftersales)
    assert on_hand(pump) == 15
    client.force_login(aftersales)
    # then the return form shows what was shipped and already returned
    form = client.get(case_url(case)).context["return_form"]
    [(row, _field)] = form.rows
    assert (row.shipped, row.returned, row.left) == (5, 0, 5)
    # when after-sales records 2 pumps coming back
    response = client.post(case_url(case, "return_create"), return_post(order, PUMP_7=2))
    assert response.status_code == 302 and response.url.endswith("#returns")
    return_request = Return.objects.get()
    assert [(ln.order_line.product.sku, ln.quantity) for ln in return_request.lines.all()] == [
        ("PUMP-7", 2)
    ]
    # and the warehouse marks them received and inspects them: restock
    client.force_login(warehouse_user)
    page = html(client.get(case_url(case)))
    assert reverse("aftersales:return_receive", args=[return_request.pk]) in page
    client.post(reverse("aftersales:return_receive", args=[return_request.pk]))
    [return_line] = return_request.lines.all()
    response = client.post(
        reverse("aftersales:return_inspect", args=[return_request.pk]),
        {
            f"inspect-{return_request.pk}-disposition_{return_line.pk}": "restock",
            f"inspect-{return_request.pk}-notes": "As new",
            f"inspect-{return_request.pk}-refund_amount": "20.00",
        },
    )
    assert response.status_code == 302
    # then 2 more are on hand, through a ledger row of kind return for the order
    assert on_hand(pump) == 17
    movement = StockMovement.objects.get(kind="return")
    assert (movement.order, movement.on_hand_change) == (order, 2)
    return_request.refresh_from_db()
    assert return_request.status == "done" and return_request.refund_amount == Decimal("20.00")
    # and the next return form counts them as returned
    client.force_login(aftersales)
    [(row, _field)] = client.get(case_url(case)).context["return_form"].rows
    assert (row.returned, row.left) == (2, 3)
    # and the order page's card lists the return with its refund
    card = html(client.get(order_url(order)))
    assert str(return_request) in card and "¥20.00" in card


def test_an_inspection_without_a_decision_comes_back(client, boss, sales, aftersales, pump):
    order = delivered(boss, sales, (pump, 5))
    case = open_case(order, aftersales)
    return_request = services.return_create(
        case=case, user=aftersales, reason="x", lines=[ReturnLineInput(order.lines.get(), 1)]
    )
    services.return_receive(return_request=return_request, user=aftersales)
    client.force_login(aftersales)
    response = client.post(reverse("aftersales:return_inspect", args=[return_request.pk]), {})
    assert response.status_code == 400
    assert "Choose restock or scrap." in errors_of(response)
    return_request.refresh_from_db()
    assert return_request.status == "received" and on_hand(pump) == 15


def test_a_return_of_more_than_shipped_comes_back_with_the_error_on_the_line(
    client, boss, sales, aftersales, pump, valve
):
    # given a delivered order of 5 pumps and 2 valves, 3 pumps already coming back
    order = delivered(boss, sales, (pump, 5), (valve, 2))
    case = open_case(order, aftersales)
    services.return_create(
        case=case,
        user=aftersales,
        reason="First lot",
        lines=[ReturnLineInput(order.lines.get(product=pump), 3)],
    )
    client.force_login(aftersales)
    # when 1 valve and 3 more pumps are entered
    response = client.post(case_url(case, "return_create"), return_post(order, PUMP_7=3, VALVE_2=1))
    # then the page comes back with status 400 and the error next to the pump line
    assert response.status_code == 400
    form = response.context["return_form"]
    pump_line = order.lines.get(product=pump)
    assert form.errors[f"quantity_{pump_line.pk}"] == [
        "At most 2 of PUMP-7 can come back (5 shipped, 3 already returned)."
    ]
    line_row, error_row = re.search(
        r'<tr class="line--error">(.*?)</tr>\s*<tr class="line--error row-errors">(.*?)</tr>',
        html(response),
        re.S,
    ).groups()
    assert "PUMP-7" in line_row and "At most 2" in error_row and "VALVE-2" not in line_row
    # and the typed quantities are kept, and nothing was saved
    assert form[f"quantity_{pump_line.pk}"].value() == "3"
    assert Return.objects.count() == 1


def test_a_cancelled_return_frees_its_quantities(client, boss, sales, aftersales, pump):
    order = delivered(boss, sales, (pump, 5))
    case = open_case(order, aftersales)
    return_request = services.return_create(
        case=case, user=aftersales, reason="x", lines=[ReturnLineInput(order.lines.get(), 5)]
    )
    client.force_login(aftersales)
    response = client.post(reverse("aftersales:return_cancel", args=[return_request.pk]))
    assert response.status_code == 302
    return_request.refresh_from_db()
    assert return_request.status == "cancelled"
    [(row, _field)] = client.get(case_url(case)).context["return_form"].rows
    assert row.left == 5
    # and receiving a cancelled return is refused with a message
    response = client.post(reverse("aftersales:return_receive", args=[return_request.pk]))
    assert any("Cancelled" in m for m in followed_messages(client, response))


# --- the order page's card -----------------------------------------------------------------


def test_the_order_card_shows_follow_ups_cases_returns_and_the_survey(client, boss, sales, pump):
    order = delivered(boss, sales, (pump, 5))
    client.force_login(sales)
    card = html(client.get(order_url(order)))
    card = card[card.index('id="after-sales"') :]
    # two follow-ups planned, no case, the survey not answered yet
    for follow_up in order.follow_ups.all():
        assert follow_up.due_on.isoformat() in card
    assert "No case." in card and "Not answered." in card
    # once answered, the rating and comment show
    Survey.objects.filter(order=order).update(
        rating=4, comment="Quiet pumps", answered_at=timezone.now()
    )
    card = html(client.get(order_url(order)))
    assert "4/5" in card and "Quiet pumps" in card


def test_the_order_page_stays_within_its_query_budget(
    client, boss, sales, pump, django_assert_max_num_queries
):
    # the card's reads are four queries however many cases and returns
    order = delivered(boss, sales, (pump, 5))
    for i in range(5):
        open_case(order, sales, subject=f"Issue {i}")
    client.force_login(sales)
    client.get(order_url(order))
    with django_assert_max_num_queries(40) as captured:
        client.get(order_url(order))
    case_queries = [q for q in captured.captured_queries if "aftersales_" in q["sql"]]
    assert len(case_queries) <= 6


# --- follow-ups (process 5.1) -------------------------------------------------------------


def test_a_follow_up_is_listed_when_due_and_recorded(client, boss, sales, pump):
    # given a delivered order whose first follow-up fell due yesterday
    order = delivered(boss, sales, (pump, 5))
    first, second = order.follow_ups.order_by("offset_days")
    FollowUp.objects.filter(pk=first.pk).update(
        due_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    client.force_login(sales)
    # then the due list has it, one day overdue, and the later one is upcoming
    due = client.get(FOLLOW_UPS)
    assert [f.pk for f in due.context["page"]] == [first.pk]
    assert "1 day overdue" in html(due)
    assert [f.pk for f in client.get(FOLLOW_UPS, {"scope": "upcoming"}).context["page"]] == [
        second.pk
    ]
    # when sales records the call
    url = reverse("aftersales:follow_up_record", args=[first.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {"channel": "phone", "satisfaction": "4", "usage": "Cooling line", "notes": "Happy"},
    )
    # then it is done, off the due list, on the done list
    assert response.status_code == 302 and response.url == FOLLOW_UPS
    first.refresh_from_db()
    assert (first.status, first.satisfaction, first.done_by) == ("done", 4, sales)
    assert not client.get(FOLLOW_UPS).context["page"].object_list
    assert [f.pk for f in client.get(FOLLOW_UPS, {"scope": "done"}).context["page"]] == [first.pk]
    # and it is on the order's timeline as a follow-up event
    event = OrderEvent.objects.get(order=order, kind="follow_up")
    assert (event.actor, event.note, event.data["satisfaction"]) == (sales, "Happy", 4)
    assert "Happy" in html(client.get(order_url(order)))


def test_a_follow_up_without_an_outcome_comes_back(client, boss, sales, pump):
    order = delivered(boss, sales, (pump, 1))
    follow_up = order.follow_ups.first()
    client.force_login(sales)
    response = client.post(
        reverse("aftersales:follow_up_record", args=[follow_up.pk]), {"channel": "phone"}
    )
    assert response.status_code == 400
    assert "Say what the customer told you (usage or notes)." in html(response)
    follow_up.refresh_from_db()
    assert follow_up.status == "open"


def test_someone_elses_follow_up_is_refused_with_a_message(client, boss, sales, pump):
    order = delivered(boss, sales, (pump, 1))
    follow_up = order.follow_ups.first()
    client.force_login(UserFactory(username="wang", roles=["Sales"]))
    response = client.post(
        reverse("aftersales:follow_up_record", args=[follow_up.pk]),
        {"channel": "phone", "notes": "Called"},
    )
    assert "This follow-up belongs to someone else." in alerts(response)
    follow_up.refresh_from_db()
    assert follow_up.status == "open"
    assert not OrderEvent.objects.filter(order=order, kind="follow_up").exists()


def test_recording_a_follow_up_never_redirects_off_the_site(client, boss, sales, pump):
    follow_up = delivered(boss, sales, (pump, 1)).follow_ups.first()
    client.force_login(sales)
    response = client.post(
        reverse("aftersales:follow_up_record", args=[follow_up.pk]),
        {"channel": "phone", "notes": "ok", "next": "https://evil.example/"},
    )
    assert response.status_code == 302 and response.url == FOLLOW_UPS


# --- the customer's survey --------------------------------------------------------------


def survey_url(order) -> str:
    body = OutboxMessage.objects.get(order=order, event="order.delivered").body
    return re.search(r"(/after-sales/survey/[^/\s]+/)", body).group(1)


def test_the_survey_is_answered_once(client, boss, sales, pump):
    # given the link from the delivered email (no login)
    order = delivered(boss, sales, (pump, 1))
    url = survey_url(order)
    assert client.get(url).status_code == 200
    # when a rating outside 1-5 is sent, then the form comes back (400)
    response = client.post(url, {"rating": "9", "comment": "x"})
    assert response.status_code == 400
    assert Survey.objects.get(order=order).answered_at is None
    # when the customer answers
    response = client.post(url, {"rating": "5", "comment": "Fast"})
    assert response.status_code == 200
    survey = Survey.objects.get(order=order)
    assert (survey.rating, survey.comment) == (5, "Fast")
    # then the link is closed (410), a second answer changes nothing
    assert client.get(url).status_code == 410
    again = client.post(url, {"rating": "1", "comment": "Changed my mind"})
    assert again.status_code == 410 and "already answered" in html(again)
    survey.refresh_from_db()
    assert (survey.rating, survey.comment) == (5, "Fast")
    assert OrderEvent.objects.filter(order=order, kind="survey").count() == 1


def test_an_expired_survey_link_is_closed(client, boss, sales, pump):
    order = delivered(boss, sales, (pump, 1))
    url = survey_url(order)
    Survey.objects.filter(order=order).update(expires_at=timezone.now())
    for response in (client.get(url), client.post(url, {"rating": "4"})):
        assert response.status_code == 410 and "expired" in html(response)
    assert Survey.objects.get(order=order).answered_at is None
    assert client.get("/after-sales/survey/made-up/").status_code == 410


# --- the archive: read-only ------------------------------------------------------------------


def test_an_archived_order_offers_nothing_and_refuses_every_write(
    client, boss, sales, aftersales, pump
):
    # given a completed order with a case and a requested return, then archived
    order = walk_to(
        make_order(customer=CustomerFactory(), salesperson=sales, lines=[(pump, 5)]),
        "completed",
        boss,
    )
    case = open_case(order, aftersales)
    return_request = services.return_create(
        case=case, user=aftersales, reason="x", lines=[ReturnLineInput(order.lines.get(), 1)]
    )
    order = order_services.order_archive(order=order, user=boss)
    assert order.status == "archived"
    before = (
        Case.objects.count(),
        CaseEntry.objects.count(),
        Return.objects.count(),
        OrderEvent.objects.count(),
        on_hand(pump),
    )
    client.force_login(aftersales)
    # then neither the order page nor the case page offers any write
    assert "Open a case" not in html(client.get(order_url(order)))
    page = client.get(case_url(case))
    assert page.context["writable"] is False
    assert step_names(page) == set()
    assert not re.search(r'<form method="post" action="/after-sales/', html(page))
    assert "is archived: this case and its returns are read-only" in html(page)
    # and each write posted anyway is refused with a message
    new_url = reverse("aftersales:case_create") + f"?order={order.number}"
    assert client.get(new_url).status_code == 302
    posts = [
        (new_url, {"kind": "inquiry", "subject": "x", "department": "sales", "owner": sales.pk}),
        (case_url(case, "case_entry"), {"entry-kind": "note", "entry-text": "late"}),
        (case_url(case, "case_step", name="resolve"), {"resolve-resolution": "done"}),
        (case_url(case, "case_step", name="start"), {}),
        (case_url(case, "return_create"), return_post(order, PUMP_7=1)),
        (reverse("aftersales:return_receive", args=[return_request.pk]), {}),
        (reverse("aftersales:return_cancel", args=[return_request.pk]), {}),
        (case_url(case, "case_entry"), {"entry-kind": "note", "entry-text": ""}),
    ]
    for url, data in posts:
        response = client.post(url, data)
        assert response.status_code == 302, url
        assert any("archived" in m.lower() for m in followed_messages(client, response)), url
    # and nothing changed
    assert before == (
        Case.objects.count(),
        CaseEntry.objects.count(),
        Return.objects.count(),
        OrderEvent.objects.count(),
        on_hand(pump),
    )
    return_request.refresh_from_db()
    assert return_request.status == "requested"


def test_a_recorded_follow_up_is_offered_no_second_outcome(client, boss, sales, pump):
    follow_up = delivered(boss, sales, (pump, 1)).follow_ups.first()
    services.follow_up_record(follow_up=follow_up, user=sales, channel="phone", notes="Fine")
    client.force_login(sales)
    page = client.get(reverse("aftersales:follow_up_record", args=[follow_up.pk]))
    assert page.status_code == 200
    assert "This follow-up was already recorded." in html(page)
    assert "Save and close the follow-up" not in html(page)
    done = html(client.get(FOLLOW_UPS, {"scope": "done"}))
    assert "Fine" in done and "Record outcome" not in done
