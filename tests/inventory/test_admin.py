"""Stock in the admin: quantities are read-only, receive and adjust go through
the inventory services, the ledger is read-only."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from inventory.models import StockItem, StockMovement
from tests import flow
from tests.factories import ProductFactory, UserFactory, make_order

RECEIVE = reverse("admin:inventory_stockitem_receive")
ADJUST = reverse("admin:inventory_stockitem_adjust")
STOCK_LIST = reverse("admin:inventory_stockitem_changelist")
LEDGER = reverse("admin:inventory_stockmovement_changelist")


@pytest.fixture
def root(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def item_of(product) -> StockItem:
    return StockItem.objects.get(product=product)


def test_receive_stock_through_the_admin_writes_a_ledger_row(client, manager, product, warehouse):
    # given 100 on hand and the manager on the receive page
    client.force_login(manager)
    page = client.get(RECEIVE, {"product": product.pk})
    assert page.status_code == 200
    assert page.context["form"].initial["warehouse"] == warehouse.pk
    # when they receive 25 with the delivery note as the reason
    response = client.post(
        RECEIVE,
        {"product": product.pk, "warehouse": warehouse.pk, "quantity": "25", "reason": "DN-1001"},
        follow=True,
    )
    # then on hand is 125 and one receipt row records who, how many and why
    assert response.redirect_chain[-1][0] == STOCK_LIST
    assert item_of(product).on_hand == 125
    row = StockMovement.objects.filter(kind="receipt", created_by=manager).get()
    assert (row.on_hand_change, row.on_hand_after, row.reason) == (25, 125, "DN-1001")
    assert "Received 25 × WIDGET-1 into MAIN: on hand now 125." in messages_of(response)


def test_receive_refuses_a_quantity_below_one(client, manager, product, warehouse):
    # given the manager on the receive page
    client.force_login(manager)
    # when they enter zero
    response = client.post(
        RECEIVE, {"product": product.pk, "warehouse": warehouse.pk, "quantity": "0"}
    )
    # then the form says so and nothing was written
    assert response.status_code == 200
    assert response.context["form"].errors["quantity"]
    assert StockMovement.objects.filter(kind="receipt").count() == 1  # the fixture's


def test_adjust_stock_through_the_admin_writes_a_ledger_row(client, manager, product, warehouse):
    # given 100 on hand
    client.force_login(manager)
    # when the manager records a count 3 short
    response = client.post(
        ADJUST,
        {"product": product.pk, "warehouse": warehouse.pk, "quantity": "-3", "reason": "盘点差异"},
        follow=True,
    )
    # then on hand is 97 and the adjustment is in the ledger with its reason
    assert item_of(product).on_hand == 97
    row = StockMovement.objects.get(kind="adjustment")
    assert (row.on_hand_change, row.reason, row.created_by) == (-3, "盘点差异", manager)
    assert "Adjusted WIDGET-1 in MAIN by -3: on hand now 97." in messages_of(response)


def test_adjust_below_reserved_is_refused_with_a_message_and_changes_nothing(
    client, manager, root, customer, product, warehouse
):
    # given 100 on hand, 60 of them reserved by an approved order
    flow.walk_to(
        make_order(customer=customer, salesperson=root, lines=[(product, 60)]), "approved", root
    )
    ledger_before = StockMovement.objects.count()
    client.force_login(manager)
    # when the manager tries to remove 50
    response = client.post(
        ADJUST,
        {"product": product.pk, "warehouse": warehouse.pk, "quantity": "-50", "reason": "damaged"},
    )
    # then the page comes back (not a 500) with a message naming the SKU
    assert response.status_code == 200
    msgs = messages_of(response)
    assert any("WIDGET-1" in m and "reserved" in m for m in msgs), msgs
    assert response.context["form"].errors["quantity"]
    # and nothing changed
    item = item_of(product)
    assert (item.on_hand, item.reserved) == (100, 60)
    assert StockMovement.objects.count() == ledger_before


def test_adjust_needs_a_reason_and_a_non_zero_quantity(client, manager, product, warehouse):
    # given the manager on the adjust page
    client.force_login(manager)
    # when they post zero and no reason
    response = client.post(
        ADJUST, {"product": product.pk, "warehouse": warehouse.pk, "quantity": "0", "reason": ""}
    )
    # then both fields are refused and nothing was written
    errors = response.context["form"].errors
    assert "quantity" in errors and "reason" in errors
    assert not StockMovement.objects.filter(kind="adjustment").exists()


def test_stock_quantities_cannot_be_edited_in_the_change_form(client, root, product):
    # given a stock row with 100 on hand, and a superuser
    item = item_of(product)
    client.force_login(root)
    url = reverse("admin:inventory_stockitem_change", args=[item.pk])
    # when they post new quantities along with a bin location
    response = client.post(url, {"on_hand": "5", "reserved": "3", "bin_location": "A-01-01"})
    # then only the bin location changed
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.on_hand, item.reserved, item.bin_location) == (100, 0, "A-01-01")
    # and stock rows are neither added nor deleted in the admin
    assert client.get(reverse("admin:inventory_stockitem_add")).status_code == 403
    assert (
        client.get(reverse("admin:inventory_stockitem_delete", args=[item.pk])).status_code == 403
    )


def test_stock_list_shows_quantities_and_links_to_receive_and_adjust(client, manager, product):
    # given stock of one product
    client.force_login(manager)
    # when the manager opens the stock list
    response = client.get(STOCK_LIST)
    # then the row shows on hand, reserved and available and the change links
    html = response.content.decode()
    assert response.status_code == 200
    assert "WIDGET-1" in html
    assert f"{RECEIVE}?product={product.pk}" in html
    assert f'href="{ADJUST}"' in html


def test_ledger_is_read_only_and_filters_by_kind_and_searches(
    client, manager, root, customer, product
):
    # given a receipt (fixture) and a reservation for an order
    order = flow.walk_to(
        make_order(customer=customer, salesperson=root, lines=[(product, 4)]), "approved", root
    )
    client.force_login(manager)
    # when the manager filters by kind and searches by order number and SKU
    by_kind = client.get(LEDGER, {"kind__exact": "reservation"}).context["cl"].result_list
    by_order = client.get(LEDGER, {"q": order.number}).context["cl"].result_list
    by_sku = client.get(LEDGER, {"q": "WIDGET-1"}).context["cl"]
    # then they find the rows
    assert [m.kind for m in by_kind] == ["reservation"]
    assert [m.order_id for m in by_order] == [order.pk]
    assert by_sku.result_count == 2
    # and the ledger cannot be added to, changed or deleted in the admin
    row = StockMovement.objects.first()
    assert client.get(reverse("admin:inventory_stockmovement_add")).status_code == 403
    change = reverse("admin:inventory_stockmovement_change", args=[row.pk])
    assert client.post(change, {"on_hand_change": "999"}).status_code == 403
    delete = reverse("admin:inventory_stockmovement_delete", args=[row.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    row.refresh_from_db()
    assert row.on_hand_change != 999


def test_ledger_list_query_count_is_bounded(
    client, manager, root, customer, product, django_assert_max_num_queries
):
    # given many ledger rows from several orders
    for _ in range(10):
        flow.walk_to(
            make_order(customer=customer, salesperson=root, lines=[(product, 1)]), "approved", root
        )
    client.force_login(manager)
    # when the ledger is opened, then the queries do not grow per row
    with django_assert_max_num_queries(12):
        response = client.get(LEDGER)
    assert response.context["cl"].result_count == 11


def test_a_role_without_stock_rights_cannot_receive(client, db, product):
    # given a salesperson with admin access (they may see stock, not change it)
    user = UserFactory(username="staff_sales", roles=["Sales"], is_staff=True)
    client.force_login(user)
    # when they open the receive page or post to it
    assert client.get(RECEIVE).status_code == 403
    response = client.post(RECEIVE, {"product": product.pk, "quantity": "5"})
    # then it is forbidden and on hand is unchanged
    assert response.status_code == 403
    assert item_of(product).on_hand == 100


def test_product_admin_searches_by_barcode_and_filters_active(client, manager):
    # given an active and an inactive product
    ProductFactory(sku="PUMP-100", name="离心水泵", barcode="6901234500011")
    ProductFactory(sku="OLD-1", name="旧型号", barcode="6901234500999", is_active=False)
    client.force_login(manager)
    url = reverse("admin:inventory_product_changelist")
    # when searching by barcode and filtering inactive
    by_barcode = client.get(url, {"q": "6901234500011"}).context["cl"].result_list
    inactive = client.get(url, {"is_active__exact": "0"}).context["cl"].result_list
    # then each finds its product
    assert [p.sku for p in by_barcode] == ["PUMP-100"]
    assert [p.sku for p in inactive] == ["OLD-1"]


def test_product_autocomplete_of_the_stock_form_works_for_the_manager(client, manager, product):
    # given the manager on the receive page, whose product field searches as they type
    client.force_login(manager)
    # when they type part of the SKU
    response = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "inventory",
            "model_name": "stockitem",
            "field_name": "product",
            "term": "WIDG",
        },
    )
    # then the product is offered
    assert response.status_code == 200
    assert [r["id"] for r in response.json()["results"]] == [str(product.pk)]
