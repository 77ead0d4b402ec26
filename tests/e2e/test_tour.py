"""Every page every role uses, in a real Chromium, at a tablet's 1024×768 and
a laptop's 1280×800, in Chinese and in English (and the customer's survey on
a phone): nothing scrolls sideways, nothing answers 4xx or 5xx (the page, its
assets, its favicon), nothing is fetched from another host, and a Chinese page
shows no English the catalogue translates. The CSP guard of conftest.py
watches every page too.

Then a test for each of issue 12 item 2 (the review queue and the order page
on a tablet) and item 4 (dead ends: /improvement/, a case opened without an
order, the favicon, the 403 page), each of which failed before the fix."""

from __future__ import annotations

import datetime
import re
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone, translation

from aftersales import services as aftersales
from aftersales.models import Case, FollowUp
from feedback import services as feedback
from inventory.models import StockItem
from orders.models import ArchiveRecord, Customer, Order
from tests.e2e.conftest import login
from tests.factories import UserFactory
from tests.test_i18n import PO, read_po

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = [(1024, 768), (1280, 800)]
PHONE = (390, 844)
LANGUAGES = {"zh-hans": "zh-CN", "en": "en-US"}
ROLES = ["sales", "manager", "warehouse", "logistics", "aftersales"]

# English the demo data holds (reasons and notes typed by the demo's users,
# and the integration user's name): data, not the product's words.
DEMO_DATA = [
    "Opening stock",
    "Only part of the stock is left.",
    "Outer box damaged",
    "Not on the shelf",
    "Online Store",
]


# --- the data: the demo, with every page given something to show -------------------------


@pytest.fixture
def tour(db):
    """The demo data (an order in every state, a complaint with a return, an
    archived order), plus an archive review due, a survey link waiting for its
    answer, and an improvement suggestion with a vote, a comment, a meeting and
    an action item."""
    call_command("seed_demo", "--password", "demo", verbosity=0)
    users = {u.username: u for u in get_user_model().objects.all()}
    today = timezone.localdate()
    ArchiveRecord.objects.update(next_review_on=today - datetime.timedelta(days=3))
    delivered = Order.objects.get(status="delivered")
    survey = aftersales.survey_issue(order=delivered)
    suggestion = feedback.suggestion_propose(
        user=users["warehouse"],
        title="拣货单按库位排序",
        stage="fulfilment",
        problem="拣货时来回走动，浪费时间。",
        proposal="拣货页面按库位顺序列出商品。",
    )
    feedback.suggestion_vote(suggestion=suggestion, user=users["sales"])
    feedback.suggestion_comment_add(
        suggestion=suggestion, user=users["logistics"], text="打包台也可以这样排。"
    )
    meeting = feedback.meeting_create(
        user=users["manager"],
        title="第二季度改进会议",
        held_on=today,
        attendees=[users[name] for name in ROLES],
        minutes="讨论拣货路线。",
    )
    feedback.action_item_add(
        meeting=meeting,
        user=users["manager"],
        title="试行按库位拣货",
        owner=users["sales"],
        due_on=today + datetime.timedelta(days=14),
        suggestion=suggestion,
    )
    return {
        "users": users,
        "orders": {o.status: o for o in Order.objects.order_by("pk")},
        "case": Case.objects.get(subject="压力表读数偏高"),
        "follow_up": FollowUp.objects.filter(status="open").order_by("due_on").first(),
        "survey": urlsplit(survey).path,
        "suggestion": suggestion,
        "meeting": meeting,
    }


