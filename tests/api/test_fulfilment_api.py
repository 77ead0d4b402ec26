"""Process 3 and 4 through the API: pick by scan, shortage, quality check,
pack with documents, ship by carrier rules, confirm delivery; and the stock
ledger balances afterwards."""

import datetime

import pytest
from django.contrib.auth.models import User
from django.db.models import Sum
from django.utils import timezone

from inventory.models import StockItem, StockMovement
from orders.models import Customer, Order
from tests import flow
from tests.api.test_orders_api import assert_error
from tests.factories import ProductFactory, UserFactory, make_order, stock
from warehouse.models import PickShortage, QualityCheck

pytestmark = pytest.mark.django_db


@pytest.fixture
def roles(api_for):
    return {r: api_for(UserFactory(username=f"f-{r}", roles=[r])) for r in flow.ROLES}


@pytest.fixture
def two_products(product):
    other = ProductFactory(sku="GAUGE", barcode="6900000000099")
    stock(other, 40)
    return product, other


def post(client, number, name, payload=None):
    return client.post(f"/api/v1/orders/{number}/{name}/", payload or {}, format="json")


def test_draft_to_delivered_and_the_ledger_balances(roles, customer, two_products):
    widget, gauge = two_products
    before = {p.sku: StockItem.objects.get(product=p) for p in two_products}
    # given an order for 3 widgets and 2 gauges of the store's customer, submitted and approved
    Customer.objects.filter(pk=customer.pk).update(
        created_by=User.objects.get(username="f-Integration")
    )
    created = (
        roles["Integration"]
        .post(
            "/api/v1/orders/",
            {
                "customer": customer.pk,
                "requested_delivery_date": (
                    timezone.localdate() + datetime.timedelta(days=30)
                ).isoformat(),
                "payment_method": "alipay",
                "lines": [{"sku": "WIDGET-1", "quantity": 3}, {"sku": "GAUGE", "quantity": 2}],
            },
            format="json",
        )
        .json()
    )
    n = created["number"]
    assert post(roles["Integration"], n, "submit").status_code == 200
    assert post(roles["Sales Manager"], n, "approve").status_code == 200
    wh = roles["Warehouse"]
    assert post(wh, n, "start-picking").status_code == 200
    # when the picker scans: one widget at a time, the gauges with a typed quantity
    for _ in range(3):
        assert post(wh, n, "picks", {"barcode": widget.barcode}).status_code == 201
    assert post(wh, n, "picks", {"barcode": gauge.barcode, "quantity": 2}).status_code == 201
    assert post(wh, n, "finish-picking").status_code == 200
    # and QC fails once on the gauge line, which must then be picked again
    gauge_line = Order.objects.get(number=n).lines.get(product=gauge).pk
    failed = post(
        wh, n, "fail-qc", {"reason": "dial cracked", "line": gauge_line, "undamaged": False}
    )
    assert failed.json()["status"] == "picking"
    assert post(wh, n, "picks", {"barcode": gauge.barcode, "quantity": 2}).status_code == 201
    assert post(wh, n, "finish-picking").status_code == 200
    assert post(wh, n, "pass-qc", {"notes": "ok"}).json()["status"] == "packing"
    packed = post(
        wh,
        n,
        "pack",
        {
            "packages": [
                {"weight_kg": "4.5", "length_cm": 40, "width_cm": 30, "height_cm": 20},
                {"weight_kg": "1.2"},
            ]
        },
    )
    assert packed.json()["status"] == "packed"
    # then the rules proposed SF (under 20 kg) and the documents exist
    assert packed.json()["shipments"][0]["carrier"] == "顺丰速运 SF Express"
    order = Order.objects.get(number=n)
    assert sorted(order.documents.values_list("kind", flat=True)) == ["labels", "packing_slip"]
    # when logistics ships with a valid SF number and the customer signs
    lg = roles["Logistics"]
    shipped = post(lg, n, "ship", {"carrier": "sf", "tracking_number": "SF123456789012"})
    assert shipped.json()["status"] == "shipped", shipped.content
    signed_at = (timezone.now() - datetime.timedelta(hours=1)).isoformat()
    delivered = post(lg, n, "confirm-delivery", {"signed_by": "张三", "delivered_at": signed_at})
    assert delivered.json()["status"] == "delivered"
    assert delivered.json()["shipments"][0]["signed_by"] == "张三"
    # then stock balances: on hand fell by what shipped, reserved is back, every move has its row
    for product, shipped_qty in ((widget, 3), (gauge, 2)):
        item = StockItem.objects.get(product=product)
        assert item.on_hand == before[product.sku].on_hand - shipped_qty
        assert item.reserved == before[product.sku].reserved
        moves = StockMovement.objects.filter(stock_item=item, order=order)
        assert list(
            moves.order_by("pk").values_list("kind", "on_hand_change", "reserved_change")
        ) == [
            ("reservation", 0, shipped_qty),
            ("shipment", -shipped_qty, -shipped_qty),
        ]
        ledger = StockMovement.objects.filter(stock_item=item).aggregate(
            on_hand=Sum("on_hand_change"), reserved=Sum("reserved_change")
        )
        assert (ledger["on_hand"], ledger["reserved"]) == (item.on_hand, item.reserved)
    assert QualityCheck.objects.filter(order=order, passed=False, line_id=gauge_line).count() == 1


