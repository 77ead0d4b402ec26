"""The Content-Security-Policy (issue 11 item 6): every page carries the
header, scripts and styles come only from our own origin, and every role's
main pages still work in a real Chromium with it enforced (no inline script,
no inline handler, no style attribute)."""

import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from aftersales import services as aftersales
from aftersales.models import Case
from inventory.models import Product
from orders.models import Order
from tests.e2e import conftest as e2e
from tests.e2e.conftest import login

# The browser fixtures of tests/e2e: Chromium, and a page whose every CSP
# violation, page error and header-less HTML response its CSPGuard records.
chromium, csp_guard, browser, page = e2e.chromium, e2e.csp_guard, e2e.browser, e2e.page

ROOT = Path(__file__).resolve().parent.parent.parent
EXPECTED = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}


def directives(header: str) -> dict[str, list[str]]:
    parts = (part.split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in parts}


# --- the header, through Django's test client -----------------------------


@pytest.mark.parametrize(
    "path, user",
    [
        ("/accounts/login/", None),
        ("/orders/", "sales"),
        ("/warehouse/", "warehouse_user"),
        ("/admin/", "manager"),
        ("/api/docs/", None),
    ],
)
def test_pages_carry_the_policy(db, client, request, path, user):
    # given a user of that page (or nobody, for the public ones)
    if user:
        client.force_login(request.getfixturevalue(user))
    # when the page is fetched
    response = client.get(path)
    # then it comes with the whole policy, and scripts only from our origin
    assert response.status_code == 200
    policy = directives(response.headers["Content-Security-Policy"])
    assert policy == EXPECTED
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]


def test_api_docs_use_the_vendored_swagger_ui_without_inline_code(db, client):
    # when the API docs page is fetched
    html = client.get("/api/docs/").content.decode()
    # then Swagger UI comes from drf-spectacular-sidecar's static files and
    # its start-up script is a static file too
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "/static/api/swagger-init.js" in html
    assert "<script>" not in html and "<style>" not in html


@pytest.mark.parametrize("https, upgrades", [("true", True), ("false", False)])
def test_production_upgrades_insecure_requests_only_over_https(https, upgrades):
    # given the production settings, behind TLS or on plain http (scripts/serve.sh)
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "orders_site.settings.production",
        "SECRET_KEY": "x" * 50,
        "ALLOWED_HOSTS": "orders.example.com",
        "SECURE_SSL_REDIRECT": https,
    }
    # when the policy is built there
    script = "import django; django.setup(); import csp.utils; print(csp.utils.build_policy())"
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    # then it is the same policy, with upgrade-insecure-requests only over HTTPS
    assert result.returncode == 0, result.stderr
    policy = directives(result.stdout.strip())
    assert policy.pop("upgrade-insecure-requests", None) == ([] if upgrades else None)
    assert policy == EXPECTED


# --- every role's main pages in Chromium ----------------------------------


@pytest.fixture
def demo(db):
    call_command("seed_demo", "--password", "demo", verbosity=0)