def pages_by_role(tour) -> dict[str, list[tuple[str, str]]]:
    """(label, path) of the pages each role uses, as the README's "Where
    each role works" lists them."""
    o = tour["orders"]
    case, suggestion, meeting = tour["case"], tour["suggestion"], tour["meeting"]

    def detail(state):
        return reverse("orders:detail", args=[o[state].number])

    def admin(name, *args):
        return reverse(f"admin:{name}", args=args)

    improvement = [
        ("improvement", "/improvement/"),
        ("suggestions", reverse("feedback:suggestions")),
        ("suggestion", reverse("feedback:suggestion_detail", args=[suggestion.pk])),
        ("new suggestion", reverse("feedback:suggestion_create")),
        ("leaderboard", reverse("feedback:leaderboard")),
        ("meetings", reverse("feedback:meetings")),
        ("meeting", reverse("feedback:meeting_detail", args=[meeting.pk])),
        ("my actions", reverse("feedback:my_actions")),
        ("stage feedback", reverse("feedback:stage_feedback")),
    ]
    new_case = reverse("aftersales:case_create")
    delivered = o["delivered"].number
    customer = o["submitted"].customer
    return {
        "sales": [
            ("order list", reverse("orders:list")),
            ("intake form", reverse("orders:create")),
            ("order page (submitted)", detail("submitted")),
            ("order page (shipped)", detail("shipped")),
            ("amend (sent back)", reverse("orders:edit", args=[o["needs_adjustment"].number])),
            ("follow-ups", reverse("aftersales:follow_ups")),
            ("cases", reverse("aftersales:cases")),
            ("case", reverse("aftersales:case_detail", args=[case.pk])),
            ("open a case", new_case),
            ("open a case on an order", f"{new_case}?order={delivered}"),
            *improvement,
        ],
        "manager": [
            ("admin index", admin("index")),
            ("review queue", admin("orders_order_review_queue")),
            ("admin orders", admin("orders_order_changelist")),
            ("admin order page", admin("orders_order_change", o["submitted"].pk)),
            (
                "approve",
                admin("orders_order_transition", o["submitted"].pk, "request_adjustment"),
            ),
            ("admin customers", admin("orders_customer_changelist")),
            ("admin customer page", admin("orders_customer_change", customer.pk)),
            ("stock", admin("inventory_stockitem_changelist")),
            ("stock item", admin("inventory_stockitem_change", StockItem.objects.first().pk)),
            ("receive stock", admin("inventory_stockitem_receive")),
            ("adjust stock", admin("inventory_stockitem_adjust")),
            ("stock movements", admin("inventory_stockmovement_changelist")),
            ("dashboard", reverse("feedback:dashboard")),
            ("archive", reverse("archive:archive")),
            ("archive reviews", reverse("archive:archive_reviews")),
            ("order list", reverse("orders:list")),
            ("order page (delivered)", detail("delivered")),
            ("order page (archived)", detail("archived")),
            ("new meeting", reverse("feedback:meeting_create")),
            *improvement,
        ],
        "warehouse": [
            ("queue", reverse("warehouse:queue")),
            ("pick (to start)", reverse("warehouse:pick", args=[o["approved"].number])),
            ("pick", reverse("warehouse:pick", args=[o["picking"].number])),
            ("quality check", reverse("warehouse:qc", args=[o["quality_check"].number])),
            ("pack", reverse("warehouse:pack", args=[o["packing"].number])),
            ("packed: documents", reverse("warehouse:pack", args=[o["packed"].number])),
            ("suggestions", reverse("feedback:suggestions")),
        ],
        "logistics": [
            ("to hand over", reverse("shipping:packed")),
            ("in transit", reverse("shipping:in_transit")),
            ("manifest", reverse("shipping:manifest")),
            ("order page (shipped)", detail("shipped")),
            ("suggestions", reverse("feedback:suggestions")),
        ],
        "aftersales": [
            ("follow-ups", reverse("aftersales:follow_ups")),
            ("follow-up", reverse("aftersales:follow_up_record", args=[tour["follow_up"].pk])),
            ("cases", reverse("aftersales:cases")),
            ("case", reverse("aftersales:case_detail", args=[case.pk])),
            ("open a case", new_case),
            ("open a case on an order", f"{new_case}?order={delivered}"),
            ("archive", reverse("archive:archive")),
            ("order page (delivered)", detail("delivered")),
            ("suggestions", reverse("feedback:suggestions")),
        ],
    }


# --- what the tour checks on each page ------------------------------------------------------

