"""A picker on a 10-inch tablet in a real Chromium: open the queue, start a
pick, scan with a barcode scanner (a keyboard that types the code and presses
Enter), finish, pass the quality check and pack. Screenshots of each screen go
to docs/screenshots with `make screenshots`."""

import pytest
from django.core.management import call_command
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from inventory.models import Product
from orders.models import Order
from shipping.models import ShippingDocument
from tests.e2e.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LANDSCAPE = {"width": 1024, "height": 768}
PORTRAIT = {"width": 768, "height": 1024}


@pytest.fixture
def demo(db):
    call_command("seed_demo", "--password", "demo", verbosity=0)


def scan_has_focus(page) -> bool:
    """True once the scan field holds the focus. The page's script gives it
    back after load or a tap; on a loaded machine that can take a moment, so
    wait (up to 5 s) rather than sample once, and fail if it never comes."""
    try:
        page.wait_for_function(
            "() => document.activeElement?.hasAttribute('data-scan') === true", timeout=5000
        )
    except PlaywrightTimeout:
        return False
    return True


def scanner(page, code: str) -> None:
    """What a barcode scanner does: type the code into whatever has the
    focus, then press Enter."""
    page.keyboard.type(code)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_screenshot_tablet_pick_check_and_pack(live_server, page, demo, screenshot_dir):
    base = live_server.url
    page.set_viewport_size(LANDSCAPE)
    order = Order.objects.get(status="approved")  # PUMP-100 × 10, CTRL-PRO × 2
    pump = Product.objects.get(sku="PUMP-100")
    controller = Product.objects.get(sku="CTRL-PRO")
    valve = Product.objects.get(sku="VALVE-DN25")
    number = order.number

    # given the picker logged in on the queue
    login(page, base, "warehouse", next_url="/warehouse/")
    assert page.url.endswith("/warehouse/")
    # then the approved order is there, the most urgent first
    rows = page.locator("a.qrow")
    assert rows.count() == 4
    assert rows.first.get_attribute("data-order") == number
    page.screenshot(path=str(screenshot_dir / "tablet-queue.png"))

    # when they open it and start the pick with the big button
    rows.first.click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(f"/warehouse/{number}/pick/")
    with page.expect_navigation():
        page.locator(f"form[action$='/{number}/start/'] button").click()
    order.refresh_from_db()
    assert order.status == "picking"

    # then the scan field has the focus without being touched
    assert scan_has_focus(page)
    pump_line = page.locator("[data-line='PUMP-100']")
    expect(pump_line.locator(".count__picked")).to_have_text("0")

    # when the scanner reads a pump
    scanner(page, pump.barcode)
    # then the pump line shows 1 of 10 and a green banner says so
    expect(pump_line.locator(".count__picked")).to_have_text("1")
    expect(page.locator(".banner--success")).to_contain_text("1")
    assert "is-scanned" in pump_line.get_attribute("class")
    assert scan_has_focus(page)
    page.screenshot(path=str(screenshot_dir / "tablet-pick.png"))
    page.set_viewport_size(PORTRAIT)
    page.screenshot(path=str(screenshot_dir / "tablet-pick-portrait.png"))
    page.set_viewport_size(LANDSCAPE)

    # when a product that is not on the order is scanned
    scanner(page, valve.barcode)
    # then a red banner refuses it and nothing is counted
    expect(page.locator(".banner--error")).to_contain_text("VALVE-DN25")
    expect(pump_line.locator(".count__picked")).to_have_text("1")
    page.screenshot(path=str(screenshot_dir / "tablet-pick-refused.png"))

    # when the picker taps + to make the next scan count 9 and scans the rest
    plus = page.locator("[data-qty-step='1']")
    for _ in range(8):
        plus.click()
    assert page.locator(".scanbar input[name=quantity]").input_value() == "9"
    assert scan_has_focus(page)  # the taps gave the focus back
    scanner(page, pump.barcode)
    expect(pump_line.locator(".count__picked")).to_have_text("10")
    scanner(page, controller.barcode)
    scanner(page, controller.barcode)
    expect(page.locator("[data-line='CTRL-PRO'] .count__picked")).to_have_text("2")

    # then Finish picking is enabled; tapping it opens the quality check
    finish = page.locator(".btn--finish")
    expect(finish).to_be_enabled()
    with page.expect_navigation():
        finish.click()
    assert page.url.endswith(f"/warehouse/{number}/qc/")
    order.refresh_from_db()
    assert order.status == "quality_check"

    # when the checker ticks the three toggles and passes it
    for toggle in page.locator("label.toggle").all():
        toggle.click()
    assert page.locator("label.toggle input:checked").count() == 3
    page.wait_for_timeout(300)  # the switches slide over
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(screenshot_dir / "tablet-qc.png"))
    with page.expect_navigation():
        page.locator("button[value=pass]").click()
    assert page.url.endswith(f"/warehouse/{number}/pack/")
    order.refresh_from_db()
    assert order.status == "packing"

    # when the packer records two packages
    page.fill("input[name=packages-0-weight_kg]", "18.5")
    page.fill("input[name=packages-0-length_cm]", "60")
    page.fill("input[name=packages-0-width_cm]", "40")
    page.fill("input[name=packages-0-height_cm]", "40")
    page.locator("[data-formset-add]").click()
    weight = page.locator("input[name=packages-1-weight_kg]")
    expect(weight).to_be_focused()
    page.keyboard.type("3.2")
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(screenshot_dir / "tablet-pack.png"))
    with page.expect_navigation():
        page.locator(".actionbar button[type=submit]").click()

    # then the order is packed and its packing slip and labels are offered
    order.refresh_from_db()
    assert order.status == "packed"
    assert order.packages.count() == 2
    for kind in ("packing_slip", "labels"):
        document = ShippingDocument.objects.filter(order=order, kind=kind).latest("pk")
        link = page.locator(f"a[data-document={kind}]")
        expect(link).to_have_attribute("href", f"/logistics/documents/{document.pk}/")
    page.screenshot(path=str(screenshot_dir / "tablet-packed.png"))


