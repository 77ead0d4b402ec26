"""One order from the phone call to the customer's signature through the
screens each role uses, with the Django test client: the sales intake form,
the manager's admin action, the warehouse tablet, the logistics pages. The
stock ledger balances afterwards (process 1 to 4)."""

import datetime

import pytest
from django.db.models import Sum
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from inventory.models import StockItem, StockMovement
from orders.models import Order
from tests.factories import ProductFactory, UserFactory, stock

pytestmark = pytest.mark.django_db


def logged_in(role):
    client = Client()
    client.force_login(UserFactory(username=f"walk-{role}", roles=[role], is_staff=True))
    return client


def test_draft_to_delivered_through_every_role_s_screens(customer, warehouse):
    pump = ProductFactory(sku="PUMP-9", barcode="6900000000901")
    valve = ProductFactory(sku="VALVE-9", barcode="6900000000902")
    stock(pump, 20)
    stock(valve, 50)
    sales, manager = logged_in("Sales"), logged_in("Sales Manager")
    picker, logistics = logged_in("Warehouse"), logged_in("Logistics")

    # process 1: sales records the order on the intake form and submits it
    response = sales.post(
        reverse("orders:create"),
        {
            "customer_mode": "existing",
            "customer": customer.pk,
            "channel": "phone",
            "requested_delivery_date": (
                timezone.localdate() + datetime.timedelta(days=20)
            ).isoformat(),
            "payment_method": "bank_transfer",
            "notes": "",
            "lines-TOTAL_FORMS": "2",
            "lines-INITIAL_FORMS": "0",
            "lines-MIN_NUM_FORMS": "0",
            "lines-MAX_NUM_FORMS": "1000",
            "lines-0-product": "PUMP-9",
            "lines-0-quantity": "3",
            "lines-0-unit_price": "",
            "lines-1-product": "VALVE-9",
            "lines-1-quantity": "4",
            "lines-1-unit_price": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    order = Order.objects.get()
    sales.post(reverse("orders:transition", args=[order.number, "submit"]), {"note": ""})
    order.refresh_from_db()
    assert order.status == "submitted"

    # process 2: the manager approves with the admin action; stock is reserved
    response = manager.post(
        reverse("admin:orders_order_changelist"),
        {"action": "approve", "_selected_action": [order.pk]},
    )
    order.refresh_from_db()
    assert order.status == "approved", response
    assert StockItem.objects.get(product=pump).reserved == 3

    # process 3: the warehouse picks by scan, checks, packs on the tablet
    def tablet(name, **kwargs):
        return reverse(f"warehouse:{name}", kwargs={"number": order.number, **kwargs})

    picker.post(tablet("start"))
    for barcode, quantity in [(pump.barcode, "1"), (pump.barcode, "2"), (valve.barcode, "4")]:
        picker.post(tablet("scan"), {"barcode": barcode, "quantity": quantity})
    picker.post(tablet("finish"))
    picker.post(
        tablet("qc"),
        {
            "quantity_ok": "on",
            "undamaged": "on",
            "packaging_ok": "on",
            "notes": "",
            "decision": "pass",
        },
    )
    picker.post(
        tablet("pack"),
        {
            "packages-TOTAL_FORMS": "1",
            "packages-INITIAL_FORMS": "0",
            "packages-MIN_NUM_FORMS": "1",
            "packages-MAX_NUM_FORMS": "200",
            "packages-0-weight_kg": "6.5",
        },
    )
    order.refresh_from_db()
    assert order.status == "packed"
    assert order.documents.count() == 2

    # process 4: logistics hands it to the proposed carrier and confirms delivery
    prefix = f"ship-{order.pk}-"
    logistics.post(
        reverse("shipping:ship", kwargs={"number": order.number}),
        {
            prefix + "carrier": "sf",
            prefix + "service": "",
            prefix + "tracking_number": "SF998877665544",
            prefix + "override_reason": "",
        },
    )
    order.refresh_from_db()
    assert order.status == "shipped"
    signed = timezone.localtime()
    logistics.post(
        reverse("shipping:deliver", kwargs={"number": order.number}),
        {
            f"deliver-{order.pk}-signed_by": "张三",
            f"deliver-{order.pk}-delivered_at": signed.strftime("%Y-%m-%dT%H:%M"),
        },
    )
    order.refresh_from_db()
    assert order.status == "delivered"

    # the sales order page tells sales the carrier, number and tracking link
    page = sales.get(reverse("orders:detail", args=[order.number])).content.decode()
    shipment = order.shipments.get()
    assert "SF998877665544" in page and shipment.tracking_url in page

    # and the ledger balances: on hand fell by what shipped, reserved is back to 0,
    # each stock item has its reservation and its shipment row, nothing else
    for product, ordered, received in ((pump, 3, 20), (valve, 4, 50)):
        item = StockItem.objects.get(product=product)
        assert (item.on_hand, item.reserved) == (received - ordered, 0)
        rows = StockMovement.objects.filter(stock_item=item).order_by("pk")
        assert list(rows.values_list("kind", "on_hand_change", "reserved_change")) == [
            ("receipt", received, 0),
            ("reservation", 0, ordered),
            ("shipment", -ordered, -ordered),
        ]
        totals = rows.aggregate(h=Sum("on_hand_change"), r=Sum("reserved_change"))
        assert (totals["h"], totals["r"]) == (item.on_hand, item.reserved)
    # and the timeline has every step in order
    assert list(order.events.filter(kind="transition").values_list("transition", flat=True)) == [
        "submit",
        "approve",
        "start_picking",
        "finish_picking",
        "pass_qc",
        "pack",
        "ship",
        "confirm_delivery",
    ]
