"""The warehouse tablet screens (process 3.1–3.3): the queue, pick with
scan-to-confirm, quality check, pack; refusals change nothing."""

import html
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from inventory.models import StockItem
from orders.models import OrderEvent
from shipping.models import ShippingDocument
from tests import flow
from tests.factories import ProductFactory, UserFactory, make_order, stock
from warehouse.models import PickShortage, QualityCheck

QUEUE = reverse("warehouse:queue")


@pytest.fixture
def root(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


@pytest.fixture
def pump(warehouse):
    p = ProductFactory(sku="PUMP-1", name="离心水泵", barcode="6900000000011")
    stock(p, 50, warehouse=warehouse)
    StockItem.objects.filter(product=p).update(bin_location="B-02")
    return p


@pytest.fixture
def valve(warehouse):
    p = ProductFactory(sku="VALVE-1", name="球阀", barcode="6900000000028")
    stock(p, 50, warehouse=warehouse)
    StockItem.objects.filter(product=p).update(bin_location="A-07")
    return p


@pytest.fixture
def gauge(warehouse):
    """On the books but with no bin recorded."""
    p = ProductFactory(sku="GAUGE-1", name="压力表", barcode="6900000000035")
    stock(p, 50, warehouse=warehouse)
    return p


@pytest.fixture
def picker(client, warehouse_user):
    client.force_login(warehouse_user)
    return client


def url(name, order, **kwargs):
    return reverse(f"warehouse:{name}", kwargs={"number": order.number, **kwargs})


def order_in(state, *, customer, sales, root, lines, days_ahead=30):
    order = make_order(customer=customer, salesperson=sales, lines=lines, days_ahead=days_ahead)
    return flow.walk_to(order, state, root)


def snapshot(order):
    """What a refused step must leave as it was."""
    order.refresh_from_db()
    return (
        order.status,
        list(order.lines.order_by("pk").values_list("picked_quantity", flat=True)),
        order.events.count(),
        list(StockItem.objects.order_by("pk").values_list("on_hand", "reserved")),
    )


def banner(response) -> str:
    """The text of the page's banners, whitespace collapsed."""
    found = re.findall(r'<span class="banner__text">(.*?)</span>', response.content.decode(), re.S)
    return html.unescape(" ".join(" ".join(text.split()) for text in found))


def scan(client, order, code, quantity=""):
    return client.post(url("scan", order), {"code": code, "quantity": quantity}, follow=True)


# --- access -------------------------------------------------------------------


def test_only_the_warehouse_role_opens_the_tablet_screens(
    client, sales, warehouse_user, customer, root, product
):
    # given an order waiting to be picked
    order = order_in("approved", customer=customer, sales=sales, root=root, lines=[(product, 2)])
    line = order.lines.get()
    pages = [
        QUEUE,
        reverse("warehouse:find") + f"?code={order.number}",
        url("pick", order),
        url("shortage", order, line_id=line.pk),
        url("qc", order),
        url("pack", order),
    ]
    posts = [url("start", order), url("scan", order), url("finish", order)]
    # when nobody is logged in, then every page asks to log in
    for page in pages:
        response = client.get(page)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    # when a Sales user tries, then every page and action is forbidden
    client.force_login(sales)
    for page in pages:
        assert client.get(page).status_code == 403, page
    for action in posts:
        assert client.post(action, {"barcode": product.barcode}).status_code == 403, action
    order.refresh_from_db()
    assert order.status == "approved"
    # when the picker opens them, then they answer
    client.force_login(warehouse_user)
    for page in [QUEUE, url("pick", order), url("qc", order), url("pack", order)]:
        assert client.get(page).status_code == 200, page


# --- the queue ------------------------------------------------------------------


def test_queue_lists_the_warehouse_work_by_requested_delivery_date(
    picker, customer, sales, root, product
):
    # given orders in every state around the warehouse, with different dates
    lines = [(product, 1)]
    approved = order_in(
        "approved", customer=customer, sales=sales, root=root, lines=lines, days_ahead=20
    )
    picking = order_in(
        "picking", customer=customer, sales=sales, root=root, lines=lines, days_ahead=5
    )
    checking = order_in(
        "quality_check", customer=customer, sales=sales, root=root, lines=lines, days_ahead=10
    )
    packing = order_in(
        "packing", customer=customer, sales=sales, root=root, lines=lines, days_ahead=15
    )
    others = [
        order_in(state, customer=customer, sales=sales, root=root, lines=lines, days_ahead=1)
        for state in ("draft", "submitted", "packed", "cancelled")
    ]
    # when the picker opens the queue
    response = picker.get(QUEUE)
    # then it lists only the orders waiting for the warehouse, oldest date first
    listed = re.findall(r'data-order="([^"]+)"', response.content.decode())
    assert listed == [picking.number, checking.number, packing.number, approved.number]
    assert not {o.number for o in others} & set(listed)
    # and each row says what to do next and where
    content = response.content.decode()
    for order, action, screen in [
        (approved, "Start picking", "pick"),
        (picking, "Continue picking", "pick"),
        (checking, "Quality check", "qc"),
        (packing, "Pack", "pack"),
    ]:
        row = re.search(
            rf'<a [^>]*href="([^"]+)" data-order="{order.number}">(.*?)</a>', content, re.S
        )
        assert row.group(1) == url(screen, order)
        assert f"{action} →" in row.group(2)
        assert order.customer.name in row.group(2)
        assert "1 line" in row.group(2)
        assert order.requested_delivery_date.isoformat() in row.group(2)


def test_queue_and_pick_screen_take_a_bounded_number_of_queries(
    picker, customer, sales, root, django_assert_max_num_queries
):
    # given a busy warehouse: many orders, each with several lines
    products = []
    for i in range(6):
        p = ProductFactory(sku=f"BULK-{i}")
        stock(p, 500)
        products.append(p)
    lines = [(p, 2) for p in products]
    orders = [
        order_in(state, customer=customer, sales=sales, root=root, lines=lines)
        for state in ["approved", "picking", "quality_check", "packing"] * 3
    ]
    # when the picker opens the queue and a pick list, then the queries do
    # not grow with the orders or the lines
    with django_assert_max_num_queries(5):
        assert picker.get(QUEUE).status_code == 200
    with django_assert_max_num_queries(6):
        assert picker.get(url("pick", orders[1])).status_code == 200


def test_scanning_an_order_number_opens_its_screen(picker, customer, sales, root, product):
    # given an order in quality check and a cancelled one
    checking = order_in(
        "quality_check", customer=customer, sales=sales, root=root, lines=[(product, 1)]
    )
    cancelled = order_in(
        "cancelled", customer=customer, sales=sales, root=root, lines=[(product, 1)]
    )
    find = reverse("warehouse:find")
    # when the packing slip's barcode is scanned in the queue, then its screen opens
    response = picker.get(find, {"code": checking.number.lower()})
    assert response.status_code == 302 and response["Location"] == url("qc", checking)
    # and an order with nothing to do, or no order at all, is said so
    response = picker.get(find, {"code": cancelled.number}, follow=True)
    assert "nothing for the warehouse to do" in banner(response)
    response = picker.get(find, {"code": "SO-1999-999999"}, follow=True)
    assert "No order has number SO-1999-999999." in banner(response)


# --- pick (process 3.1) -------------------------------------------------------------


def test_pick_list_is_in_bin_order_with_lines_without_a_bin_last(
    picker, customer, sales, root, pump, valve, gauge
):
    # given an approved order whose products lie in bins B-02, A-07 and none
    order = order_in(
        "approved",
        customer=customer,
        sales=sales,
        root=root,
        lines=[(gauge, 1), (pump, 2), (valve, 3)],
    )
    # when the picker opens the pick screen
    response = picker.get(url("pick", order))
    content = response.content.decode()
    # then the lines come in walking order, each with its barcode and bin
    assert re.findall(r'data-line="([^"]+)"', content) == ["VALVE-1", "PUMP-1", "GAUGE-1"]
    assert "A-07" in content and "B-02" in content and pump.barcode in content
    # and a big button starts the pick (nothing to scan yet)
    assert url("start", order) in content
    assert url("scan", order) not in content


def test_the_whole_warehouse_path_through_the_tablet_screens(
    picker, customer, sales, root, pump, valve
):
    # given an approved order of 3 pumps and 2 valves
    order = order_in(
        "approved", customer=customer, sales=sales, root=root, lines=[(pump, 3), (valve, 2)]
    )
    pump_line, valve_line = order.lines.order_by("pk")
    # when the picker starts picking
    response = picker.post(url("start", order), follow=True)
    order.refresh_from_db()
    assert order.status == "picking"
    assert url("scan", order) in response.content.decode()
    # and scans one pump (quantity empty: 1)
    response = scan(picker, order, pump.barcode)
    # then the line shows its new progress on a green banner, the line marked
    assert response.status_code == 200
    assert 'class="banner banner--success"' in response.content.decode()
    assert "PUMP-1 离心水泵: 1 of 3 picked." in banner(response)
    assert f'id="line-{pump_line.pk}" class="pickline is-scanned"' in response.content.decode()
    # when the rest is scanned, two pumps at once and the valves one by one
    scan(picker, order, pump.barcode, "2")
    scan(picker, order, valve.barcode)
    response = scan(picker, order, f"  {valve.barcode} ")
    # then every line is picked and Finish picking is offered
    pump_line.refresh_from_db()
    valve_line.refresh_from_db()
    assert (pump_line.picked_quantity, valve_line.picked_quantity) == (3, 2)
    assert "Everything is picked" in banner(response)
    assert re.search(r"btn--finish\"\s*>", response.content.decode())
    # when the pick is finished
    response = picker.post(url("finish", order), follow=True)
    order.refresh_from_db()
    assert order.status == "quality_check"
    assert response.redirect_chain[-1][0] == url("qc", order)
    # and the checker ticks all three boxes and passes it
    response = picker.post(
        url("qc", order),
        {
            "quantity_ok": "on",
            "undamaged": "on",
            "packaging_ok": "on",
            "notes": "All fine",
            "decision": "pass",
        },
        follow=True,
    )
    order.refresh_from_db()
    assert order.status == "packing"
    check = QualityCheck.objects.get(order=order)
    assert check.passed and check.notes == "All fine"
    assert response.redirect_chain[-1][0] == url("pack", order)
    # when two packages are recorded and the order packed
    response = picker.post(
        url("pack", order),
        {
            "packages-TOTAL_FORMS": "3",
            "packages-INITIAL_FORMS": "0",
            "packages-MIN_NUM_FORMS": "1",
            "packages-MAX_NUM_FORMS": "200",
            "packages-0-weight_kg": "4.5",
            "packages-0-length_cm": "40",
            "packages-0-width_cm": "30",
            "packages-0-height_cm": "20",
            "packages-1-weight_kg": "1.25",
            # a third package added and left empty is no package
        },
        follow=True,
    )
    # then the order is packed with its packages and its documents, linked
    order.refresh_from_db()
    assert order.status == "packed"
    assert sorted(order.packages.values_list("weight_kg", flat=True)) == [
        Decimal("1.25"),
        Decimal("4.50"),
    ]
    documents = ShippingDocument.objects.filter(order=order)
    assert {d.kind for d in documents} == {"packing_slip", "labels"}
    content = response.content.decode()
    for document in documents:
        assert f'href="{reverse("shipping:document", args=[document.pk])}"' in content
    assert "is packed" in banner(response)
    # and the order left the queue
    assert order.number not in picker.get(QUEUE).content.decode()


@pytest.mark.parametrize(
    "case, expected",
    [
        ("not_on_order", "VALVE-1 is not on this order."),
        (
            "unknown",
            "No product has the code '0000000000000' "
            "(looked in barcodes, SKUs and alternative codes).",
        ),
        ("over_pick", "Only 1 more of PUMP-1 to pick."),
        ("already_picked", "All of PUMP-1 is already picked."),
        ("no_barcode", "Scan a code first."),
        ("zero", "Ensure this value is greater than or equal to 1."),
    ],
)
def test_a_wrong_scan_is_refused_on_a_red_banner_and_records_nothing(
    picker, customer, sales, root, pump, valve, case, expected
):
    # given an order being picked: 2 pumps ordered, 1 already picked
    order = order_in("picking", customer=customer, sales=sales, root=root, lines=[(pump, 2)])
    scan(picker, order, pump.barcode)
    if case == "already_picked":
        scan(picker, order, pump.barcode)
    before = snapshot(order)
    barcode, quantity = {
        "not_on_order": (valve.barcode, ""),
        "unknown": ("0000000000000", ""),
        "over_pick": (pump.barcode, "2"),
        "already_picked": (pump.barcode, ""),
        "no_barcode": ("", ""),
        "zero": (pump.barcode, "0"),
    }[case]
    # when the picker scans it
    response = scan(picker, order, barcode, quantity)
    # then a red banner says why, and nothing was recorded
    assert response.status_code == 200
    assert 'class="banner banner--error" role="alert"' in response.content.decode()
    assert expected in banner(response)
    assert snapshot(order) == before


def test_finishing_an_incomplete_pick_is_refused(picker, customer, sales, root, pump, valve):
    # given an order with one of two lines picked
    order = order_in(
        "picking", customer=customer, sales=sales, root=root, lines=[(pump, 1), (valve, 1)]
    )
    scan(picker, order, pump.barcode)
    # then the Finish button is disabled
    response = picker.get(url("pick", order))
    assert re.search(r"btn--finish\"\s*disabled", response.content.decode())
    before = snapshot(order)
    # when the picker finishes anyway
    response = picker.post(url("finish", order), follow=True)
    # then the service's refusal shows and the order is still being picked
    assert "Every line must be fully picked first." in banner(response)
    assert response.redirect_chain[-1][0] == url("pick", order)
    assert snapshot(order) == before


def test_a_step_out_of_turn_shows_the_message_not_an_error_page(
    picker, customer, sales, root, pump
):
    # given an order already in quality check
    order = order_in("quality_check", customer=customer, sales=sales, root=root, lines=[(pump, 1)])
    before = snapshot(order)
    # when an old tablet page starts, scans or finishes the pick again
    for action in ("start", "finish"):
        response = picker.post(url(action, order), follow=True)
        assert response.status_code == 200
        assert "cannot" in banner(response)
    response = scan(picker, order, pump.barcode)
    assert "is not being picked" in banner(response)
    # then nothing changed, and the pick screen points to the check
    assert snapshot(order) == before
    assert url("qc", order) in response.content.decode()


def test_reporting_a_shortage_sends_the_order_back_to_the_manager(
    picker, customer, sales, root, pump, valve
):
    # given an order being picked, its stock reserved, one pump picked
    order = order_in(
        "picking", customer=customer, sales=sales, root=root, lines=[(pump, 2), (valve, 4)]
    )
    scan(picker, order, pump.barcode)
    assert StockItem.objects.get(product=valve).reserved == 4
    valve_line = order.lines.get(product=valve)
    shortage_url = url("shortage", order, line_id=valve_line.pk)
    # when the picker opens the shortage form of the valve line
    response = picker.get(shortage_url)
    assert response.status_code == 200
    assert 'name="quantity_missing"' in response.content.decode()
    # and reports 3 valves missing, not on the shelf, with a word of detail
    response = picker.post(
        shortage_url,
        {"quantity_missing": "3", "reason_choice": "not_on_shelf", "reason_text": "bin empty"},
        follow=True,
    )
    # then the order is back with the manager and its reservation released
    order.refresh_from_db()
    assert order.status == "submitted"
    assert StockItem.objects.get(product=valve).reserved == 0
    assert StockItem.objects.get(product=pump).reserved == 0
    shortage = PickShortage.objects.get(order=order)
    assert (shortage.line, shortage.quantity_missing) == (valve_line, 3)
    assert shortage.reason == "Not on the shelf: bin empty"
    assert any(f["code"] == "pick_shortage" for f in order.review_findings)
    # and the screen says so
    assert "went back to the sales manager" in banner(response)
    assert "Back with the sales manager" in response.content.decode()
    assert response.redirect_chain[-1][0] == url("pick", order)


def test_an_incomplete_shortage_report_changes_nothing(picker, customer, sales, root, pump):
    # given an order being picked
    order = order_in("picking", customer=customer, sales=sales, root=root, lines=[(pump, 2)])
    line = order.lines.get()
    before = snapshot(order)
    # when the picker chooses "Other" without saying what, or more than ordered
    for data, error in [
        ({"quantity_missing": "1", "reason_choice": "other"}, "Say in a few words"),
        ({"quantity_missing": "5", "reason_choice": "not_on_shelf"}, "less than or equal to 2"),
        ({"quantity_missing": "", "reason_choice": ""}, "This field is required."),
    ]:
        response = picker.post(url("shortage", order, line_id=line.pk), data)
        # then the form shows why, and nothing changed
        assert response.status_code == 400
        assert error in response.content.decode()
        assert snapshot(order) == before
    assert not PickShortage.objects.exists()


# --- quality check (process 3.2) ----------------------------------------------------


def test_passing_with_a_box_unticked_is_refused(picker, customer, sales, root, pump):
    # given an order in quality check
    order = order_in("quality_check", customer=customer, sales=sales, root=root, lines=[(pump, 2)])
    before = snapshot(order)
    # when the checker passes it with "packaging intact" unticked
    response = picker.post(
        url("qc", order),
        {"quantity_ok": "on", "undamaged": "on", "notes": "Box dented", "decision": "pass"},
    )
    # then the service's message shows, the unticked box is marked, the
    # notes are kept, and nothing changed
    assert response.status_code == 400
    assert "Every check must be ticked to pass" in banner(response)
    assert "toggle toggle--error" in response.content.decode()
    assert "Box dented" in response.content.decode()
    assert snapshot(order) == before
    assert not QualityCheck.objects.exists()


def test_failing_the_check_returns_the_line_to_picking(picker, customer, sales, root, pump, valve):
    # given an order in quality check
    order = order_in(
        "quality_check", customer=customer, sales=sales, root=root, lines=[(pump, 2), (valve, 1)]
    )
    pump_line, valve_line = order.lines.order_by("pk")
    # when the checker fails it without saying which line, nothing happens
    before = snapshot(order)
    response = picker.post(url("qc", order), {"decision": "fail", "undamaged": ""})
    assert response.status_code == 400
    assert "Choose the line that failed" in response.content.decode()
    assert snapshot(order) == before
    # when they fail the pump line because goods are damaged
    response = picker.post(
        url("qc", order),
        {
            "quantity_ok": "on",
            "packaging_ok": "on",
            "line": str(pump_line.pk),
            "reason_choice": "damaged_goods",
            "reason_text": "cracked housing",
            "decision": "fail",
        },
        follow=True,
    )
    # then the order is back in picking with the pump line to pick again
    order.refresh_from_db()
    assert order.status == "picking"
    pump_line.refresh_from_db()
    valve_line.refresh_from_db()
    assert (pump_line.picked_quantity, valve_line.picked_quantity) == (0, 1)
    check = QualityCheck.objects.get(order=order)
    assert not check.passed and not check.undamaged and check.line == pump_line
    assert check.reason == "Goods damaged: cracked housing"
    assert "goes back to picking" in banner(response)
    assert response.redirect_chain[-1][0] == url("pick", order)


def test_failing_all_lines_resets_every_pick(picker, customer, sales, root, pump, valve):
    # given an order in quality check
    order = order_in(
        "quality_check", customer=customer, sales=sales, root=root, lines=[(pump, 2), (valve, 1)]
    )
    # when the checker fails every line for a wrong count
    picker.post(
        url("qc", order),
        {"line": "all", "reason_choice": "wrong_quantity", "decision": "fail"},
    )
    # then every line is to be picked again
    order.refresh_from_db()
    assert order.status == "picking"
    assert set(order.lines.values_list("picked_quantity", flat=True)) == {0}
    assert QualityCheck.objects.get(order=order).line is None


# --- pack (process 3.3) ------------------------------------------------------------


def test_packing_without_a_weight_is_refused(picker, customer, sales, root, pump):
    # given an order to pack
    order = order_in("packing", customer=customer, sales=sales, root=root, lines=[(pump, 1)])
    before = snapshot(order)
    # when the packer packs with no weight on the package
    response = picker.post(
        url("pack", order),
        {
            "packages-TOTAL_FORMS": "1",
            "packages-INITIAL_FORMS": "0",
            "packages-0-weight_kg": "",
            "packages-0-length_cm": "30",
        },
    )
    # then the form says so and nothing is recorded
    assert response.status_code == 400
    assert "each needs a weight" in banner(response)
    assert "This field is required." in response.content.decode()
    assert snapshot(order) == before
    assert not order.packages.exists() and not order.documents.exists()


def test_packing_with_no_package_says_what_to_do(picker, customer, sales, root, pump):
    # given an order to pack, and a packer who removed every package row
    order = order_in("packing", customer=customer, sales=sales, root=root, lines=[(pump, 1)])
    response = picker.post(
        url("pack", order), {"packages-TOTAL_FORMS": "0", "packages-INITIAL_FORMS": "0"}
    )
    # then the page asks for a package, not "Please submit at least 1 form."
    page = response.content.decode()
    assert response.status_code == 400
    assert "Add at least one package, with its weight, before packing." in page
    assert "Please submit" not in page
    assert not order.packages.exists()


def test_the_pack_screen_of_a_packed_order_links_its_newest_documents(
    picker, customer, sales, root, pump
):
    # given an order packed (documents made by the service)
    order = order_in("packed", customer=customer, sales=sales, root=root, lines=[(pump, 1)])
    # when the packer opens the pack screen again
    response = picker.get(url("pack", order))
    # then it offers the packing slip and the labels, not a new pack form
    content = response.content.decode()
    assert 'data-document="packing_slip"' in content and 'data-document="labels"' in content
    assert "packages-TOTAL_FORMS" not in content
    assert OrderEvent.objects.filter(order=order, transition="pack").count() == 1
