"""The review findings live in the intake form (issue 12, item 5), in a real
Chromium in Chinese: 1,000,000 units against 40 in stock and a date in the
past are shown beside the lines before anything is saved, the form still
saves, and the message after saving says them again."""

import datetime
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from orders.models import Order
from tests.e2e.conftest import login
from tests.factories import ProductFactory, stock

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DOCS_SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def demo(db):
    call_command("seed_demo", "--password", "demo", verbosity=0)
    product = ProductFactory(sku="GAUGE-40", name="压力表 40 只装", list_price=Decimal("65.00"))
    stock(product, 40)
    return product


def pick_customer(page, typed: str, name: str) -> None:
    page.locator("#id_customer").press_sequentially(typed, delay=40)
    option = page.locator("#id_customer-results [role=option]", has_text=name).first
    option.wait_for(state="visible")
    option.click()


def fill_line(page, sku: str, quantity: str) -> None:
    page.locator("input[name=lines-0-product]").press_sequentially(sku, delay=30)
    suggestion = page.locator(".suggest li", has_text=sku).first
    suggestion.wait_for(state="visible")
    suggestion.click()
    page.fill("input[name=lines-0-quantity]", quantity)


def no_horizontal_overflow(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_million_units_and_a_past_date_are_shown_live_before_saving(
    live_server, browser, demo, screenshot_dir
):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    base = live_server.url
    before = Order.objects.count()
    # given sales on the intake form, with a customer chosen
    login(page, base, "sales", next_url="/orders/new/")
    pick_customer(page, "张伟", "张伟")
    panel = page.locator("[data-findings-panel]")
    expect(panel).to_be_visible()
    expect(panel.locator("[data-findings-none]")).to_be_visible()

    # when they type 1,000,000 of a product with 40 in stock
    fill_line(page, "GAUGE-40", "1000000")
    # then the stock finding appears beside the lines, before anything is saved
    shortage = panel.locator("li[data-code=stock_shortage]")
    expect(shortage).to_contain_text("GAUGE-40")
    expect(shortage).to_contain_text("1000000")
    expect(shortage).to_contain_text("40")

    # when they choose a delivery date in the past
    yesterday = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    page.fill("input[name=requested_delivery_date]", yesterday)
    # then the date finding appears too, in Chinese like the rest of the panel
    date_finding = panel.locator("li[data-code=delivery_date]")
    expect(date_finding).to_contain_text(yesterday)
    expect(panel.locator("h2")).to_have_text("审核提示")
    assert Order.objects.count() == before
    page.select_option("select[name=payment_method]", "bank_transfer")
    page.locator("#id_notes").click()  # the suggestion lists closed, as a person would leave them
    path = screenshot_dir / "intake-findings.png"
    page.screenshot(path=str(path), full_page=True)
    shutil.copy(path, "/tmp/intake-findings.png")
    DOCS_SCREENSHOT.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, DOCS_SCREENSHOT / "intake-findings.png")

    # the panel is beside the lines on a desktop
    lines = page.locator("section.card", has=page.locator("table.lines"))
    assert panel.bounding_box()["x"] > lines.bounding_box()["x"] + lines.bounding_box()["width"]
    # and below them on a tablet in landscape, where nothing scrolls sideways
    page.set_viewport_size({"width": 1024, "height": 768})
    expect(shortage).to_be_visible()
    assert panel.bounding_box()["y"] > lines.bounding_box()["y"] + lines.bounding_box()["height"]
    assert no_horizontal_overflow(page)

    # when they save the draft anyway, then it is saved: the manager decides
    page.locator("form.intake button[type=submit].btn--primary").click()
    page.wait_for_load_state("networkidle")
    order = Order.objects.order_by("-pk").first()
    assert Order.objects.count() == before + 1
    assert order.status == "draft" and order.lines.get().quantity == 1_000_000
    assert page.url.endswith(f"/orders/{order.number}/")
    # and the message after saving repeats the findings
    warning = page.locator(".messages .alert--warning")
    expect(warning).to_contain_text("GAUGE-40")
    expect(warning).to_contain_text(yesterday)
    context.close()


def test_the_panel_follows_the_lines_and_the_form_works_on_a_tablet(
    live_server, browser, demo, screenshot_dir
):
    context = browser.new_context(viewport={"width": 1024, "height": 768}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    login(page, live_server.url, "sales", next_url="/orders/new/")
    pick_customer(page, "1390800", "李明")
    fill_line(page, "GAUGE-40", "41")
    panel = page.locator("[data-findings-panel]")
    expect(panel.locator("li[data-code=stock_shortage]")).to_contain_text("41")
    assert no_horizontal_overflow(page)
    page.screenshot(path=str(screenshot_dir / "intake-findings-tablet.png"), full_page=True)
    # when the quantity drops to what is in stock, then the finding goes away
    page.fill("input[name=lines-0-quantity]", "40")
    expect(panel.locator("li[data-code=stock_shortage]")).to_have_count(0)
    expect(panel.locator("[data-findings-none]")).to_be_visible()
    # and a quantity the form cannot take is named, not a crash
    page.fill("input[name=lines-0-quantity]", "2000000")
    expect(panel.locator("[data-findings-errors]")).to_be_visible()
    assert no_horizontal_overflow(page)
    context.close()