# The box that makes the page wider than the window: among the elements that
# stick out on the right, those whose parent does not (the culprits, not
# their ancestors), widest first. Elements inside a scrolling box are that
# box's business.
_OVERFLOW = """
() => {
  const limit = window.innerWidth;
  const doc = document.documentElement;
  if (doc.scrollWidth <= limit) return null;
  const scrolls = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const x = getComputedStyle(p).overflowX;
      if (x !== "visible" && x !== "clip") return true;
    }
    return false;
  };
  const name = (el) => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += "#" + el.id;
    if (typeof el.className === "string" && el.className.trim())
      s += "." + el.className.trim().split(/\\s+/).join(".");
    return s;
  };
  const path = (el) => {
    const parts = [];
    for (let e = el; e && e !== document.body && parts.length < 4; e = e.parentElement)
      parts.unshift(name(e));
    return parts.join(" > ");
  };
  const out = [];
  for (const el of document.body.querySelectorAll("*")) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.right <= limit + 1 || scrolls(el)) continue;
    const parent = el.parentElement.getBoundingClientRect();
    if (el.parentElement !== document.body && parent.right > limit + 1) continue;
    out.push({el: path(el), width: Math.round(r.width), right: Math.round(r.right)});
  }
  out.sort((a, b) => b.right - a.right);
  return {scrollWidth: doc.scrollWidth, width: limit, widest: out.slice(0, 3)};
}
"""

_PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{\w*\}|<[^>]+>|\s+[·/]\s+")


def english_ui_phrases() -> list[str]:
    """The catalogue's English of two words or more that Chinese replaces:
    each msgid (and plural) cut at its placeholders and markup, the pieces of
    two words and ten letters or more kept, longest first."""
    phrases = set()
    for entry in read_po(PO):
        if entry["msgstr"].get(0) in ("", entry["msgid"]):
            continue
        for source in filter(None, (entry["msgid"], entry["plural"])):
            for piece in _PLACEHOLDER.split(source):
                piece = " ".join(piece.split()).strip(" .,:;()")
                if len(piece.split()) >= 2 and len(piece) >= 10:
                    phrases.add(piece)
    return sorted(phrases, key=len, reverse=True)


