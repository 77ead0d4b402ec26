"""Where each role lands from the address `make run` prints (issue 12 item
3): "/" sends an anonymous visitor to the login with next=/, and after
signing in each role arrives at the screen of its job."""

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    ("username", "home"),
    [
        ("sales", "/orders/"),
        ("manager", "/admin/orders/order/review-queue/"),
        ("warehouse", "/warehouse/"),
        ("logistics", "/logistics/"),
        ("aftersales", "/after-sales/follow-ups/"),
    ],
)
def test_the_printed_url_takes_each_role_home(page, live_server, username, home):
    call_command("seed_demo", "--password", "demo", verbosity=0)
    base = live_server.url
    # given a new user opening the URL make run prints
    page.goto(f"{base}/")
    assert page.url == f"{base}/accounts/login/?next=/"
    # when they sign in there
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "demo")
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    # then they are at their own screen, and "/" keeps taking them there
    assert page.url == f"{base}{home}"
    page.goto(f"{base}/")
    assert page.url == f"{base}{home}"
