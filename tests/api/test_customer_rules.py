"""Who may change which customer fields, and which customers an API client
sees (issue 11 item 1). Credit limit and payment terms are a manager's
(``orders.set_customer_terms``), enforced in the service so the intake form,
the admin and the API share it; every change is on the customer's timeline."""

from decimal import Decimal

import pytest
from django.urls import reverse

from orders import services
from orders.exceptions import CustomerForbidden
from orders.models import Customer, CustomerEvent
from tests.factories import CustomerFactory, UserFactory, make_order

pytestmark = pytest.mark.django_db


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code, body
    return body


@pytest.fixture
def limited(db):
    """A customer on monthly terms with a credit limit of 10,000."""
    return CustomerFactory(credit_limit=Decimal("10000.00"), payment_terms="net_30")


@pytest.mark.parametrize("role_user", ["sales", "integration"])
@pytest.mark.parametrize(
    "field,value",
    [("credit_limit", "99999999.00"), ("credit_limit", None), ("payment_terms", "net_60")],
)
def test_only_a_manager_may_change_credit_limit_and_terms(
    request, api_for, limited, integration, role_user, field, value
):
    # given the customer is one the caller may otherwise change
    limited.created_by = integration
    limited.save()
    user = request.getfixturevalue(role_user)
    # when sales or the store's client changes the money rules
    response = api_for(user).patch(
        f"/api/v1/customers/{limited.pk}/", {field: value}, format="json"
    )
    # then it is refused naming the field, and nothing changed
    body = assert_error(response, 403, "forbidden")
    assert field in body["fields"]
    limited.refresh_from_db()
    assert (limited.credit_limit, limited.payment_terms) == (Decimal("10000.00"), "net_30")
    assert not limited.events.exists()


def test_a_refused_field_refuses_the_whole_change(api_for, sales, limited):
    response = api_for(sales).patch(
        f"/api/v1/customers/{limited.pk}/",
        {"email": "new@example.com", "credit_limit": "1.00"},
        format="json",
    )
    assert_error(response, 403, "forbidden")
    limited.refresh_from_db()
    assert limited.email != "new@example.com"