@dataclass
class Tab:
    """One role in one language: a browser context and what it fetched."""

    context: object
    page: object
    host: str
    responses: list = field(default_factory=list)
    foreign: list = field(default_factory=list)
    failed: list = field(default_factory=list)

    @classmethod
    def open(cls, browser, base: str, language: str, size=SIZES[0]):
        context = browser.new_context(
            viewport={"width": size[0], "height": size[1]}, locale=LANGUAGES[language]
        )
        context.add_cookies(
            [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base}]
        )
        tab = cls(context=context, page=context.new_page(), host=urlsplit(base).netloc)
        tab.page.set_default_timeout(15_000)
        context.on("request", tab._on_request)
        context.on("response", tab._on_response)
        context.on("requestfailed", tab._on_failed)
        return tab

    def _on_request(self, request):
        parts = urlsplit(request.url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.netloc != self.host:
            self.foreign.append(request.url)

    def _on_failed(self, request):
        # ERR_ABORTED: a fetch the page started when the tour went on to the
        # next page (the intake form's findings), not a failure of the app.
        if "ERR_ABORTED" not in (request.failure or ""):
            self.failed.append(f"{request.url} ({request.failure})")

    def _on_response(self, response):
        if response.status >= 400:
            self.responses.append(f"{response.status} {response.url}")

    def drain(self) -> list[str]:
        found = (
            [f"answered {r}" for r in self.responses]
            + [f"fetched from another host: {u}" for u in self.foreign]
            + [f"request failed: {u}" for u in self.failed]
        )
        self.responses.clear(), self.foreign.clear(), self.failed.clear()
        return found


class Checker:
    """What the tour asks of every page."""

    def __init__(self, base: str):
        self.base = base
        self.phrases = english_ui_phrases()
        self.icons: dict[str, int] = {}
        self.loads = 0
        self.checks = 0

    def visit(self, tab: Tab, path: str, *, language: str, sizes, data: list[str]) -> list[str]:
        """Open ``path`` at the first of ``sizes``, then resize the window
        to each of the others (media and container queries follow it, as
        when a tablet turns): what is wrong with the page, size by size."""
        page = tab.page
        page.set_viewport_size({"width": sizes[0][0], "height": sizes[0][1]})
        response = page.goto(self.base + path, wait_until="load")
        self.loads += 1
        problems = []
        if response is None or response.status >= 400:
            problems.append(f"the page answered {response and response.status}")
        for size in sizes:
            page.set_viewport_size({"width": size[0], "height": size[1]})
            self.checks += 1
            if overflow := page.evaluate(_OVERFLOW):
                widest = "; ".join(
                    f"{w['el']} ({w['width']} px to {w['right']})" for w in overflow["widest"]
                )
                problems.append(
                    f"at {size[0]}×{size[1]} it scrolls sideways: {overflow['scrollWidth']} px "
                    f"in {overflow['width']}: {widest}"
                )
        problems += self._icons(page)
        if language == "zh-hans":
            problems += self.english(page, data)
        return problems + tab.drain()

    def _icons(self, page) -> list[str]:
        """The page names its icon (or the browser asks for /favicon.ico),
        and the icon and /favicon.ico both answer 200."""
        hrefs = page.eval_on_selector_all("link[rel~=icon]", "links => links.map(l => l.href)")
        problems = [] if hrefs else ["no <link rel=icon>: the browser asks for /favicon.ico"]
        for href in [*hrefs, self.base + "/favicon.ico"]:
            if href not in self.icons:
                self.icons[href] = page.request.get(href).status
            if self.icons[href] != 200:
                problems.append(f"icon {href} answered {self.icons[href]}")
        return problems

    def english(self, page, data: list[str]) -> list[str]:
        """The catalogue's English phrases the page shows (its title and
        text), the data taken out first."""
        text = page.evaluate("document.title + '\\n' + document.body.innerText")
        text = " ".join(text.split())
        for words in sorted(filter(None, data), key=len, reverse=True):
            text = text.replace(words, " ")
        left = [p for p in self.phrases if p in text]
        return [f"English on the Chinese page: {left[:8]}"] if left else []


def _data(tour) -> list[str]:
    """Names of people and customers: data, whatever their script."""
    users = tour["users"].values()
    return [
        *DEMO_DATA,
        *(u.get_full_name() for u in users),
        *(u.get_username() for u in users),
        *Customer.objects.values_list("name", flat=True),
    ]


def test_tour_every_role_every_page_both_sizes_both_languages(live_server, browser, tour):
    base = live_server.url
    checker = Checker(base)
    data = _data(tour)
    started = time.monotonic()
    problems: list[str] = []
    # The English check's own check: it finds the English of the English pages.
    english_found: list[bool] = []

    def record(where: str, found: list[str]):
        problems.extend(f"{where}: {problem}" for problem in found)

    for language in LANGUAGES:
        for role, pages in pages_by_role(tour).items():
            tab = Tab.open(browser, base, language)
            try:
                login(tab.page, base, role)
                tab.drain()
                for label, path in pages:
                    found = checker.visit(tab, path, language=language, sizes=SIZES, data=data)
                    record(f"{role} · {label} · {language}", found)
                    if language == "en":
                        english_found.append(bool(checker.english(tab.page, data)))
            finally:
                tab.context.close()
        # Before logging in: the login page; the customer's survey on a
        # phone, in the customer's language.
        Customer.objects.filter(pk=tour["orders"]["delivered"].customer_id).update(
            preferred_language=language
        )
        tab = Tab.open(browser, base, language)
        try:
            found = checker.visit(tab, reverse("login"), language=language, sizes=SIZES, data=data)
            record(f"anyone · login · {language}", found)
            found = checker.visit(tab, tour["survey"], language=language, sizes=[PHONE], data=data)
            record(f"customer · survey on a phone · {language}", found)
        finally:
            tab.context.close()
    elapsed = time.monotonic() - started
    print(
        f"\ntour: {checker.loads} pages loaded, {checker.checks} page × size checks "
        f"({len(LANGUAGES)} languages) in {elapsed:.0f} s"
    )
    assert not problems, f"{len(problems)} problems on the tour:\n" + "\n".join(problems)
    assert sum(english_found) >= 0.9 * len(english_found), (
        "the English check finds no English on the English pages: it would miss it in Chinese"
    )


# --- issue 12 item 2: the review queue and the order page on a tablet ----------------------


@pytest.fixture
def demo(db):
    """The demo data alone: three submitted orders, one in every other state."""
    call_command("seed_demo", "--password", "demo", verbosity=0)
    return {o.status: o for o in Order.objects.order_by("pk")}


@pytest.fixture
def people(db):
    """One user per role, without orders, for the pages that need none."""
    return {
        name: UserFactory(username=name, first_name="测试", roles=[role], is_staff=staff)
        for name, role, staff in [
            ("sales", "Sales", False),
            ("manager", "Sales Manager", True),
        ]
    }


def _open(browser, base: str, language: str, user: str, *, password="demo", size=SIZES[0]):
    tab = Tab.open(browser, base, language, size=size)
    login(tab.page, base, user, password=password)
    tab.drain()
    return tab


def _overflow(page) -> dict | None:
    return page.evaluate(_OVERFLOW)


def test_screenshot_review_queue_fits_a_tablet_with_its_buttons_on_one_line(
    live_server, browser, demo, screenshot_dir
):
    queue = live_server.url + reverse("admin:orders_order_review_queue")
    for language in LANGUAGES:
        # given a manager, three submitted orders waiting
        tab = _open(browser, live_server.url, language, "manager")
        page = tab.page
        try:
            page.goto(queue)
            assert page.locator(".review-queue-table tbody tr").count() == 3
            for width, height in SIZES:
                # when the queue is shown on a tablet and on a laptop
                page.set_viewport_size({"width": width, "height": height})
                # then nothing scrolls sideways and the header spans the page
                assert _overflow(page) is None, (language, width, _overflow(page))
                header = page.evaluate("document.querySelector('#header').offsetWidth")
                assert header == width
                # and every decision button shows its label on one line
                lines = page.eval_on_selector_all(
                    ".queue-decision .button, .queue-decision button",
                    """buttons => buttons.map(b => {
                        const style = getComputedStyle(b);
                        const inner = b.clientHeight - parseFloat(style.paddingTop)
                            - parseFloat(style.paddingBottom);
                        return Math.round(inner / parseFloat(style.lineHeight));
                    })""",
                )
                assert len(lines) == 9 and set(lines) == {1}, (language, width, lines)
                if language == "zh-hans" and width == 1024:
                    page.screenshot(path=str(screenshot_dir / "review-queue-tablet.png"))
            assert tab.drain() == []
        finally:
            tab.context.close()


def test_the_order_page_fits_a_tablet_either_way_up(live_server, browser, demo):
    # given a salesperson on a 10-inch tablet
    tab = _open(browser, live_server.url, "zh-hans", "sales")
    try:
        # when they open an order that is with the carrier
        tab.page.goto(live_server.url + reverse("orders:detail", args=[demo["shipped"].number]))
        for width, height in [(1024, 768), (768, 1024)]:
            tab.page.set_viewport_size({"width": width, "height": height})
            # then it fits, landscape and portrait: no desktop minimum width
            assert _overflow(tab.page) is None, (width, _overflow(tab.page))
    finally:
        tab.context.close()


# --- issue 12 item 4: no dead ends ------------------------------------------------------------


def test_improvement_has_a_page_the_suggestions_with_their_tabs(live_server, browser, people):
    # given a salesperson
    tab = _open(browser, live_server.url, "zh-hans", "sales", password="pw")
    page = tab.page
    try:
        # when they open /improvement/ (the area of the top bar's link)
        response = page.goto(live_server.url + "/improvement/")
        # then they land on the suggestions, the area's tabs on top
        assert response.status == 200
        assert page.url.endswith(reverse("feedback:suggestions"))
        tabs = page.locator("nav.improvement-tabs a")
        assert tabs.count() >= 3
        assert tabs.first.get_attribute("aria-current") == "page"
        assert tab.drain() == []
    finally:
        tab.context.close()


def test_opening_a_case_without_an_order_says_how_and_asks_for_it(live_server, browser, demo):
    # given a salesperson who reads Chinese
    tab = _open(browser, live_server.url, "zh-hans", "sales")
    page = tab.page
    try:
        # when they open /after-sales/cases/new/ without an order
        response = page.goto(live_server.url + reverse("aftersales:case_create"))
        # then a Chinese page says where cases are opened and asks for the number
        assert response.status == 200
        text = page.locator("main").inner_text()
        assert "订单的页面" in text and "订单号" in text, text
        assert "Not Found" not in text
        # when they type a number no order has
        page.fill("#case-start-order", "SO-1999-000001")
        with page.expect_navigation():
            page.click("#case-start button[type=submit]")
        # then the same page says so, in Chinese, the number kept to correct
        assert "没有您可查看的订单 SO-1999-000001" in page.inner_text("#case-start-error")
        assert page.input_value("#case-start-order") == "SO-1999-000001"
        assert tab.drain() == [f"answered 404 {page.url}"]
        # when they type the delivered order's number
        number = demo["delivered"].number
        page.fill("#case-start-order", number)
        with page.expect_navigation():
            page.click("#case-start button[type=submit]")
        # then the case form for that order opens
        assert number in page.inner_text("h1")
        assert page.locator("select[name=kind]").count() == 1
        assert tab.drain() == []
    finally:
        tab.context.close()


def test_every_page_names_its_icon_and_favicon_ico_answers(live_server, browser, people):
    # given a manager
    tab = _open(browser, live_server.url, "zh-hans", "manager", password="pw")
    page = tab.page
    try:
        for path in ["/admin/", reverse("admin:orders_order_review_queue"), reverse("orders:list")]:
            # when they open an admin page or a page of the app
            page.goto(live_server.url + path)
            # then it names its icon, which answers 200
            icons = page.eval_on_selector_all("link[rel~=icon]", "ls => ls.map(l => l.href)")
            assert icons, f"{path} has no <link rel=icon>: the browser asks for /favicon.ico"
            for href in icons:
                assert page.request.get(href).status == 200, href
        # and /favicon.ico, which browsers and tools ask for anyway, is the icon
        response = page.request.get(live_server.url + "/favicon.ico")
        assert response.status == 200
        assert response.headers["content-type"] in ("image/x-icon", "image/vnd.microsoft.icon")
        assert tab.drain() == []
    finally:
        tab.context.close()


# Pages of other roles, and whose they are (Chinese, English).
FORBIDDEN = {
    "/warehouse/": ("这是仓库的页面。", "This is the warehouse's page."),
    "/archive/": (
        "此页面供销售经理和售后人员使用。",
        "This page is for sales managers and the after-sales team.",
    ),
}


def test_another_roles_page_says_whose_it_is_and_leads_home(live_server, browser, people):
    for language in LANGUAGES:
        # given a salesperson
        tab = _open(browser, live_server.url, language, "sales", password="pw")
        page = tab.page
        try:
            for path, owners in FORBIDDEN.items():
                # when they open a page of another role
                response = page.goto(live_server.url + path)
                # then it is refused in their language, saying whose page it is
                assert response.status == 403
                owner = owners[0 if language == "zh-hans" else 1]
                assert page.inner_text("#page-owners") == owner
                assert "Forbidden" not in page.inner_text("body")
                assert tab.drain() == [f"answered 403 {live_server.url}{path}"]
                # and its button leads to their own start page
                home = page.locator("#go-home")
                assert home.get_attribute("href") == reverse("home")
                with page.expect_navigation():
                    home.click()
                assert page.url.endswith(reverse("orders:list"))
                assert tab.drain() == []
        finally:
            tab.context.close()


def test_every_permission_required_page_names_the_roles_that_work_there():
    from orders_site.views import owners_of, required_permissions

    # given every HTML view behind permission_required (the API answers JSON,
    # the admin is the managers')
    def views(patterns, namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from views(pattern.url_patterns, pattern.app_name or namespace)
            else:
                yield pattern, namespace

    guarded = [
        (pattern, namespace)
        for pattern, namespace in views(get_resolver().url_patterns)
        if namespace != "admin" and required_permissions(pattern.callback)
    ]
    assert len(guarded) > 40, "the permissions are no longer found in the decorators"
    # then the 403 page of each says whose page it is, in Chinese too
    for pattern, namespace in guarded:
        with translation.override("zh-hans"):
            owners = owners_of(pattern.callback, app_name=namespace)
        assert owners.startswith(("这是", "此页面供")) and owners.endswith("。"), (pattern, owners)
