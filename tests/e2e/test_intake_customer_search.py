"""The intake form's customer is a search, not a list of every customer
(issue 12, item 7), in a real Chromium: found by phone digits and by a
fragment of a Chinese name, chosen with the keyboard, the order saved with
it, shown again on the edit page; and without JavaScript a typed phone
still does."""

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


def fill_the_rest(page, *, sku="PUMP-100") -> None:
    page.fill("input[name=lines-0-product]", sku)
    page.fill("input[name=lines-0-quantity]", "2")
    date = (timezone.localdate() + datetime.timedelta(days=21)).isoformat()
    page.fill("input[name=requested_delivery_date]", date)
    page.select_option("select[name=payment_method]", "bank_transfer")


def test_find_a_customer_by_phone_digits_and_a_chinese_name_fragment(live_server, page, demo):
    base = live_server.url
    before = Order.objects.count()
    login(page, base, "sales", next_url="/orders/new/")
    # the search is the labelled field itself, a combobox
    search = page.get_by_role("combobox", name="查找客户")
    expect(search).to_be_visible()
    options = page.locator("#id_customer-results [role=option]")

    # when sales types the leading digits of 李明's phone, then he is listed
    search.press_sequentially("1390800", delay=40)
    expect(options.filter(has_text="李明")).to_have_count(1)
    expect(options.first).to_contain_text("13908001234")

    # when they type a fragment of 王芳's name instead
    search.fill("")
    search.press_sequentially("芳", delay=40)
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text("王芳")
    # and choose her with the keyboard
    expect(search).to_have_attribute("aria-expanded", "true")
    search.press("ArrowDown")
    search.press("Enter")
    expect(search).to_have_attribute("aria-expanded", "false")
    expect(search).to_have_value("王芳 (广州南方水务工程有限公司)")
    expect(page.locator("[data-customer-chosen]")).to_contain_text("020-83456789")
    assert page.url.endswith("/orders/new/")  # Enter chose, it did not submit

    # then the order saves with her
    fill_the_rest(page)
    page.locator("form.intake button[type=submit].btn--primary").click()
    page.wait_for_load_state("networkidle")
    order = Order.objects.order_by("-pk").first()
    assert Order.objects.count() == before + 1
    assert order.customer.name == "王芳"

    # and the edit page shows her again
    page.goto(f"{base}/orders/{order.number}/edit/")
    expect(page.get_by_role("combobox", name="查找客户")).to_have_value(
        "王芳 (广州南方水务工程有限公司)"
    )
    expect(page.locator("[data-customer-chosen]")).to_contain_text("王芳")


def test_without_javascript_a_typed_phone_names_the_customer(live_server, browser, demo):
    context = browser.new_context(
        viewport={"width": 1024, "height": 768}, locale="zh-CN", java_script_enabled=False
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/accounts/login/?next=/orders/new/")
    page.fill("input[name=username]", "sales")
    page.fill("input[name=password]", "demo")
    with page.expect_navigation():
        page.click("form[action='/accounts/login/'] button[type=submit]")
    # when sales types 李明's phone into the plain field and saves
    page.get_by_role("textbox", name="查找客户").fill("139 0800 1234")
    fill_the_rest(page)
    with page.expect_navigation():
        page.locator("form.intake button[type=submit].btn--primary").click()
    # then the order is his
    order = Order.objects.order_by("-pk").first()
    assert order.customer == Customer.objects.get(name="李明")
    assert page.url.endswith(f"/orders/{order.number}/")
    context.close()
