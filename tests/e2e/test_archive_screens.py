"""The archive in a real Chromium (documentation 5): the search, the reviews
due, and an archived order's page, which shows the banner and nothing to
click that would change it. Screenshots go to docs/screenshots with
`make screenshots`."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from orders import services
from orders.models import ArchiveRecord, Order
from tests.e2e.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def archived(db):
    """The demo data with its completed and cancelled orders archived, one
    of them due for its yearly review."""
    call_command("seed_demo", "--password", "demo", verbosity=0)
    manager = get_user_model().objects.get(username="manager")
    done = []
    for order in Order.objects.filter(status__in=["completed", "cancelled"]).order_by("pk"):
        done.append(services.order_archive(order=order, user=manager, note="年度归档"))
    assert done, "the demo data has no completed or cancelled order"
    ArchiveRecord.objects.filter(order=done[0]).update(
        next_review_on=timezone.localdate() - datetime.timedelta(days=12)
    )
    return done[0]


def test_archive_screenshots(page, live_server, archived, screenshot_dir):
    base = live_server.url
    login(page, base, "manager", next_url="/archive/")
    page.wait_for_selector("table.table")
    assert page.locator("tbody tr").count() >= 1
    page.screenshot(path=str(screenshot_dir / "archive-search.png"), full_page=True)

    page.goto(f"{base}/archive/reviews/")
    page.wait_for_selector(f"#record-{archived.archive_record.pk}")
    page.screenshot(path=str(screenshot_dir / "archive-reviews.png"), full_page=True)

    page.goto(f"{base}/orders/{archived.number}/")
    banner = page.locator("#archived")
    assert banner.is_visible()
    assert page.locator("form[action*='/transition/']").count() == 0
    assert page.locator("form[action*='/contact/']").count() == 0
    page.screenshot(path=str(screenshot_dir / "archive-order.png"), full_page=True)