def test_refusals_change_nothing(roles, customer, product, sales, superuser):
    order = flow.walk_to(
        make_order(customer=customer, salesperson=sales, lines=[(product, 2)]), "picking", superuser
    )
    wh, n = roles["Warehouse"], order.number
    # finishing an incomplete pick
    assert_error(post(wh, n, "finish-picking"), 409, "invalid_transition")
    # passing QC with an unticked box (after a full pick)
    flow.pick_all(order, superuser)
    post(wh, n, "finish-picking")
    refused = post(wh, n, "pass-qc", {"packaging_ok": False})
    assert "packaging_ok" in assert_error(refused, 400, "invalid")["fields"]
    assert Order.objects.get(pk=order.pk).status == "quality_check"
    assert not QualityCheck.objects.exists()
    # shipping without tracking, with a number breaking the pattern, another carrier unexplained
    post(wh, n, "pass-qc")
    post(wh, n, "pack", {"packages": [{"weight_kg": "2"}]})
    lg = roles["Logistics"]
    reserved = StockItem.objects.get(product=product).reserved
    for payload, field in [
        ({"carrier": "sf", "tracking_number": ""}, "tracking_number"),
        ({"carrier": "sf", "tracking_number": "SF12"}, "tracking_number"),
        ({"carrier": "nope", "tracking_number": "SF123456789012"}, "carrier"),
        ({"carrier": "zto", "tracking_number": "71234567890123"}, "override_reason"),
    ]:
        response = post(lg, n, "ship", payload)
        assert response.status_code == 400, (payload, response.content)
        assert field in response.json()["fields"], (payload, response.json())
    assert Order.objects.get(pk=order.pk).status == "packed"
    assert StockItem.objects.get(product=product).reserved == reserved
    assert not StockMovement.objects.filter(kind="shipment").exists()
    # another carrier with a reason is fine
    ok = post(
        lg,
        n,
        "ship",
        {
            "carrier": "zto",
            "tracking_number": "71234567890123",
            "override_reason": "SF pickup missed",
        },
    )
    assert ok.json()["status"] == "shipped"
    assert ok.json()["shipments"][0]["carrier"] == "中通快递 ZTO Express"


def test_shortage_goes_back_to_the_manager(roles, customer, product, sales, superuser):
    # given an order being picked, holding 5 reserved
    order = flow.walk_to(
        make_order(customer=customer, salesperson=sales, lines=[(product, 5)]), "picking", superuser
    )
    flow.pick_all(order, superuser)
    line = order.lines.get()
    # when the picker reports 2 missing from the shelf
    response = post(
        roles["Warehouse"],
        order.number,
        "report-shortage",
        {"line": line.pk, "quantity_missing": 2, "reason": "bin empty"},
    )
    # then the order is back in the review queue with the shortage as a finding
    data = response.json()
    assert data["status"] == "submitted", data
    assert {
        "code": "pick_shortage",
        "message": "WIDGET-1: 2 could not be found on the shelf when picking (bin empty).",
    } in data["review_findings"]
    assert StockItem.objects.get(product=product).reserved == 0
    assert order.lines.get().picked_quantity == 0
    assert PickShortage.objects.get().quantity_missing == 2
    # and the manager can act on it (here: approve again once stock is counted)
    assert (
        "approve"
        in roles["Sales Manager"]
        .get(f"/api/v1/orders/{order.number}/")
        .json()["available_transitions"]
    )
    # a shortage report without a reason is refused
    other = flow.walk_to(
        make_order(customer=customer, salesperson=sales, lines=[(product, 1)]), "picking", superuser
    )
    bad = post(
        roles["Warehouse"],
        other.number,
        "report-shortage",
        {"line": other.lines.get().pk, "quantity_missing": 1, "reason": " "},
    )
    assert bad.status_code == 400
    assert Order.objects.get(pk=other.pk).status == "picking"
