import os
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop beside the ORM

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
]


# Runs in every page before its own scripts: each CSP violation the browser
# reports is handed to Python, whatever page or frame it happens in.
_VIOLATION_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolation({
    directive: event.effectiveDirective || event.violatedDirective,
    blocked: event.blockedURI,
    source: event.sourceFile,
    line: event.lineNumber,
    sample: event.sample,
  });
});
"""
CSP_CONSOLE_MARK = "Content Security Policy"


class CSPGuard:
    """Watches every browser context a test opens: records console messages,
    page errors and CSP violations (both the `securitypolicyviolation` event
    and Chromium's "Refused to ... because it violates the following Content
    Security Policy directive" console error), and every HTML navigation
    response that comes without a Content-Security-Policy header."""

    def __init__(self):
        self.console: list[str] = []
        self.page_errors: list[str] = []
        self.violations: list[str] = []
        self.missing_header: list[str] = []
        self.html_pages: list[str] = []

    def watch(self, context):
        context.expose_binding("__cspViolation", self._on_violation_event)
        context.add_init_script(_VIOLATION_LISTENER)
        context.on("page", self._watch_page)
        context.on("response", self._on_response)
        return context

    def _watch_page(self, page):
        page.on("console", lambda message: self._on_console(page, message))
        page.on("pageerror", lambda error: self.page_errors.append(f"{page.url}: {error}"))

    def _on_violation_event(self, source, report):
        self.violations.append(f"{source['frame'].url}: {report}")

    def _on_console(self, page, message):
        text = f"[{message.type}] {page.url}: {message.text}"
        self.console.append(text)
        if CSP_CONSOLE_MARK in message.text:
            self.violations.append(text)

    def _on_response(self, response):
        request = response.request
        if not request.is_navigation_request():
            return
        headers = response.all_headers()
        if not headers.get("content-type", "").startswith("text/html"):
            return
        self.html_pages.append(response.url)
        if not headers.get("content-security-policy"):
            self.missing_header.append(f"{response.status} {response.url}")

    def problems(self) -> list[str]:
        return (
            [f"CSP violation: {v}" for v in self.violations]
            + [f"no Content-Security-Policy header: {m}" for m in self.missing_header]
            + [f"page error: {e}" for e in self.page_errors]
        )

    def assert_clean(self):
        problems = self.problems()
        assert not problems, "\n".join(
            ["The browser reported:", *problems, "Console:", *self.console[-20:]]
        )


class GuardedBrowser:
    """The session's Chromium, with every context it opens watched by the
    test's CSPGuard (tests that open their own context are covered too)."""

    def __init__(self, browser, guard):
        self._browser = browser
        self.guard = guard

    def new_context(self, **kwargs):
        return self.guard.watch(self._browser.new_context(**kwargs))

    def new_page(self, **kwargs):
        context = self.new_context(**kwargs)
        page = context.new_page()
        page.on("close", lambda _: context.close())
        return page

    def __getattr__(self, name):
        return getattr(self._browser, name)


_GUARD = pytest.StashKey[CSPGuard]()


_RUNNING: dict[str, object] = {}


@pytest.fixture(scope="session")
def chromium():
    """One Chromium for the whole run. Test folders outside tests/e2e that
    import these fixtures get a second copy of this one; a second
    sync_playwright() would fail, so the copy shares the running browser."""
    if "browser" in _RUNNING:
        yield _RUNNING["browser"]
        return
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        _RUNNING["browser"] = browser
        try:
            yield browser
        finally:
            del _RUNNING["browser"]
            browser.close()


@pytest.fixture
def csp_guard(request):
    guard = CSPGuard()
    request.node.stash[_GUARD] = guard
    return guard


@pytest.fixture
def browser(chromium, csp_guard):
    return GuardedBrowser(chromium, csp_guard)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """A browser test that passed still fails if any page it opened broke
    the Content-Security-Policy, came without the header, or threw."""
    result = yield
    guard = item.stash.get(_GUARD, None)
    if guard is not None:
        guard.assert_clean()
    return result


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def screenshot_dir():
    """Where screenshots go: docs/screenshots with `make screenshots`, a
    temporary folder otherwise (CI checks the pages render, nothing more)."""
    path = Path(os.environ.get("SCREENSHOT_DIR") or "/tmp/order-screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


def login(page, base_url, username, password="demo", next_url="/"):
    page.goto(f"{base_url}/accounts/login/?next={next_url}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