def test_sending_the_current_terms_back_is_no_change(api_for, sales, limited):
    # A client that PATCHes the record it read, terms included, may do so.
    response = api_for(sales).patch(
        f"/api/v1/customers/{limited.pk}/",
        {"city": "苏州市", "credit_limit": "10000.00", "payment_terms": "net_30"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert [c["field"] for c in limited.events.get().changes] == ["city"]


def test_a_manager_changes_the_terms_and_the_timeline_says_who_what_from_to(
    api_for, manager, limited
):
    api = api_for(manager)
    response = api.patch(
        f"/api/v1/customers/{limited.pk}/",
        {"credit_limit": "20000.00", "payment_terms": "net_60"},
        format="json",
    )
    assert response.status_code == 200, response.content
    events = api.get(f"/api/v1/customers/{limited.pk}/events/").json()
    assert len(events) == 1
    assert events[0]["kind"] == "changed" and events[0]["actor"] == "manager"
    assert events[0]["changes"] == [
        {"field": "credit_limit", "from": "10000.00", "to": "20000.00"},
        {"field": "payment_terms", "from": "net_30", "to": "net_60"},
    ]


def test_creating_a_customer_with_terms_needs_a_manager(api_for, sales, manager):
    body = {
        "name": "新客户",
        "phone": "13800000000",
        "province": "北京市",
        "city": "北京市",
        "street": "长安街 1 号",
        "credit_limit": "500000.00",
    }
    refused = api_for(sales).post("/api/v1/customers/", body, format="json")
    assert "credit_limit" in assert_error(refused, 403, "forbidden")["fields"]
    assert not Customer.objects.filter(name="新客户").exists()
    # without terms, sales may (prepaid, no credit set)
    plain = {k: v for k, v in body.items() if k != "credit_limit"}
    assert api_for(sales).post("/api/v1/customers/", plain, format="json").status_code == 201
    created = api_for(manager).post(
        "/api/v1/customers/", {**body, "name": "经理客户"}, format="json"
    )
    assert created.status_code == 201
    customer = Customer.objects.get(name="经理客户")
    assert customer.created_by == manager
    event = customer.events.get()
    assert event.kind == "created"
    assert {"field": "credit_limit", "from": None, "to": "500000.00"} in event.changes


def test_the_service_refuses_whatever_calls_it(sales, limited):
    with pytest.raises(CustomerForbidden) as exc:
        services.customer_update(customer=limited, user=sales, credit_limit=Decimal("1"))
    assert "credit_limit" in exc.value.fields


# --- which customers an Integration client sees and changes -------------------


def store(name):
    return UserFactory(username=name, roles=["Integration"])


def test_an_api_client_sees_its_customers_and_those_its_orders_name(api_for, sales, product):
    shop_a, shop_b = store("shop-a"), store("shop-b")
    own = CustomerFactory(name="A 的客户", created_by=shop_a)
    ordered = CustomerFactory(name="A 下过单的客户")
    make_order(customer=ordered, salesperson=sales, lines=[(product, 1)], created_by=shop_a)
    hidden = CustomerFactory(name="别人的客户", created_by=shop_b)
    api = api_for(shop_a)
    listed = {c["name"] for c in api.get("/api/v1/customers/").json()["results"]}
    assert listed == {own.name, ordered.name}
    assert_error(api.get(f"/api/v1/customers/{hidden.pk}/"), 404, "not_found")
    assert_error(
        api.patch(f"/api/v1/customers/{hidden.pk}/", {"email": "x@evil.example"}, format="json"),
        404,
        "not_found",
    )
    # and it cannot order for one it does not see
    response = api.post(
        "/api/v1/orders/",
        {
            "customer": hidden.pk,
            "requested_delivery_date": "2099-01-01",
            "payment_method": "alipay",
            "lines": [{"sku": product.sku, "quantity": 1}],
        },
        format="json",
    )
    assert "customer" in assert_error(response, 400, "invalid")["fields"]


def test_an_api_client_may_not_change_a_customer_others_orders_use(api_for, sales, product):
    shop_a, shop_b = store("shop-a"), store("shop-b")
    shared = CustomerFactory(email="real@customer.example", created_by=shop_a)
    # shop B (or the sales desk) has an order for the same customer
    make_order(customer=shared, salesperson=sales, lines=[(product, 1)], created_by=shop_b)
    # the customer's email (where shop B's order news goes) stays as it is
    response = api_for(shop_a).patch(
        f"/api/v1/customers/{shared.pk}/", {"email": "attacker@evil.example"}, format="json"
    )
    assert_error(response, 403, "forbidden")
    shared.refresh_from_db()
    assert shared.email == "real@customer.example"
    # a customer it entered and only it orders for, it may change
    mine = CustomerFactory(created_by=shop_a)
    make_order(customer=mine, salesperson=sales, lines=[(product, 1)], created_by=shop_a)
    response = api_for(shop_a).patch(
        f"/api/v1/customers/{mine.pk}/", {"email": "new@customer.example"}, format="json"
    )
    assert response.status_code == 200, response.content


def test_a_customer_the_client_creates_is_its_own(api_for):
    shop = store("shop-a")
    response = api_for(shop).post(
        "/api/v1/customers/",
        {
            "name": "网店客户",
            "phone": "13800000000",
            "province": "北京市",
            "city": "北京市",
            "street": "x",
        },
        format="json",
    )
    assert response.status_code == 201
    assert Customer.objects.get(pk=response.json()["id"]).created_by == shop


# --- the admin ---------------------------------------------------------------


def admin_post(customer, **changes):
    data = {
        name: "" if getattr(customer, name) is None else getattr(customer, name)
        for name in services.CUSTOMER_FIELDS
    }
    data.update(changes)
    data.update({"events-TOTAL_FORMS": "0", "events-INITIAL_FORMS": "0"})
    return data


def test_in_the_admin_terms_are_read_only_without_the_permission(client, limited):
    # given a staff member of the sales role (no set_customer_terms) in the admin
    clerk = UserFactory(username="clerk", roles=["Sales"], is_staff=True)
    client.force_login(clerk)
    url = reverse("admin:orders_customer_change", args=[limited.pk])
    page = client.get(url).content.decode()
    assert 'name="credit_limit"' not in page and 'name="payment_terms"' not in page
    # when the clerk posts a new limit anyway, with a new city
    response = client.post(url, admin_post(limited, credit_limit="1", city="苏州市"))
    assert response.status_code == 302
    limited.refresh_from_db()
    # then the city changed and the limit did not
    assert (limited.city, limited.credit_limit) == ("苏州市", Decimal("10000.00"))


def test_in_the_admin_a_managers_change_is_on_the_timeline(client, manager, limited):
    client.force_login(manager)
    url = reverse("admin:orders_customer_change", args=[limited.pk])
    response = client.post(url, admin_post(limited, credit_limit="0.00"))
    assert response.status_code == 302
    event = CustomerEvent.objects.get(customer=limited)
    assert event.actor == manager
    assert event.changes == [{"field": "credit_limit", "from": "10000.00", "to": "0.00"}]
    page = client.get(url).content.decode()
    assert "10000.00 → 0.00" in page