def visit(page, guard, url):
    """Open a page, wait until it settles, and check its policy was there
    and nothing on it was refused."""
    response = page.goto(url)
    page.wait_for_load_state("networkidle")
    assert response.ok, f"{response.status} {url}"
    assert "script-src 'self'" in response.header_value("content-security-policy")
    guard.assert_clean()
    return response


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_sales_pages(live_server, page, csp_guard, demo):
    base = live_server.url
    login(page, base, "sales", next_url="/")
    visit(page, csp_guard, f"{base}/")
    visit(page, csp_guard, f"{base}/home/")

    # the order form: "Add line" (intake.js) adds a row and focuses its product
    visit(page, csp_guard, f"{base}/orders/new/")
    rows = page.locator("[data-lines] tr[data-line]")
    before = rows.count()
    page.locator("[data-add-line]").click()
    expect(rows).to_have_count(before + 1)
    expect(rows.last.locator("[data-product-input]")).to_be_focused()
    # and the product search suggests from the server (connect-src 'self')
    rows.last.locator("[data-product-input]").press_sequentially("PUMP", delay=30)
    expect(page.locator(".suggest li", has_text="PUMP-100").first).to_be_visible()
    csp_guard.assert_clean()

    # an order page; its language switch submits on change (app.js)
    order = Order.objects.filter(salesperson__username="sales").order_by("pk").first()
    visit(page, csp_guard, f"{base}/orders/{order.number}/")
    with page.expect_navigation():
        page.select_option("#language-select", "en")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "en"
    csp_guard.assert_clean()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_warehouse_tablet_pages(live_server, page, csp_guard, demo):
    base = live_server.url
    page.set_viewport_size({"width": 1024, "height": 768})
    login(page, base, "warehouse", next_url="/warehouse/")
    visit(page, csp_guard, f"{base}/warehouse/")
    order = Order.objects.filter(status="approved").order_by("pk").first()
    visit(page, csp_guard, f"{base}/warehouse/{order.number}/pick/")
    # tablet.js gives the scan field the focus, and "Type" brings up the keyboard
    page.wait_for_function("() => document.activeElement?.hasAttribute('data-scan')")
    page.locator("[data-keyboard]").click()
    expect(page.locator("[data-scan]")).to_have_attribute("inputmode", "text")
    csp_guard.assert_clean()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_logistics_and_after_sales_pages(live_server, page, csp_guard, demo):
    base = live_server.url
    login(page, base, "logistics", next_url="/logistics/")
    visit(page, csp_guard, f"{base}/logistics/")
    # logistics.js offers only the chosen carrier's services
    form = page.locator("form.ship-form").first
    carrier = form.locator("[data-carrier]")
    values = [v for v in carrier.locator("option").evaluate_all("os => os.map(o => o.value)") if v]
    carrier.select_option(values[-1])
    name = carrier.evaluate("s => s.options[s.selectedIndex].text")
    visible = form.locator("[data-services] optgroup").evaluate_all(
        "gs => gs.filter(g => !g.hidden).map(g => g.label)"
    )
    assert visible == [name]
    visit(page, csp_guard, f"{base}/logistics/in-transit/")

    page.context.clear_cookies()
    login(page, base, "aftersales", next_url="/after-sales/follow-ups/")
    visit(page, csp_guard, f"{base}/after-sales/follow-ups/")
    visit(page, csp_guard, f"{base}/after-sales/cases/")
    case = Case.objects.order_by("pk").first()
    visit(page, csp_guard, f"{base}/after-sales/cases/{case.pk}/")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_manager_dashboard_and_admin_pages(live_server, page, csp_guard, demo):
    base = live_server.url
    login(page, base, "manager", next_url="/improvement/dashboard/")
    # the dashboard's charts are drawn by the vendored Chart.js (dashboard.js)
    visit(page, csp_guard, f"{base}/improvement/dashboard/")
    charts = page.locator("[data-chart]:not([hidden]) canvas")
    assert charts.count() > 0
    assert charts.first.evaluate("c => window.Chart.getChart(c) !== undefined")
    csp_guard.assert_clean()

    visit(page, csp_guard, f"{base}/admin/")
    visit(page, csp_guard, f"{base}/admin/orders/order/review-queue/")
    order = Order.objects.filter(status="submitted").order_by("pk").first()
    visit(page, csp_guard, f"{base}/admin/orders/order/{order.pk}/change/")

    # receiving stock: the admin's autocomplete (select2 through jsi18n and
    # the form's media) finds a product by SKU
    page.context.clear_cookies()
    login(page, base, "admin", next_url="/admin/inventory/stockitem/receive/")
    visit(page, csp_guard, f"{base}/admin/inventory/stockitem/receive/")
    page.locator(".field-product .select2-selection").click()
    page.locator(".select2-search__field").press_sequentially("PUMP-1", delay=30)
    pump = Product.objects.get(sku="PUMP-100")
    expect(page.locator(".select2-results__option", has_text=pump.sku)).to_be_visible()
    csp_guard.assert_clean()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_public_survey_and_api_docs(live_server, page, csp_guard, demo):
    base = live_server.url
    # a customer's survey link
    order = Order.objects.filter(survey__answered_at__isnull=True).order_by("pk").first()
    url = aftersales.survey_issue(order=order)
    visit(page, csp_guard, base + urlparse(url).path)
    expect(page.locator("form.survey")).to_be_visible()

    # the API docs: Swagger UI starts from api/swagger-init.js and lists the API
    visit(page, csp_guard, f"{base}/api/docs/")
    operations = page.locator(".opblock")
    expect(operations.first).to_be_visible()
    assert operations.count() > 10
    # and "Try it out" sends the request to our API (connect-src 'self'):
    # without a token the API answers 401 or 403
    carriers = page.locator(".opblock", has_text="/api/v1/carriers/").first
    carriers.locator(".opblock-summary").click()
    carriers.locator(".try-out__btn").click()
    carriers.locator(".execute").click()
    status = carriers.locator(".live-responses-table tbody .response-col_status").first
    expect(status).to_have_text(re.compile(r"40[13]"))
    csp_guard.assert_clean()
