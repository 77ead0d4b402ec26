"""After-sales staff in a real Chromium, at desk (1280 px) and tablet (768 px)
width: the case list, a case page with a return, the order page's after-sales
card. The case pages must fit a tablet without sideways scrolling.
Screenshots go to docs/screenshots with `make screenshots`."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from aftersales import services
from aftersales.models import Case
from orders.models import Order
from tests.e2e.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = [1280, 768]


@pytest.fixture
def demo(db):
    """The demo data (one complaint with a return), and a few more cases so
    the list shows the states, an overdue one and several owners."""
    call_command("seed_demo", "--password", "demo", verbosity=0)
    users = get_user_model().objects
    aftersales, sales = users.get(username="aftersales"), users.get(username="sales")
    shipped = list(Order.objects.filter(status__in=["shipped", "delivered", "completed"]))
    first, last = shipped[0], shipped[-1]
    late = services.case_open(
        order=first,
        user=sales,
        kind="inquiry",
        subject="索要控制器接线说明书",
        department="sales",
    )
    Case.objects.filter(pk=late.pk).update(due_on=timezone.localdate() - datetime.timedelta(days=1))
    noisy = services.case_open(
        order=last,
        user=aftersales,
        kind="repair",
        subject="水泵运行噪音大",
        department="quality",
        description="客户反映夜间运行噪音明显。",
    )
    services.case_transition(case=noisy, user=aftersales, name="start")
    services.case_transition(
        case=noisy, user=aftersales, name="wait_for_customer", note="请客户发送运行视频"
    )
    complaint = Case.objects.get(subject="压力表读数偏高")
    services.case_add_entry(
        case=complaint,
        user=aftersales,
        kind="contact",
        channel="phone",
        text="与客户确认：表已寄出，顺丰单号随后发来。",
    )
    return complaint


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("width", WIDTHS)
def test_screenshot_cases_and_a_case_with_its_return(
    live_server, browser, demo, screenshot_dir, width
):
    base = live_server.url
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    suffix = "" if width == 1280 else "-tablet"
    try:
        # given after-sales staff logged in on the case list
        login(page, base, "aftersales", next_url="/after-sales/cases/")
        assert page.url.endswith("/after-sales/cases/")
        # then the open cases are listed, the overdue one marked, no sideways scroll
        assert page.locator("table.table--cases tbody tr").count() == 3
        assert page.locator("td.overdue").count() == 1
        assert fits(page)
        page.screenshot(path=str(screenshot_dir / f"aftersales-cases{suffix}.png"), full_page=True)
        # when they open the complaint, then its return and history show
        page.click(f"text={demo.number}")
        page.wait_for_load_state("networkidle")
        assert page.locator("#returns .return").count() == 1
        assert page.locator("#history .timeline__item").count() == 3
        assert fits(page)
        page.screenshot(path=str(screenshot_dir / f"aftersales-case{suffix}.png"), full_page=True)
        # and the order page's card lists the case (the order page keeps its
        # desktop width, so one picture of the card is enough)
        page.click(f"a.mono:has-text('{demo.order.number}')")
        page.wait_for_load_state("networkidle")
        card = page.locator("#after-sales")
        assert demo.number in card.text_content()
        if width == 1280:
            card.screenshot(path=str(screenshot_dir / "aftersales-order-card.png"))
    finally:
        context.close()
