"""The intake form's live checks: the review findings before saving (the
findings endpoint), and the customer search that replaced the list of every
customer (issue 12, items 5 and 7)."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from orders import selectors
from orders.models import Customer, Order
from tests import flow
from tests.factories import CustomerFactory, ProductFactory, UserFactory, make_order, stock
from tests.orders.test_views import CREATE, intake_data

FINDINGS = reverse("orders:intake_findings")
SEARCH = reverse("orders:customer_search")


def days(n: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=n)).isoformat()


@pytest.fixture
def root(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


@pytest.fixture
def gauge(warehouse):
    """40 in stock, listed at 65.00."""
    p = ProductFactory(sku="GAUGE-10", name="压力表", list_price=Decimal("65.00"))
    stock(p, 40, warehouse=warehouse)
    return p


def codes(response) -> list[str]:
    return [f["code"] for f in response.json()["findings"]]


# --- the findings endpoint: permission and CSRF ------------------------------------


def test_the_findings_need_a_login_and_the_intake_permission(client, warehouse_user, db):
    # given nobody logged in, then the login page
    assert client.post(FINDINGS, {}).status_code == 302
    # given a warehouse user, who may not record orders, then 403
    client.force_login(warehouse_user)
    assert client.post(FINDINGS, {}).status_code == 403


def test_the_findings_are_posted_not_fetched(client, sales):
    client.force_login(sales)
    assert client.get(FINDINGS).status_code == 405


def test_the_findings_need_the_forms_csrf_token(sales, customer, product):
    # given a browser that enforces CSRF, as a real one does
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(sales)
    data = intake_data(customer=customer)
    # when the check is posted without the form's token, then it is refused
    assert browser.post(FINDINGS, data).status_code == 403
    # and with the token the intake page carries, it is answered
    browser.get(CREATE)
    data["csrfmiddlewaretoken"] = browser.cookies["csrftoken"].value
    assert browser.post(FINDINGS, data).status_code == 200


# --- the findings: the review's own ------------------------------------------------------


def test_a_million_units_against_40_and_a_past_date_are_found_before_saving(
    client, sales, customer, gauge
):
    # given sales typing an order for 1,000,000 gauges (40 in stock) for yesterday
    client.force_login(sales)
    data = intake_data(
        customer=customer,
        lines=[("GAUGE-10", "1000000", "")],
        requested_delivery_date=days(-1),
    )
    # when the form checks itself
    response = client.post(FINDINGS, data)
    # then the stock and the date are findings, each with its message
    assert response.status_code == 200
    findings = response.json()["findings"]
    assert [f["code"] for f in findings] == ["stock_shortage", "delivery_date"]
    assert findings[0]["message"] == "GAUGE-10: 1000000 requested, only 40 available."
    assert findings[1]["requested"] == days(-1)
    assert findings[1]["message"].startswith(f"Requested date {days(-1)} is before")
    # and nothing was saved
    assert not Order.objects.exists()


def test_the_live_findings_are_what_the_review_finds_once_saved(
    client, sales, gauge, product, warehouse
):
    # given a customer with a credit limit and an order already open
    buyer = CustomerFactory(credit_limit=Decimal("1000.00"))
    make_order(customer=buyer, salesperson=sales, lines=[(product, 50)])  # 500.00 open
    client.force_login(sales)
    # an order over stock, at a discount, too soon and over the limit
    data = intake_data(
        customer=buyer,
        lines=[("GAUGE-10", "41", "60.00"), ("WIDGET-1", "1", "")],
        requested_delivery_date=days(1),
    )
    # when the form checks itself and is then saved
    live = client.post(FINDINGS, data).json()["findings"]
    client.post(CREATE, data)
    saved = Order.objects.exclude(lines__product=product, lines__quantity=50).get()
    # then the live findings are the review's findings of the saved order
    review = selectors.order_compute_findings(order=saved)
    assert [{k: v for k, v in f.items() if k != "message"} for f in live] == review
    assert [f["code"] for f in review] == [
        "stock_shortage",
        "price_changed",
        "delivery_date",
        "credit_limit",
    ]


def test_a_clean_order_has_no_findings_and_an_empty_form_none_either(
    client, sales, customer, product
):
    client.force_login(sales)
    assert client.post(FINDINGS, intake_data(customer=customer)).json() == {"findings": []}
    # a form not filled in yet: nothing to check, nothing wrong
    assert client.post(FINDINGS, {}).json() == {"findings": []}


def test_lines_still_being_typed_wait(client, sales, customer, product):
    # given a line without a product and a removed line for 10,000
    client.force_login(sales)
    data = intake_data(customer=customer, lines=[("", "5", ""), ("WIDGET-1", "10000", "")])
    data["lines-1-DELETE"] = "on"
    # then neither is checked
    assert client.post(FINDINGS, data).json() == {"findings": []}


def test_a_new_customers_address_sets_the_earliest_date(client, manager, product):
    # given a manager entering a new customer in Xinjiang with a small credit limit
    client.force_login(manager)
    data = intake_data(
        lines=[("WIDGET-1", "20", "")],
        requested_delivery_date=days(3),
        **{
            "customer_mode": "new",
            "customer-province": "新疆维吾尔自治区",
            "customer-city": "乌鲁木齐市",
            "customer-credit_limit": "100",
        },
    )
    # then the date (processing plus transit days to that address) and the limit are findings
    findings = client.post(FINDINGS, data).json()["findings"]
    assert [f["code"] for f in findings] == ["delivery_date", "credit_limit"]
    earliest = selectors.earliest_feasible_date(province="新疆维吾尔自治区", city="乌鲁木齐市")
    assert findings[0]["earliest"] == earliest.isoformat()
    assert findings[1]["open_total"] == "0.00"


def test_the_edit_page_checks_against_its_own_order(client, sales, manager, root, product):
    # given an order of 60.00 sent back for adjustment, for a customer whose limit is 100.00
    buyer = CustomerFactory(credit_limit=Decimal("100.00"))
    order = make_order(customer=buyer, salesperson=sales, lines=[(product, 6)])
    flow.walk_to(order, "needs_adjustment", root)
    client.force_login(sales)
    data = intake_data(customer=buyer, lines=[("WIDGET-1", "9", "")])
    # when the edit page checks 9 instead of 6, then the order's own 60.00 is not
    # counted twice: 90.00 is within the limit
    assert client.post(FINDINGS, {**data, "order": order.number}).json() == {"findings": []}
    # and a new order of 90.00 beside the open one would be over it
    assert codes(client.post(FINDINGS, data)) == ["credit_limit"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"requested_delivery_date": "2025-13-45"}, "requested_delivery_date"),
        ({"lines-0-quantity": "many"}, "lines[0].quantity"),
        ({"lines-0-quantity": "0"}, "lines[0].quantity"),
        ({"lines-0-quantity": "1e400"}, "lines[0].quantity"),
        ({"lines-0-quantity": "2000000"}, "lines[0].quantity"),
        ({"lines-0-unit_price": "-1"}, "lines[0].unit_price"),
        ({"lines-0-unit_price": "NaN"}, "lines[0].unit_price"),
        ({"lines-0-product": "NO-SUCH-SKU"}, "lines[0].product"),
        ({"customer": "999999"}, "customer"),
        ({"customer": "-1.8e308"}, "customer"),
        ({"customer": "David"}, "customer"),
        ({"customer": "13999999999"}, "customer"),
        ({"order": "SO-1999-000001"}, "order"),
        (
            {"customer_mode": "new", "customer-province": "Atlantis", "customer-city": "x"},
            "customer-province",
        ),
        ({"customer_mode": "new", "customer-credit_limit": "lots"}, "customer-credit_limit"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_never_a_500(
    client, manager, customer, product, overrides, field
):
    # given a manager (who may set credit limits) checking a form with one bad value
    client.force_login(manager)
    response = client.post(FINDINGS, {**intake_data(customer=customer), **overrides})
    # then the answer is the services' error shape, naming the field
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["message"]
    assert list(body["fields"]) == [field]


def test_more_lines_than_an_order_holds_is_a_400(client, sales, customer, product):
    client.force_login(sales)
    data = {f"lines-{i}-product": "WIDGET-1" for i in range(501)}
    response = client.post(FINDINGS, data)
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["lines"]


def test_an_integration_client_cannot_check_against_another_clients_customer(
    client, integration, customer, product
):
    # given a customer the sales desk entered, not the client
    client.force_login(integration)
    # when the client names it, then it does not exist for the client
    response = client.post(FINDINGS, intake_data(customer=customer))
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["customer"]


def test_the_findings_cost_a_fixed_number_of_queries(
    client, sales, customer, warehouse, django_assert_max_num_queries
):
    # given an order of 30 different products
    lines = []
    for i in range(30):
        stock(ProductFactory(sku=f"Q-{i}"), 1, warehouse=warehouse)
        lines.append((f"Q-{i}", "2", ""))
    client.force_login(sales)
    data = intake_data(customer=customer, lines=lines)
    # then the check costs the same few queries however many lines it has
    with django_assert_max_num_queries(45):
        assert codes(client.post(FINDINGS, data)) == ["stock_shortage"] * 30


# --- the same findings after saving ------------------------------------------------


def test_saving_the_draft_says_what_the_manager_will_review(client, sales, customer, gauge):
    client.force_login(sales)
    data = intake_data(
        customer=customer, lines=[("GAUGE-10", "1000000", "")], requested_delivery_date=days(-1)
    )
    # when sales saves the draft anyway
    response = client.post(CREATE, data)
    # then it is saved, and the message repeats the findings
    order = Order.objects.get()
    assert response.url == reverse("orders:detail", kwargs={"number": order.number})
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert texts[0] == f"Order {order.number} was recorded as a draft."
    assert texts[1].startswith("The manager will review these: ")
    assert "GAUGE-10: 1000000 requested, only 40 available." in texts[1]
    assert f"Requested date {days(-1)} is before" in texts[1]


def test_a_clean_draft_gets_no_findings_message(client, sales, customer, product):
    client.force_login(sales)
    response = client.post(CREATE, intake_data(customer=customer))
    assert len(list(get_messages(response.wsgi_request))) == 1


# --- the customer field: a search, a number or a phone ----------------------------------


def test_the_intake_form_lists_no_customers(client, sales, db):
    # given 30 customers
    for i in range(30):
        CustomerFactory(name=f"列表客户{i}")
    client.force_login(sales)
    # when the intake form opens, then none is in the page: the field searches
    html = client.get(CREATE).content.decode()
    assert "列表客户" not in html
    assert '<select name="customer"' not in html
    assert reverse("orders:customer_search") in html
    assert 'name="customer" type="text"' in html or 'type="text" name="customer"' in html


def test_without_the_script_a_customer_is_named_by_number_or_phone(client, sales, product):
    # given two customers, one with a phone of its own stored with +86
    david = CustomerFactory(name="David Chen", phone="+8613602345678")
    CustomerFactory(name="王芳", phone="13900001111")
    client.force_login(sales)
    # when sales types the phone without +86, then the order is David's
    client.post(CREATE, {**intake_data(), "customer": "136 0234 5678"})
    # and typing the customer number works as well
    client.post(CREATE, {**intake_data(), "customer": str(david.pk)})
    assert list(Order.objects.values_list("customer__name", flat=True)) == ["David Chen"] * 2


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("13812345678", "Several customers have this phone"),
        ("13999999999", "No customer has this number or phone."),
        ("999999", "No customer has this number or phone."),
        ("David", "Pick a customer from the search, or enter a customer number or phone."),
    ],
)
def test_a_customer_that_cannot_be_told_says_so_on_the_field(
    client, sales, product, typed, message
):
    # given two customers sharing a phone
    CustomerFactory(phone="13812345678")
    CustomerFactory(phone="13812345678")
    client.force_login(sales)
    response = client.post(CREATE, {**intake_data(), "customer": typed})
    assert response.status_code == 200
    assert message in response.context["intake"].order_form.errors["customer"][0]
    assert not Order.objects.exists()


def test_the_edit_page_shows_its_customer(client, sales, product):
    # given a draft of 王芳's
    wang = CustomerFactory(name="王芳", company="杭州示例", phone="13900001111", city="杭州市")
    order = make_order(customer=wang, salesperson=sales, lines=[(product, 1)])
    client.force_login(sales)
    # when sales opens it for editing
    html = client.get(reverse("orders:edit", kwargs={"number": order.number})).content.decode()
    # then the field holds her number and the page names her
    assert f'value="{wang.pk}"' in html
    assert 'data-chosen-label="王芳 (杭州示例)"' in html
    assert "13900001111" in html


def test_an_integration_client_cannot_order_for_another_clients_customer(
    client, integration, customer, product
):
    client.force_login(integration)
    response = client.post(CREATE, intake_data(customer=customer))
    assert "customer" in response.context["intake"].order_form.errors
    assert not Order.objects.exists()


# --- the customer search ---------------------------------------------------------------


@pytest.fixture
def people(db):
    return {
        "wang": CustomerFactory(
            name="王芳", company="杭州示例机电", contact_person="", phone="13900001111"
        ),
        "zhang": CustomerFactory(
            name="张伟", company="王府井贸易", contact_person="", phone="+8613602345678"
        ),
        "beijing": CustomerFactory(name="Li Na", company="北京仪表", phone="010-62345678"),
    }


def names(response) -> list[str]:
    assert response.status_code == 200
    return [r["name"] for r in response.json()["results"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("芳", ["王芳"]),  # a fragment of a Chinese name
        ("王", ["王芳", "张伟"]),  # names that start with it first, then companies
        ("杭州", ["王芳"]),  # the company
        ("li na", ["Li Na"]),  # any case
        ("1390000", ["王芳"]),  # a phone's leading digits
        ("136 0234", ["张伟"]),  # ... of a phone stored with +86
        ("+86136", ["张伟"]),
        ("5678", ["Li Na", "张伟"]),  # the last digits, anywhere in the phone
        ("010-6234", ["Li Na"]),  # a landline as written
        ("nobody", []),
    ],
)
def test_the_customer_search_finds_by_name_company_and_phone(
    client, sales, people, query, expected
):
    client.force_login(sales)
    assert names(client.get(SEARCH, {"q": query})) == expected


def test_the_customer_search_answers_what_the_field_needs(client, sales, people):
    client.force_login(sales)
    [result] = client.get(SEARCH, {"q": "王芳"}).json()["results"]
    assert result == {
        "id": people["wang"].pk,
        "label": "王芳 (杭州示例机电)",
        "name": "王芳",
        "company": "杭州示例机电",
        "phone": "13900001111",
        "city": "上海市",
    }


def test_the_customer_search_finds_a_customer_number(client, sales, people):
    client.force_login(sales)
    found = client.get(SEARCH, {"q": str(people["beijing"].pk)}).json()["results"]
    assert people["beijing"].pk in [r["id"] for r in found]


def test_the_customer_search_returns_at_most_20(client, sales, db):
    # given 25 customers named alike and sharing a phone prefix
    for i in range(25):
        CustomerFactory(name=f"同名客户{i:02d}", phone=f"137000000{i:02d}")
    client.force_login(sales)
    # then a name answers the 20 newest, in name order (it stops there, not
    # reading on through every customer to sort them)
    by_name = names(client.get(SEARCH, {"q": "同名"}))
    assert by_name == [f"同名客户{i:02d}" for i in range(5, 25)]
    # a phone prefix the first 20 along the phone index
    by_phone = client.get(SEARCH, {"q": "1370000"}).json()["results"]
    assert [r["phone"] for r in by_phone] == [f"137000000{i:02d}" for i in range(20)]
    # and digits anywhere in the phone 20 as well
    assert len(names(client.get(SEARCH, {"q": "0000"}))) == 20


def test_an_empty_or_huge_query_is_answered_without_error(client, sales, people):
    client.force_login(sales)
    assert names(client.get(SEARCH, {"q": "  "})) == []
    assert names(client.get(SEARCH)) == []
    assert names(client.get(SEARCH, {"q": "王" * 10_000})) == []
    assert names(client.get(SEARCH, {"q": "9" * 500})) == []
    assert names(client.get(SEARCH, {"q": "%_\\"})) == []


def test_an_integration_client_finds_only_its_own_customers(client, integration, people, product):
    # given a customer the client entered and one an order of its own names
    own = CustomerFactory(name="网店客户", created_by=integration)
    ordered = CustomerFactory(name="网店老客户")
    make_order(customer=ordered, salesperson=integration, lines=[(product, 1)])
    Order.objects.filter(customer=ordered).update(created_by=integration)
    client.force_login(integration)
    # then it finds those two and none of the sales desk's
    assert names(client.get(SEARCH, {"q": "网店"})) == ["网店客户", "网店老客户"]
    assert names(client.get(SEARCH, {"q": "王"})) == []
    assert own.pk in [r["id"] for r in client.get(SEARCH, {"q": str(own.pk)}).json()["results"]]


def test_the_customer_search_needs_a_login_and_the_permission(client, warehouse_user, db):
    assert client.get(SEARCH, {"q": "王"}).status_code == 302
    client.force_login(warehouse_user)
    assert client.get(SEARCH, {"q": "王"}).status_code == 403
    client.force_login(UserFactory(username="nobody"))
    assert client.get(SEARCH, {"q": "王"}).status_code == 403


def test_the_customer_search_costs_a_fixed_number_of_queries(
    client, sales, db, django_assert_max_num_queries
):
    for i in range(40):
        CustomerFactory(name=f"客户{i}", phone=f"1380000{i:04d}")
    client.force_login(sales)
    # digits: the customer number, each phone prefix variant, then anywhere
    with django_assert_max_num_queries(10):
        assert len(names(client.get(SEARCH, {"q": "0000"}))) == 20
    with django_assert_max_num_queries(7):
        assert len(names(client.get(SEARCH, {"q": "1380000"}))) == 20
    with django_assert_max_num_queries(6):
        assert len(names(client.get(SEARCH, {"q": "客户"}))) == 20


def test_customers_model_still_has_its_phone_index():
    # The phone search is a range on this index (selectors.customer_search).
    assert any(index.fields == ["phone"] for index in Customer._meta.indexes)
