"""Intake, review findings, reservation, release and shipment through the
order services (process 1 and 2)."""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from inventory.exceptions import InsufficientStock
from inventory.models import StockItem, StockMovement
from orders import services
from orders.exceptions import OrderConflict, OrderInvalid, OrderNotEditable
from orders.models import Order, OrderEvent
from shipping import services as shipping_services
from shipping.models import Carrier, CarrierRule
from tests import flow
from tests.factories import CustomerFactory, ProductFactory, UserFactory, make_order, stock
from warehouse import services as warehouse_services


@pytest.fixture
def admin(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


def item(product):
    return StockItem.objects.get(product=product)


def test_intake_creates_a_numbered_draft_with_prices_captured(customer, product, sales):
    # given a product listed at 10.00
    # when sales records an order for 3 of it
    order = make_order(customer=customer, salesperson=sales, lines=[(product, 3)])
    # then it is a draft with a readable number, the price captured and totals computed
    assert order.status == "draft"
    assert re.fullmatch(rf"SO-{timezone.localdate().year}-\d{{6}}", order.number)
    line = order.lines.get()
    assert (line.unit_price, line.line_total, order.total) == (
        Decimal("10.00"),
        Decimal("30.00"),
        Decimal("30.00"),
    )
    # and a later list-price change does not touch the captured price
    product.list_price = Decimal("12.00")
    product.save()
    line.refresh_from_db()
    assert line.unit_price == Decimal("10.00")
    assert order.events.get().kind == OrderEvent.Kind.CREATED


def test_order_numbers_increase(customer, product, sales):
    a = make_order(customer=customer, salesperson=sales, lines=[(product, 1)])
    b = make_order(customer=customer, salesperson=sales, lines=[(product, 1)])
    assert int(b.number[-6:]) == int(a.number[-6:]) + 1


@pytest.mark.parametrize(
    ("lines", "field"),
    [([], "lines"), ([("p", 0)], "lines[0].quantity"), ([("p", -2)], "lines[0].quantity")],
)
def test_intake_refuses_bad_lines_and_saves_nothing(lines, field, customer, product, sales):
    # given lines without products or with a quantity that is not > 0
    lines = [(product, q) for _p, q in lines]
    # when sales records the order, then the error names the field
    with pytest.raises(OrderInvalid) as exc:
        make_order(customer=customer, salesperson=sales, lines=lines)
    assert field in exc.value.fields
    # and nothing was saved
    assert Order.objects.count() == 0


def test_customer_phone_must_be_mainland(db):
    with pytest.raises(OrderInvalid) as exc:
        services.customer_create(
            user=None, name="A", phone="12345", province="上海市", city="上海市", street="x"
        )
    assert "phone" in exc.value.fields
    ok = services.customer_create(
        user=None, name="B", phone="021 6234 5678", province="上海市", city="上海市", street="x"
    )
    mobile = services.customer_create(
        user=None, name="C", phone="+86 139 1234 5678", province="上海市", city="上海市", street="x"
    )
    assert (ok.phone, mobile.phone) == ("02162345678", "+8613912345678")


def test_submit_computes_every_finding(customer, product, sales, warehouse):
    # given: 5 on hand of a scarce product, a price below list, a date too
    # early for Xinjiang, and a customer whose credit is nearly used
    scarce = ProductFactory(sku="SCARCE", list_price=Decimal("100.00"))
    stock(scarce, 5)
    sf = Carrier.objects.get(code="sf")
    CarrierRule.objects.create(
        carrier=sf,
        service=sf.services.get(code="standard"),
        province="新疆维吾尔自治区",
        transit_days=6,
    )
    cust = CustomerFactory(province="新疆维吾尔自治区", credit_limit=Decimal("1000.00"))
    earlier = make_order(customer=cust, salesperson=sales, lines=[(product, 50)])  # 500.00
    services.order_submit(order=earlier, user=sales)
    order = services.order_create(
        customer=cust,
        salesperson=sales,
        created_by=sales,
        channel="phone",
        requested_delivery_date=timezone.localdate() + datetime.timedelta(days=3),
        payment_method="monthly_credit",
        lines=[services.LineInput(product=scarce, quantity=8, unit_price=Decimal("90.00"))],
    )
    # when sales submits it
    order = services.order_submit(order=order, user=sales)
    # then the manager sees each problem
    earliest = timezone.localdate() + datetime.timedelta(days=2 + 6)
    assert order.review_findings == [
        {"code": "stock_shortage", "sku": "SCARCE", "requested": 8, "available": 5},
        {"code": "price_changed", "sku": "SCARCE", "unit_price": "90.00", "list_price": "100.00"},
        {
            "code": "delivery_date",
            "requested": (timezone.localdate() + datetime.timedelta(days=3)).isoformat(),
            "earliest": earliest.isoformat(),
        },
        {
            "code": "credit_limit",
            "open_total": "500.00",
            "order_total": "720.00",
            "credit_limit": "1000.00",
        },
    ]


def test_a_clean_order_has_no_findings(customer, product, sales):
    order = make_order(customer=customer, salesperson=sales, lines=[(product, 2)])
    assert services.order_submit(order=order, user=sales).review_findings == []


def test_adjustment_loop_recomputes_findings(customer, product, sales, manager):
    # given a submitted order asking for more than is in stock
    order = make_order(customer=customer, salesperson=sales, lines=[(product, 150)])
    order = services.order_submit(order=order, user=sales)
    assert [f["code"] for f in order.review_findings] == ["stock_shortage"]
    # when the manager sends it back, sales calls the customer, amends and resubmits
    order = services.order_request_adjustment(
        order=order, user=manager, reason="stock_shortage", note="only 100"
    )
    services.order_record_contact(order=order, user=sales, channel="phone", summary="OK 100")
    order = services.order_update(
        order=order, user=sales, lines=[services.LineInput(product=product, quantity=100)]
    )
    order = services.order_resubmit(order=order, user=sales)
    # then the findings are clean and the timeline tells the story
    assert order.review_findings == []
    kinds = list(order.events.values_list("kind", "transition"))
    assert kinds == [
        ("created", ""),
        ("transition", "submit"),
        ("transition", "request_adjustment"),
        ("contact", ""),
        ("updated", ""),
        ("transition", "resubmit"),
    ]
    assert order.events.get(transition="request_adjustment").data == {"reason": "stock_shortage"}


def test_request_adjustment_needs_a_known_reason(customer, product, sales, manager):
    order = services.order_submit(
        order=make_order(customer=customer, salesperson=sales, lines=[(product, 1)]), user=sales
    )
    with pytest.raises(OrderInvalid) as exc:
        services.order_request_adjustment(order=order, user=manager, reason="bored")
    assert "reason" in exc.value.fields
    order.refresh_from_db()
    assert order.status == "submitted"


def test_approve_reserves_every_line(customer, product, sales, manager):
    other = ProductFactory(sku="OTHER")
    stock(other, 10)
    order = make_order(customer=customer, salesperson=sales, lines=[(product, 35), (other, 4)])
    services.order_submit(order=order, user=sales)
    # when the manager approves
    services.order_approve(order=order, user=manager)
    # then every line is reserved, with a ledger row per stock item
    assert (item(product).on_hand, item(product).reserved) == (100, 35)
    assert (item(other).on_hand, item(other).reserved) == (10, 4)
    moves = StockMovement.objects.filter(order=order, kind="reservation")
    assert sorted(moves.values_list("stock_item__product__sku", "reserved_change")) == [
        ("OTHER", 4),
        ("WIDGET-1", 35),
    ]


def test_approve_is_all_or_nothing(customer, product, sales, manager):
    # given an order whose second SKU is short
    short = ProductFactory(sku="SHORT")
    stock(short, 2)
    order = make_order(customer=customer, salesperson=sales, lines=[(product, 5), (short, 3)])
    services.order_submit(order=order, user=sales)
    ledger = StockMovement.objects.count()
    # when the manager approves, then it fails naming the short SKU
    with pytest.raises(InsufficientStock) as exc:
        services.order_approve(order=order, user=manager)
    assert exc.value.code == "insufficient_stock"
    assert exc.value.skus == ["SHORT"]
    # and nothing is reserved, nothing is logged, the order is still submitted
    assert item(product).reserved == 0 and item(short).reserved == 0
    assert StockMovement.objects.count() == ledger
    order.refresh_from_db()
    assert order.status == "submitted"
    assert not order.events.filter(transition="approve").exists()


def test_cancel_releases_the_reservation(customer, product, sales, manager, admin):
    order = make_order(customer=customer, salesperson=sales, lines=[(product, 7)])
    order = flow.walk_to(order, "packed", admin)
    assert item(product).reserved == 7
    services.order_cancel(order=order, user=manager, reason="customer_request")
    assert (item(product).on_hand, item(product).reserved) == (100, 0)
    release = StockMovement.objects.get(order=order, kind="release")
    assert (release.reserved_change, release.on_hand_after, release.reserved_after) == (-7, 100, 0)


def test_cancel_needs_a_reason(customer, product, sales):
    order = make_order(customer=customer, salesperson=sales, lines=[(product, 1)])
    with pytest.raises(OrderInvalid):
        services.order_cancel(order=order, user=sales, reason=" ")
    order.refresh_from_db()
    assert order.status == "draft"


def test_ship_takes_stock_out_of_the_books(customer, product, sales, admin):
    order = make_order(customer=customer, salesperson=sales, lines=[(product, 7)])
    order = flow.walk_to(order, "shipped", admin)
    assert (item(product).on_hand, item(product).reserved) == (93, 0)
    out = StockMovement.objects.get(order=order, kind="shipment")
    assert (out.on_hand_change, out.reserved_change, out.on_hand_after) == (-7, -7, 93)
    assert order.shipments.get().tracking_number.startswith("SF")


def test_ship_requires_carrier_and_tracking(customer, product, sales, admin, logistics):
    order = flow.walk_to(
        make_order(customer=customer, salesperson=sales, lines=[(product, 1)]), "packed", admin
    )
    with pytest.raises(OrderInvalid) as exc:
        shipping_services.order_ship(order=order, user=logistics, carrier="", tracking_number="")
    assert set(exc.value.fields) == {"carrier", "tracking_number"}
    assert item(product).reserved == 1


def test_picking_refuses_wrong_item_and_overpick(customer, product, sales, admin, warehouse_user):
    stranger = ProductFactory(sku="NOT-ON-ORDER")
    order = flow.walk_to(
        make_order(customer=customer, salesperson=sales, lines=[(product, 2)]), "picking", admin
    )
    with pytest.raises(OrderInvalid, match="not on this order"):
        warehouse_services.order_record_pick(order=order, user=warehouse_user, product=stranger)
    warehouse_services.order_record_pick(
        order=order, user=warehouse_user, product=product, quantity=2
    )
    with pytest.raises(OrderInvalid, match="already picked"):
        warehouse_services.order_record_pick(order=order, user=warehouse_user, product=product)
    assert order.lines.get().picked_quantity == 2


def test_finish_picking_needs_every_line_picked(customer, product, sales, admin, warehouse_user):
    from orders.exceptions import InvalidTransition

    order = flow.walk_to(
        make_order(customer=customer, salesperson=sales, lines=[(product, 2)]), "picking", admin
    )
    warehouse_services.order_record_pick(
        order=order, user=warehouse_user, product=product, quantity=1
    )
    with pytest.raises(InvalidTransition, match="fully picked"):
        warehouse_services.order_finish_picking(order=order, user=warehouse_user)
    warehouse_services.order_record_pick(
        order=order, user=warehouse_user, product=product, quantity=1
    )
    assert (
        warehouse_services.order_finish_picking(order=order, user=warehouse_user).status
        == "quality_check"
    )


def test_fail_qc_sends_lines_back_to_picking(customer, product, sales, admin, warehouse_user):
    order = flow.walk_to(
        make_order(customer=customer, salesperson=sales, lines=[(product, 2)]),
        "quality_check",
        admin,
    )
    order = warehouse_services.order_fail_qc(order=order, user=warehouse_user, reason="dented")
    assert order.status == "picking"
    assert order.lines.get().picked_quantity == 0
    assert order.events.get(transition="fail_qc").data["reason"] == "dented"


def test_editing_only_in_draft_and_needs_adjustment(customer, product, sales, admin):
    order = flow.walk_to(
        make_order(customer=customer, salesperson=sales, lines=[(product, 2)]), "submitted", admin
    )
    with pytest.raises(OrderNotEditable):
        services.order_update(order=order, user=sales, notes="sneaky")
    order.refresh_from_db()
    assert order.notes == ""


def test_a_stale_order_gets_a_conflict(customer, product, sales, manager):
    # given two copies of one submitted order, as two browser tabs would hold
    order = make_order(customer=customer, salesperson=sales, lines=[(product, 2)])
    services.order_submit(order=order, user=sales)
    tab_a = Order.objects.get(pk=order.pk)
    tab_b = Order.objects.get(pk=order.pk)
    # when one approves and the other approves too
    services.order_approve(order=tab_a, user=manager)
    with pytest.raises(OrderConflict):
        services.order_approve(order=tab_b, user=manager)
    # then stock is reserved once
    assert item(product).reserved == 2


def test_only_a_role_allowed_may_set_a_price(customer, product, integration, sales):
    # given an Integration client that may not set prices
    def intake(user, price):
        return services.order_create(
            customer=customer,
            salesperson=user,
            created_by=user,
            channel="api",
            requested_delivery_date=timezone.localdate() + datetime.timedelta(days=30),
            payment_method="alipay",
            lines=[services.LineInput(product=product, quantity=1, unit_price=price)],
        )

    # when it sends the list price, that is fine; another price is refused
    assert intake(integration, Decimal("10.00")).lines.get().unit_price == Decimal("10.00")
    with pytest.raises(OrderInvalid) as exc:
        intake(integration, Decimal("7.00"))
    assert "lines[0].unit_price" in exc.value.fields
    # while sales may give a discount
    assert intake(sales, Decimal("7.00")).lines.get().unit_price == Decimal("7.00")
