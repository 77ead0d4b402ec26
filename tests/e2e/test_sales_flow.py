"""Sales staff in a real Chromium: record an order with the intake form,
submit it, and the manager sees it in the admin. Screenshots of each page go
to docs/screenshots with `make screenshots`."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from orders.models import Customer, Order
from tests.e2e.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(db):
    call_command("seed_demo", "--password", "demo", verbosity=0)


def test_screenshot_intake_to_review(live_server, page, demo, screenshot_dir):
    base = live_server.url
    before = Order.objects.count()
    # given sales staff logged in on the intake form
    login(page, base, "sales", next_url="/orders/new/")
    assert page.url.endswith("/orders/new/")
    # when they find a customer by name and search a product by SKU
    page.locator("#id_customer").press_sequentially("David", delay=50)
    page.locator("#id_customer-results [role=option]", has_text="David Chen").first.click()
    page.locator("input[name=lines-0-product]").press_sequentially("PUMP", delay=50)
    suggestion = page.locator(".suggest li", has_text="PUMP-100").first
    suggestion.wait_for(state="visible")
    suggestion.click()
    # then the line shows the product's live availability (120 on hand, 11 reserved)
    availability = page.locator("[data-availability]").first
    availability.wait_for(state="visible")
    assert "109" in availability.text_content()
    page.fill("input[name=lines-0-quantity]", "3")
    page.select_option("select[name=payment_method]", "bank_transfer")
    date = (timezone.localdate() + datetime.timedelta(days=21)).isoformat()
    page.fill("input[name=requested_delivery_date]", date)
    page.screenshot(path=str(screenshot_dir / "intake-form.png"), full_page=True)
    # and save the order
    page.locator("form.intake button[type=submit].btn--primary").click()
    page.wait_for_load_state("networkidle")
    # then the order page shows the new draft with its number
    order = Order.objects.order_by("-pk").first()
    assert Order.objects.count() == before + 1
    assert order.status == "draft"
    assert order.customer == Customer.objects.get(name="David Chen")
    assert page.url.endswith(f"/orders/{order.number}/")
    assert order.number in page.content()
    # when they submit it for review
    page.locator(f"form[action$='/orders/{order.number}/transition/submit/'] button").click()
    page.wait_for_load_state("networkidle")
    order.refresh_from_db()
    assert order.status == "submitted"
    page.screenshot(path=str(screenshot_dir / "order-page.png"), full_page=True)
    # then the manager finds it in the admin order list
    page.context.clear_cookies()
    login(page, base, "manager", next_url="/admin/orders/order/")
    assert "/admin/orders/order/" in page.url
    assert order.number in page.content()
    page.screenshot(path=str(screenshot_dir / "admin-changelist.png"), full_page=True)


def test_a_refused_tracking_number_names_the_carriers_format(live_server, page, demo):
    base = live_server.url
    order = Order.objects.get(status="packed")
    # given logistics at the hand-over list
    login(page, base, "logistics", next_url="/logistics/")
    card = page.locator(f"#order-{order.number}")
    carrier = card.locator("select[name$='-carrier']")
    formats = card.locator("[data-carrier-format]")
    # then beside the tracking number is the chosen carrier's format, and only its
    carrier.select_option("sf")
    expect(formats.filter(visible=True)).to_have_count(1)
    expect(formats.filter(visible=True)).to_contain_text("SF123456789012")
    carrier.select_option("zto")
    expect(formats.filter(visible=True)).to_contain_text("71234567890123")
    carrier.select_option("sf")
    # when they record a number that is not an SF number
    card.locator("input[name$='-tracking_number']").fill("SF-12345")
    card.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    # then the refusal beside the field names SF's format in words, with an example
    errors = page.locator(f"#order-{order.number} .field--tracking .field__error")
    expect(errors.first).to_contain_text("SF-12345")
    expect(errors.nth(1)).to_contain_text("SF + 12")
    expect(errors.nth(1)).to_contain_text("SF123456789012")
    order.refresh_from_db()
    assert order.status == "packed"
