"""The sales staff web UI: list, intake, order page, transitions, edit."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from inventory.models import StockItem
from orders import forms
from orders.exceptions import OrderInvalid
from orders.models import Customer, CustomerContact, Order, OrderEvent
from tests import flow
from tests.factories import CustomerFactory, ProductFactory, UserFactory, make_order, stock

LIST = reverse("orders:list")
CREATE = reverse("orders:create")


@pytest.fixture
def root(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


def detail_url(order):
    return reverse("orders:detail", kwargs={"number": order.number})


def transition_url(order, name):
    return reverse("orders:transition", kwargs={"number": order.number, "name": name})


def intake_data(*, customer=None, lines=(("WIDGET-1", "3", ""),), **overrides):
    """What the intake form posts: the order, an existing customer, the lines."""
    data = {
        "customer_mode": "existing",
        "customer": customer.pk if customer else "",
        "channel": "phone",
        "requested_delivery_date": (timezone.localdate() + datetime.timedelta(days=30)).isoformat(),
        "payment_method": "bank_transfer",
        "notes": "",
        "lines-TOTAL_FORMS": str(len(lines)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "500",
    }
    for i, (sku, quantity, price) in enumerate(lines):
        data[f"lines-{i}-product"] = sku
        data[f"lines-{i}-quantity"] = quantity
        data[f"lines-{i}-unit_price"] = price
    data.update(overrides)
    return data


NEW_CUSTOMER = {
    "customer_mode": "new",
    "customer-name": "张伟",
    "customer-company": "杭州示例机电有限公司",
    "customer-contact_person": "张伟",
    "customer-phone": "139 1234 5678",
    "customer-email": "zhang@example.com",
    "customer-province": "浙江省",
    "customer-city": "杭州市",
    "customer-district": "西湖区",
    "customer-street": "文三路 90 号",
    "customer-postcode": "310012",
    "customer-preferred_language": "zh-hans",
    "customer-credit_limit": "50000",
    "customer-payment_terms": "net_30",
}


def button_names(response) -> set[str]:
    """The transitions the order page offers, from their form actions."""
    return set(re.findall(r'/transition/([a-z_]+)/"', response.content.decode()))


# --- login and error pages ----------------------------------------------------


def test_pages_need_a_login(client, db):
    # given nobody logged in
    # when they open the order list
    response = client.get(LIST)
    # then they are sent to the login page, which renders
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert client.get(response.url).status_code == 200


def test_unknown_order_is_a_friendly_404(client, sales):
    # given a logged-in salesperson
    client.force_login(sales)
    # when they open an order number that does not exist
    response = client.get(reverse("orders:detail", kwargs={"number": "SO-1999-000001"}))
    # then they see the 404 page in the layout, with a way back
    assert response.status_code == 404
    assert b"This page does not exist" in response.content
    assert LIST.encode() in response.content


def test_the_500_page_renders_without_a_request(db):
    # given a server error, where Django renders 500.html with no context at all
    from django.template.loader import render_to_string

    # when it renders, then it is the layout with the apology and no user menu
    html = render_to_string("500.html")
    assert "Something went wrong on our side" in html
    assert "Log out" not in html


def test_a_role_without_intake_gets_a_403_page(client, warehouse_user):
    # given a warehouse user, who may not record orders
    client.force_login(warehouse_user)
    # when they open the intake form
    response = client.get(CREATE)
    # then they see the 403 page, and no "New order" link in the header
    assert response.status_code == 403
    assert b"You may not open this page" in response.content
    assert f'href="{CREATE}"'.encode() not in response.content


# --- the list -------------------------------------------------------------------


def test_list_filters_by_status_customer_salesperson_and_dates(
    client, sales, manager, customer, product, root
):
    # given orders of two customers by two salespeople, one of them submitted
    other = CustomerFactory(name="北京客户", company="北京示例", phone="010-12345678")
    a = make_order(customer=customer, salesperson=sales, lines=[(product, 1)])
    b = make_order(customer=other, salesperson=manager, lines=[(product, 1)])
    flow.walk_to(b, "submitted", root)
    client.force_login(sales)

    # when filtering by status, customer and salesperson
    by_status = client.get(LIST, {"status": "submitted"}).context["page"].object_list
    by_customer = client.get(LIST, {"customer": customer.pk}).context["page"].object_list
    by_salesperson = client.get(LIST, {"salesperson": manager.pk}).context["page"].object_list
    # then each shows only the matching order
    assert [o.number for o in by_status] == [b.number]
    assert [o.number for o in by_customer] == [a.number]
    assert [o.number for o in by_salesperson] == [b.number]

    # when filtering on the creation date
    today = timezone.localdate()
    tomorrow = (today + datetime.timedelta(days=1)).isoformat()
    in_range = client.get(LIST, {"date_from": today.isoformat(), "date_to": today.isoformat()})
    later = client.get(LIST, {"date_from": tomorrow})
    # then today's range has both and a later start has none
    assert in_range.context["page"].paginator.count == 2
    assert later.context["page"].paginator.count == 0
    assert b"No order matches these filters." in later.content


def test_an_integration_client_sees_only_its_own_orders(
    client, integration, sales, customer, product
):
    # given an order by sales and one by the online store's integration user
    make_order(customer=customer, salesperson=sales, lines=[(product, 1)])
    own = make_order(customer=customer, salesperson=integration, lines=[(product, 1)])
    client.force_login(integration)
    # when the integration user opens the list, then only its own order is there
    assert [o.number for o in client.get(LIST).context["page"]] == [own.number]


def test_the_header_has_navigation_language_switch_and_logout(client, sales):
    # given a salesperson
    client.force_login(sales)
    # when any page is shown
    html = client.get(LIST).content.decode()
    # then the header links the pages, switches language and logs out by POST
    assert f'href="{CREATE}"' in html
    assert f'action="{reverse("set_language")}" method="post"' in html
    assert 'value="zh-hans"' in html and 'value="en"' in html
    assert f'action="{reverse("logout")}" method="post"' in html
    # and no review queue link for a role that does not review
    assert "Review queue" not in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [("北京客户", "b"), ("北京示例", "b"), ("010-1234", "b"), ("13812345678", "a")],
)
def test_list_searches_number_customer_company_and_phone(
    client, sales, customer, product, query, expected
):
    # given two orders of customers with different names, companies and phones
    other = CustomerFactory(name="北京客户", company="北京示例", phone="010-12345678")
    orders = {
        "a": make_order(customer=customer, salesperson=sales, lines=[(product, 1)]),
        "b": make_order(customer=other, salesperson=sales, lines=[(product, 1)]),
    }
    client.force_login(sales)
    # when searching
    page = client.get(LIST, {"q": query}).context["page"]
    # then only the matching order is listed
    assert [o.number for o in page.object_list] == [orders[expected].number]
    # and searching for an order number finds it too
    number = orders[expected].number
    assert [o.number for o in client.get(LIST, {"q": number}).context["page"]] == [number]


def test_list_paginates_and_keeps_filters_across_pages(client, sales, customer, product):
    # given 27 draft orders (the page holds 25)
    for _ in range(27):
        make_order(customer=customer, salesperson=sales, lines=[(product, 1)])
    client.force_login(sales)
    # when the filtered list is opened
    response = client.get(LIST, {"status": "draft", "q": "SO-"})
    # then 25 are shown and the next-page link keeps the filters
    assert len(response.context["page"].object_list) == 25
    html = response.content.decode()
    assert "?status=draft&amp;q=SO-&amp;page=2" in html
    # and page 2 holds the other 2
    page2 = client.get(LIST, {"status": "draft", "q": "SO-", "page": 2})
    assert len(page2.context["page"].object_list) == 2


def test_list_shows_status_badge_and_total_in_cny(client, sales, customer, warehouse):
    # given an order worth 1234.50
    pricey = ProductFactory(sku="BIG-1", list_price=Decimal("411.50"))
    stock(pricey, 10, warehouse=warehouse)
    make_order(customer=customer, salesperson=sales, lines=[(pricey, 3)])
    client.force_login(sales)
    # when the list is shown
    html = client.get(LIST).content.decode()
    # then the total has a yuan sign, thousands separator and two decimals
    assert "¥1,234.50" in html
    # and the status is a badge
    assert '<span class="badge badge--draft">Draft</span>' in html


@pytest.mark.parametrize("count", [1, 30])
def test_list_query_count_does_not_grow_with_orders(
    client, sales, customer, product, django_assert_max_num_queries, count
):
    # given 1 or 30 orders, each with a different customer
    for i in range(count):
        cust = customer if i == 0 else CustomerFactory()
        make_order(customer=cust, salesperson=sales, lines=[(product, 1)])
    client.force_login(sales)
    # when the list is opened, then the number of queries is the same bound
    with django_assert_max_num_queries(10):
        response = client.get(LIST)
    assert response.status_code == 200


# --- intake ---------------------------------------------------------------------------


def test_intake_creates_a_draft_with_lines_priced_at_list_price(client, sales, customer, product):
    # given a salesperson and a product listed at 10.00
    client.force_login(sales)
    # when they record an order for 3 of it without a price
    response = client.post(CREATE, intake_data(customer=customer))
    # then a draft is created with them as salesperson and creator
    order = Order.objects.get()
    assert response.status_code == 302
    assert response.url == detail_url(order)
    assert (order.status, order.salesperson, order.created_by) == ("draft", sales, sales)
    # and the line took the list price
    line = order.lines.get()
    assert (line.product, line.quantity, line.unit_price) == (product, 3, Decimal("10.00"))
    assert order.total == Decimal("30.00")


def test_intake_takes_a_price_given_on_the_line(client, sales, customer, product):
    # given a salesperson who may set prices
    client.force_login(sales)
    # when they record a line at 8.50
    client.post(CREATE, intake_data(customer=customer, lines=[("WIDGET-1", "2", "8.50")]))
    # then the line carries that price
    assert Order.objects.get().lines.get().unit_price == Decimal("8.50")


def test_intake_form_renders_for_sales(client, sales, customer, product):
    # given a salesperson
    client.force_login(sales)
    # when they open the intake form
    response = client.get(CREATE)
    # then it has the customer, order and line fields, a line template and the search URL
    html = response.content.decode()
    assert response.status_code == 200
    for name in ["customer_mode", "customer-phone", "customer-province", "lines-0-product"]:
        assert f'name="{name}"' in html
    assert "lines-__prefix__-quantity" in html
    assert 'type="date"' in html
    assert reverse("orders:product_search") in html


def test_intake_with_a_bad_phone_shows_the_error_and_creates_nothing(
    client, sales, customer, product
):
    # given a salesperson entering a new customer with an impossible phone
    client.force_login(sales)
    data = intake_data(**{**NEW_CUSTOMER, "customer-phone": "12345"})
    # when they save
    response = client.post(CREATE, data)
    # then the form comes back with the error on the phone field
    assert response.status_code == 200
    customer_form = response.context["intake"].customer_form
    assert "Enter a mainland China mobile" in customer_form.errors["phone"][0]
    assert b"field--error" in response.content
    # and nothing was created
    assert not Order.objects.exists()
    assert Customer.objects.count() == 1


def test_intake_with_zero_quantity_names_the_line_field(client, sales, customer, product):
    # given a salesperson
    client.force_login(sales)
    # when a line has quantity 0
    response = client.post(CREATE, intake_data(customer=customer, lines=[("WIDGET-1", "0", "")]))
    # then the quantity of that line carries the error and nothing is created
    line_form = response.context["intake"].lines.forms[0]
    assert "quantity" in line_form.errors
    assert not Order.objects.exists()


def test_intake_without_lines_says_so(client, sales, customer, product):
    # given a salesperson
    client.force_login(sales)
    # when the only line is left empty
    response = client.post(CREATE, intake_data(customer=customer, lines=[("", "1", "")]))
    # then the form says a line is needed, and nothing is created
    assert response.status_code == 200
    assert "Add at least one line." in response.context["intake"].lines.non_form_errors()
    assert b"Add at least one line." in response.content
    assert not Order.objects.exists()


def test_intake_with_an_unknown_sku_names_the_product_field(client, sales, customer, product):
    # given a salesperson
    client.force_login(sales)
    # when a line names a SKU that is not sold
    response = client.post(CREATE, intake_data(customer=customer, lines=[("NOPE", "1", "")]))
    # then the product field of that line carries the error
    assert response.context["intake"].lines.forms[0].errors["product"] == [
        "No product on sale has this SKU."
    ]
    assert not Order.objects.exists()


def test_intake_without_a_customer_names_the_customer_field(client, sales, product):
    # given a salesperson who picked no customer
    client.force_login(sales)
    # when they save
    response = client.post(CREATE, intake_data(customer=None))
    # then the customer field says what to do
    assert "customer" in response.context["intake"].order_form.errors
    assert not Order.objects.exists()


def test_intake_creates_a_new_customer_inline(client, sales, product):
    # given a salesperson entering a customer that does not exist yet
    client.force_login(sales)
    # when they save the order with the customer's details
    response = client.post(CREATE, intake_data(**NEW_CUSTOMER))
    # then the customer is created (phone normalised) and the order is theirs
    assert response.status_code == 302
    customer = Customer.objects.get(name="张伟")
    assert (customer.phone, customer.province) == ("13912345678", "浙江省")
    assert Order.objects.get().customer == customer
    # but not the credit terms typed in: those are a manager's (issue 11)
    assert (customer.payment_terms, customer.credit_limit) == ("prepaid", None)
    assert "customer-credit_limit" not in client.get(CREATE).content.decode()


def test_a_manager_sets_the_new_customers_terms_at_intake(client, manager, product):
    client.force_login(manager)
    assert "customer-credit_limit" in client.get(CREATE).content.decode()
    response = client.post(CREATE, intake_data(**NEW_CUSTOMER))
    assert response.status_code == 302
    customer = Customer.objects.get(name="张伟")
    assert (customer.payment_terms, customer.credit_limit) == ("net_30", Decimal("50000"))
    assert customer.events.get().actor == manager


def test_a_service_error_lands_on_the_field_it_names(sales, customer, product):
    # given a filled-in intake with two lines
    data = intake_data(customer=customer, lines=[("WIDGET-1", "1", ""), ("WIDGET-1", "2", "")])
    intake = forms.IntakeForms(data, user=sales)
    assert intake.is_valid()
    # when the service refuses the second line's quantity and the whole order
    intake.add_domain_error(
        OrderInvalid(
            "The order lines are not valid.",
            fields={"lines[1].quantity": ["Too many."], "lines": ["Check the lines."]},
        )
    )
    # then the error is on the second line's quantity, and on the lines as a whole
    assert intake.lines.forms[1].errors["quantity"] == ["Too many."]
    assert "Check the lines." in intake.lines.non_form_errors()
    assert intake.has_errors


# --- product search ---------------------------------------------------------------------


def test_product_search_returns_live_availability(client, sales, root, customer, product):
    # given 100 on hand, of which an approved order reserved 30
    order = make_order(customer=customer, salesperson=sales, lines=[(product, 30)])
    flow.walk_to(order, "approved", root)
    client.force_login(sales)
    # when the intake form searches for the product
    response = client.get(reverse("orders:product_search"), {"q": "widget"})
    # then it gets SKU, name, list price and what is still available
    assert response.json() == {
        "results": [
            {
                "sku": "WIDGET-1",
                "name": product.name,
                "unit": "pcs",
                "list_price": "10.00",
                "available": 70,
            }
        ]
    }


def test_product_search_skips_inactive_and_shows_zero_without_stock(client, sales, warehouse):
    # given a product without stock and an inactive one
    ProductFactory(sku="NEW-1", name="新产品")
    ProductFactory(sku="OLD-1", name="旧产品", is_active=False)
    client.force_login(sales)
    # when searching for either
    results = client.get(reverse("orders:product_search"), {"q": "产品"}).json()["results"]
    # then only the active one comes back, with nothing available
    assert [(r["sku"], r["available"]) for r in results] == [("NEW-1", 0)]


# --- the order page and its buttons -------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "state", "expected"),
    [
        ("sales", "draft", {"submit", "cancel"}),
        ("sales", "submitted", {"cancel"}),
        ("manager", "submitted", {"approve", "request_adjustment", "cancel"}),
        ("warehouse_user", "submitted", set()),
        ("warehouse_user", "approved", {"start_picking"}),
        ("warehouse_user", "packing", {"pack"}),
        ("logistics", "packed", {"ship"}),
    ],
)
def test_order_page_offers_exactly_the_steps_of_this_role(
    client, request, root, customer, product, sales, role, state, expected
):
    # given an order in a state and a user in a role
    order = make_order(customer=customer, salesperson=sales, lines=[(product, 2)])
    flow.walk_to(order, state, root)
    client.force_login(request.getfixturevalue(role))
    # when they open the order page
    response = client.get(detail_url(order))
    # then it offers exactly the transitions their role may take now
    assert response.status_code == 200
    assert button_names(response) == expected


def test_order_page_shows_customer_lines_total_and_findings(
    client, sales, manager, customer, product, warehouse
):
    # given a submitted order whose second product is out of stock
    empty = ProductFactory(sku="EMPTY-1", name="缺货产品", list_price=Decimal("5.00"))
    order = make_order(customer=customer, salesperson=sales, lines=[(product, 2), (empty, 4)])
    from orders import services

    services.order_submit(order=order, user=sales)
    client.force_login(manager)
    # when the manager opens it
    html = client.get(detail_url(order)).content.decode()
    # then the customer, address, phone, lines and total are shown
    for text in [customer.name, "上海市浦东新区世纪大道100号", "13812345678", "WIDGET-1"]:
        assert text in html
    assert "¥40.00" in html
    # and the review finding names the short SKU
    assert "EMPTY-1: 4 requested, only 0 available." in html
    # and the timeline shows creation and the submit with its states
    assert "Recorded as draft." in html
    assert '<span class="badge badge--submitted">Submitted</span>' in html


def test_edit_link_only_when_editable_and_allowed(client, root, sales, warehouse_user, customer):
    # given a draft and a submitted order
    product = ProductFactory(sku="P-1")
    stock(product, 10)
    draft = make_order(customer=customer, salesperson=sales, lines=[(product, 1)])
    submitted = flow.walk_to(
        make_order(customer=customer, salesperson=sales, lines=[(product, 1)]), "submitted", root
    )
    # when sales and the warehouse look at them
    client.force_login(sales)
    sales_draft = client.get(detail_url(draft)).content.decode()
    sales_submitted = client.get(detail_url(submitted)).content.decode()
    client.force_login(warehouse_user)
    warehouse_draft = client.get(detail_url(draft)).content.decode()
    # then only sales on the draft gets the edit link
    edit = reverse("orders:edit", kwargs={"number": draft.number})
    assert edit in sales_draft
    assert reverse("orders:edit", kwargs={"number": submitted.number}) not in sales_submitted
    assert edit not in warehouse_draft


# --- transitions ---------------------------------------------------------------------------


def test_submit_from_the_order_page(client, sales, customer, product):
    # given a draft
    order = make_order(customer=customer, salesperson=sales, lines=[(product, 1)])
    client.force_login(sales)
    # when sales presses submit
    response = client.post(transition_url(order, "submit"), follow=True)
    # then the order is submitted and the page says so
    order.refresh_from_db()
    assert order.status == "submitted"
    assert f"Order {order.number} is now Submitted." in response.content.decode()


def test_a_transition_the_user_may_not_take_changes_nothing(client, sales, root, customer, product):
    # given a submitted order, and a salesperson who may not approve
    order = flow.walk_to(
        make_order(customer=customer, salesperson=sales, lines=[(product, 1)]), "submitted", root
    )
    client.force_login(sales)
    # when they post the approve transition anyway
    response = client.post(transition_url(order, "approve"), follow=True)
    # then they see an error on the order page, not a crash
    assert response.status_code == 200
    assert "Your role may not approve orders." in response.content.decode()
    # and nothing changed: no reservation, no event
    order.refresh_from_db()
    assert order.status == "submitted"
    assert StockItem.objects.get(product=product).reserved == 0
    assert not order.events.filter(transition="approve").exists()


def test_a_transition_in_the_wrong_state_is_refused(client, manager, sales, customer, product):
    # given a draft order
    order = make_order(customer=customer, salesperson=sales, lines=[(product, 1)])
    client.force_login(manager)
    # when the manager posts approve on it
    response = client.post(transition_url(order, "approve"), follow=True)
    # then the page explains, and the order stays a draft
    assert "cannot approve while Draft" in response.content.decode()
    order.refresh_from_db()
    assert order.status == "draft"


def test_an_unknown_transition_is_a_404(client, sales, customer, product):
    # given an order
    order = make_order(customer=customer, salesperson=sales, lines=[(product, 1)])
    client.force_login(sales)
    # when a made-up transition is posted, then it is not found
    assert client.post(transition_url(order, "teleport")).status_code == 404


def test_approve_with_insufficient_stock_names_the_sku(
    client, manager, sales, root, customer, product
):
    # given a submitted order for more than is available
    order = make_order(customer=customer, salesperson=sales, lines=[(product, 150)])
    flow.walk_to(order, "submitted", root)
    client.force_login(manager)
    # when the manager approves it
    response = client.post(transition_url(order, "approve"), follow=True)
    # then the error names the SKU and the order stays submitted with nothing reserved
    assert "Not enough stock for WIDGET-1." in response.content.decode()
    order.refresh_from_db()
    assert order.status == "submitted"
    assert StockItem.objects.get(product=product).reserved == 0


def test_request_adjustment_needs_a_reason(client, manager, sales, root, customer, product):
    # given a submitted order
    order = flow.walk_to(
        make_order(customer=customer, salesperson=sales, lines=[(product, 1)]), "submitted", root
    )
    client.force_login(manager)
    # when the manager sends it back without a reason
    response = client.post(transition_url(order, "request_adjustment"), {})
    # then the form comes back open with the reason marked, and the order is unchanged
    assert response.status_code == 400
    actions = {a["name"]: a for a in response.context["actions"]}
    assert "reason" in actions["request_adjustment"]["form"].errors
    assert b'<details class="action" open>' in response.content
    order.refresh_from_db()
    assert order.status == "submitted"

    # when they give a reason and a note
    data = {"request_adjustment-reason": "price_change", "request_adjustment-note": "新价格"}
    response = client.post(transition_url(order, "request_adjustment"), data, follow=True)
    # then the order needs adjustment and the timeline shows the reason and note
    order.refresh_from_db()
    assert order.status == "needs_adjustment"
    html = response.content.decode()
    assert "Reason: Price change" in html
    assert "新价格" in html


def test_cancel_with_a_reason(client, sales, customer, product):
    # given a draft
    order = make_order(customer=customer, salesperson=sales, lines=[(product, 1)])
    client.force_login(sales)
    # when sales cancels it at the customer's request
    client.post(transition_url(order, "cancel"), {"cancel-reason": "customer_request"})
    # then it is cancelled with that reason recorded
    order.refresh_from_db()
    assert order.status == "cancelled"
    assert order.events.get(transition="cancel").data["reason"] == "customer_request"


def test_pack_records_packages_from_the_form(
    client, warehouse_user, root, sales, customer, product
):
    # given an order in packing
    order = flow.walk_to(
        make_order(customer=customer, salesperson=sales, lines=[(product, 1)]), "packing", root
    )
    client.force_login(warehouse_user)
    # when the warehouse packs it in two packages
    data = {
        "pack-packages-TOTAL_FORMS": "2",
        "pack-packages-INITIAL_FORMS": "0",
        "pack-packages-MIN_NUM_FORMS": "1",
        "pack-packages-MAX_NUM_FORMS": "200",
        "pack-packages-0-weight_kg": "2.5",
        "pack-packages-0-length_cm": "40",
        "pack-packages-1-weight_kg": "1.2",
    }
    client.post(transition_url(order, "pack"), data)
    # then the order is packed with both packages
    order.refresh_from_db()
    assert order.status == "packed"
    assert sorted(p.weight_kg for p in order.packages.all()) == [Decimal("1.20"), Decimal("2.50")]


# --- edit -------------------------------------------------------------------------------------


def test_edit_a_draft_changes_lines_and_fields(client, sales, customer, product):
    # given a draft with one line of 1
    order = make_order(customer=customer, salesperson=sales, lines=[(product, 1)])
    client.force_login(sales)
    url = reverse("orders:edit", kwargs={"number": order.number})
    # when the edit form opens, then it holds the order's line
    form_html = client.get(url).content.decode()
    assert 'value="WIDGET-1"' in form_html
    # when sales changes the quantity to 5 and adds a note
    data = intake_data(customer=customer, lines=[("WIDGET-1", "5", "10.00")], notes="加急")
    data["lines-INITIAL_FORMS"] = "1"
    response = client.post(url, data)
    # then the order is updated through the service and the change is on the timeline
    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.lines.get().quantity, order.total, order.notes) == (5, Decimal("50.00"), "加急")
    assert order.events.filter(kind=OrderEvent.Kind.UPDATED).exists()


def test_edit_is_refused_when_not_editable(client, sales, root, customer, product):
    # given a submitted order
    order = flow.walk_to(
        make_order(customer=customer, salesperson=sales, lines=[(product, 1)]), "submitted", root
    )
    client.force_login(sales)
    url = reverse("orders:edit", kwargs={"number": order.number})
    # when sales opens or posts the edit form
    opened = client.get(url, follow=True)
    posted = client.post(url, intake_data(customer=customer, lines=[("WIDGET-1", "9", "")]))
    # then they are sent back to the order with an error, and nothing changed
    assert opened.redirect_chain[-1][0] == detail_url(order)
    assert "can no longer be edited" in opened.content.decode()
    assert posted.status_code == 302
    assert order.lines.get().quantity == 1


# --- customer contacts ----------------------------------------------------------------------------


def test_a_recorded_contact_appears_on_the_timeline(client, sales, customer, product):
    # given an order
    order = make_order(customer=customer, salesperson=sales, lines=[(product, 1)])
    client.force_login(sales)
    # when sales records a WeChat conversation
    url = reverse("orders:contact", kwargs={"number": order.number})
    data = {"contact-channel": "wechat", "contact-summary": "客户同意延期交货"}
    response = client.post(url, data, follow=True)
    # then it is stored, and both the timeline and the contact list show it
    contact = CustomerContact.objects.get()
    assert (contact.channel, contact.contacted_by) == ("wechat", sales)
    html = response.content.decode()
    assert html.count("客户同意延期交货") == 2
    assert "Channel: WeChat" in html
    assert "The customer contact was recorded." in html


def test_an_empty_contact_is_refused_with_the_field_named(client, sales, customer, product):
    # given an order
    order = make_order(customer=customer, salesperson=sales, lines=[(product, 1)])
    client.force_login(sales)
    # when a contact without a summary is posted
    url = reverse("orders:contact", kwargs={"number": order.number})
    response = client.post(url, {"contact-channel": "phone", "contact-summary": ""})
    # then the summary field carries the error and nothing is recorded
    assert response.status_code == 400
    assert "summary" in response.context["contact_form"].errors
    assert not CustomerContact.objects.exists()


def test_the_list_names_no_customer_it_is_not_narrowed_to(client, sales, customer, product):
    # given many customers, one with an order
    from tests.factories import CustomerFactory

    others = [CustomerFactory(name=f"Kunde {i:03d}") for i in range(60)]
    order = make_order(customer=customer, salesperson=sales, lines=[(product, 1)])
    client.force_login(sales)
    # when sales opens the list, the page does not list every customer to choose from
    html = client.get(LIST).content.decode()
    assert not any(c.name in html for c in others)
    # and the order page links to that customer's orders, which the list narrows to
    detail = client.get(reverse("orders:detail", kwargs={"number": order.number})).content.decode()
    link = f"{LIST}?customer={customer.pk}"
    assert link in detail
    narrowed = client.get(link)
    assert [o.number for o in narrowed.context["page"].object_list] == [order.number]
    assert customer.name in narrowed.content.decode()