def test_screenshot_tablet_pick_by_sku_and_alternative_code(
    live_server, page, demo, screenshot_dir
):
    """Issue 12 item 1: the scanner reads whatever label is on the shelf. The
    SKU printed largest on the pick line, and a supplier's EAN or the
    warehouse's own label, count like the barcode does."""
    base = live_server.url
    page.set_viewport_size(LANDSCAPE)
    order = Order.objects.get(status="approved")  # PUMP-100 × 10, CTRL-PRO × 2
    pump = Product.objects.get(sku="PUMP-100")
    controller = Product.objects.get(sku="CTRL-PRO")
    # the demo's alternative codes: the pump's supplier EAN, the controller's label
    supplier_ean = pump.codes.get(kind="supplier_ean").code
    label = controller.codes.get(kind="internal_label").code

    # given the picker has started the pick
    login(page, base, "warehouse", next_url=f"/warehouse/{order.number}/pick/")
    with page.expect_navigation():
        page.locator(f"form[action$='/{order.number}/start/'] button").click()
    assert scan_has_focus(page)
    pump_line = page.locator("[data-line='PUMP-100']")
    controller_line = page.locator("[data-line='CTRL-PRO']")

    # when the scanner reads the pump's SKU from the shelf label
    scanner(page, "PUMP-100")
    # then the pump line counts it, on a green banner, the line marked
    expect(pump_line.locator(".count__picked")).to_have_text("1")
    expect(page.locator(".banner--success")).to_contain_text("PUMP-100")
    assert "is-scanned" in pump_line.get_attribute("class")
    assert scan_has_focus(page)
    page.screenshot(path=str(screenshot_dir / "tablet-pick-sku.png"))

    # when it reads the controller's internal label, then the controller counts one
    scanner(page, label)
    expect(controller_line.locator(".count__picked")).to_have_text("1")
    # when it reads the supplier's EAN on the pump's box, then the pump counts one more
    scanner(page, supplier_ean)
    expect(pump_line.locator(".count__picked")).to_have_text("2")
    # and a SKU typed in lower case by hand counts too
    scanner(page, "ctrl-pro")
    expect(controller_line.locator(".count__picked")).to_have_text("2")

    # when the SKU of a product that is not on the order is scanned
    scanner(page, "VALVE-DN25")
    # then it is found, refused as not on the order, and nothing is counted
    expect(page.locator(".banner--error")).to_contain_text("VALVE-DN25")
    expect(pump_line.locator(".count__picked")).to_have_text("2")
    assert order.lines.filter(picked_quantity__gt=0).count() == 2


def test_tablet_unknown_code_says_which_codes_were_tried(live_server, browser, demo):
    # given a picker reading English, on an order being picked (VALVE-DN50 × 6)
    page = browser.new_page(viewport=LANDSCAPE, locale="en-US")
    page.set_default_timeout(15_000)
    order = Order.objects.get(status="picking")
    line = order.lines.get()
    login(page, live_server.url, "warehouse", next_url=f"/warehouse/{order.number}/pick/")
    assert scan_has_focus(page)
    valve_line = page.locator("[data-line='VALVE-DN50']")
    expect(valve_line.locator(".count__picked")).to_have_text("0")

    # when the scanner reads a code that no product has
    scanner(page, "XYZ-404")
    # then the red banner names the code and where it looked, and nothing is counted
    expect(page.locator(".banner--error .banner__text")).to_have_text(
        "No product has the code 'XYZ-404' (looked in barcodes, SKUs and alternative codes)."
    )
    expect(valve_line.locator(".count__picked")).to_have_text("0")
    assert scan_has_focus(page)
    line.refresh_from_db()
    assert line.picked_quantity == 0
    page.close()
