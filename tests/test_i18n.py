"""The Simplified Chinese translation: complete, compiled, and what users see.

The product's language is zh-hans; English is the other choice. These tests
keep ``locale/zh_Hans`` whole: every msgid has a checked translation with the
same placeholders, the committed ``.mo`` is the compiled ``.po``, the ``.po``
covers every string the code marks (``make messages`` adds nothing), and the
key pages read in Chinese for a Chinese user and in English for an English one.
"""

from __future__ import annotations

import ast
import datetime
import gettext
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from inventory.services import stock_receive
from orders import services
from orders.models import Order
from orders_site import demo
from shipping.models import Carrier, CarrierService, Shipment, tracking_pattern_words
from tests.factories import CustomerFactory, ProductFactory, UserFactory, WarehouseFactory

LOCALE = Path(settings.BASE_DIR) / "locale"
PO = LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
CJK = re.compile(r"[\u3400-\u9fff]")


# --- the catalogue ---------------------------------------------------------------


def read_po(path: Path) -> list[dict]:
    """The entries of a .po file (the header excluded): context, msgid,
    plural, the msgstr forms and the flags."""
    entries, entry, field = [], None, None
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            if entry is not None:
                entries.append(entry)
            entry = None
            continue
        if entry is None:
            entry = {"ctx": None, "msgid": "", "plural": None, "msgstr": {}, "flags": set()}
        if line.startswith("#,"):
            entry["flags"] |= {f.strip() for f in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif match := re.match(r'(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?) (".*")$', line):
            key, index, value = match.group(1), match.group(2), ast.literal_eval(match.group(3))
            if key.startswith("msgstr"):
                field = ("msgstr", int(index or 0))
                entry["msgstr"][field[1]] = value
            else:
                field = ({"msgctxt": "ctx", "msgid_plural": "plural"}.get(key, key), None)
                entry[field[0]] = value
        elif line.startswith('"'):
            value = ast.literal_eval(line)
            if field[0] == "msgstr":
                entry["msgstr"][field[1]] += value
            else:
                entry[field[0]] += value
    return [e for e in entries if e["msgid"] or e["ctx"]]


def label(entry: dict) -> str:
    return f"{entry['ctx']}|{entry['msgid']}" if entry["ctx"] else entry["msgid"]


def placeholders(text: str) -> set[str]:
    """``%(name)s``, ``%s``, ``%d`` (a literal ``%%`` is not one) and ``{name}``."""
    text = text.replace("%%", "")
    return set(re.findall(r"%\(\w+\)[sdif]|%[sdif]", text)) | set(re.findall(r"{\w*}", text))


def untranslated(entries: list[dict]) -> list[str]:
    return [
        label(e)
        for e in entries
        if "fuzzy" in e["flags"] or not e["msgstr"] or not all(e["msgstr"].values())
    ]


def test_every_message_has_a_checked_translation():
    entries = read_po(PO)
    assert len(entries) > 400, "the catalogue looks truncated"
    assert untranslated(entries) == [], "untranslated or fuzzy (unchecked) entries"


def test_the_po_header_says_simplified_chinese_with_one_plural_form():
    head = PO.read_text(encoding="utf-8").split("\n\n", 1)[0]
    assert "#, fuzzy" not in head, "a fuzzy header is dropped by msgfmt, charset and all"
    assert '"Language: zh_Hans\\n"' in head
    assert '"Plural-Forms: nplurals=1; plural=0;\\n"' in head
    assert '"Content-Type: text/plain; charset=UTF-8\\n"' in head


def test_translations_keep_every_placeholder():
    wrong = []
    for e in read_po(PO):
        # Chinese has one plural form: msgstr[0] serves every count, so it
        # takes the plural's placeholders (the count included).
        source = e["plural"] if e["plural"] is not None else e["msgid"]
        for form in e["msgstr"].values():
            if placeholders(form) != placeholders(source):
                wrong.append((label(e), form))
    assert wrong == []


def test_plural_entries_have_the_single_chinese_form():
    for e in read_po(PO):
        if e["plural"] is not None:
            assert set(e["msgstr"]) == {0}, label(e)


def test_the_committed_mo_is_the_compiled_po():
    # Read through Python's own .mo reader: each .po entry must come back out
    # of the .mo as written, and the .mo must hold nothing else.
    with MO.open("rb") as fh:
        mo = gettext.GNUTranslations(fh)
    assert mo.info().get("plural-forms") == "nplurals=1; plural=0;"
    assert mo.info().get("content-type") == "text/plain; charset=UTF-8"
    entries = read_po(PO)
    stale = []
    for e in entries:
        if e["plural"] is not None:
            got = (
                mo.npgettext(e["ctx"], e["msgid"], e["plural"], 2)
                if e["ctx"]
                else mo.ngettext(e["msgid"], e["plural"], 2)
            )
        else:
            got = mo.pgettext(e["ctx"], e["msgid"]) if e["ctx"] else mo.gettext(e["msgid"])
        if got != e["msgstr"][0]:
            stale.append(label(e))
    assert stale == [], "the .mo differs from the .po: run `make messages` and commit both"
    keys = {k for k in mo._catalog if k != ""}  # the header is the "" entry
    assert len(keys) == len(entries), "the .mo holds entries the .po no longer has"


def _messages_ignore() -> list[str]:
    """The --ignore options of ``make messages``, read from the Makefile so
    the test extracts exactly what the target does."""
    makefile = (Path(settings.BASE_DIR) / "Makefile").read_text().replace("\\\n", " ")
    match = re.search(r"^MESSAGES_IGNORE\s*:=(.*)$", makefile, re.MULTILINE)
    assert match, "the Makefile's MESSAGES_IGNORE is gone"
    return match.group(1).split()


_SKIP_ON_COPY = shutil.ignore_patterns(
    ".git",
    ".venv",
    "node_modules",
    "staticfiles",
    "media",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    ".schemathesis",
    "test-results",
    "*.sqlite3",
    "*.sqlite3-journal",
)


@pytest.mark.skipif(
    not shutil.which("xgettext") and os.environ.get("REQUIRE_SERVICES") != "1",
    reason="needs GNU gettext: apt-get install -y gettext",
)
def test_the_po_covers_every_string_the_code_marks(tmp_path):
    # given a copy of the source tree with the committed catalogue
    src = tmp_path / "src"
    shutil.copytree(settings.BASE_DIR, src, ignore=_SKIP_ON_COPY)
    # when `make messages` extracts the strings again there
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "orders_site.settings.test"}
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete"]
        + _messages_ignore(),
        cwd=src,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    # then it found nothing new: every marked string already has a translation
    fresh = read_po(src / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po")
    assert untranslated(fresh) == [], (
        "strings without a translation: run `make messages`, translate them in "
        "locale/zh_Hans/LC_MESSAGES/django.po, run `make messages` again and commit .po and .mo"
    )
    assert {label(e) for e in fresh} == {label(e) for e in read_po(PO)}, (
        "the .po lists strings the code no longer has: run `make messages`"
    )


# --- the pages as users see them ------------------------------------------------------


class _VisibleText(HTMLParser):
    """What a person reads: text outside <script> and <style>, and the
    placeholder, title, aria-label and button labels."""

    ATTRIBUTES = {"placeholder", "title", "aria-label", "alt"}

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._hidden += 1
        attrs = dict(attrs)
        for name in self.ATTRIBUTES & attrs.keys():
            self.parts.append(attrs[name] or "")
        if tag == "input" and attrs.get("type") in ("submit", "button"):
            self.parts.append(attrs.get("value") or "")

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def visible_text(response) -> str:
    parser = _VisibleText()
    parser.feed(response.content.decode())
    return re.sub(r"\s+", " ", " ".join(parser.parts))


@pytest.fixture(autouse=True)
def _back_to_the_default_language():
    # A request activates its language for the thread; later tests that call
    # gettext outside a request must not inherit Chinese.
    yield
    translation.deactivate()


@pytest.fixture
def shop(db):
    """Chinese data throughout (names, products, the warehouse), so that any
    Latin letters left on a Chinese page are the product's own words."""
    warehouse = WarehouseFactory(code="MAIN", name="上海总仓", is_default=True)
    sales = UserFactory(username="sales", first_name="娜", last_name="李", roles=["Sales"])
    manager = UserFactory(
        username="manager",
        first_name="强",
        last_name="王",
        roles=["Sales Manager"],
        is_staff=True,
    )
    pump = ProductFactory(sku="PUMP-100", name="离心水泵", unit="台")
    stock_receive(product=pump, quantity=2, user=None, warehouse=warehouse, reason="期初库存")
    customer = CustomerFactory(name="张伟", contact_person="张伟", email="")
    order = services.order_create(
        customer=customer,
        salesperson=sales,
        created_by=sales,
        channel="phone",
        requested_delivery_date=timezone.localdate() + datetime.timedelta(days=30),
        payment_method="alipay",
        lines=[services.LineInput(product=pump, quantity=5)],
    )
    # Submitted with more than is in stock: the order page has review findings.
    order = demo.run_transition(order, "submit", sales)
    services.order_record_contact(
        order=order, user=sales, channel="wechat", summary="客户同意分批发货。"
    )
    return {"sales": sales, "manager": manager, "order": order}


def _pages(shop) -> dict[str, tuple[str, object]]:
    order = shop["order"]
    return {
        "order list": (reverse("orders:list"), shop["sales"]),
        "intake form": (reverse("orders:create"), shop["sales"]),
        "order page": (reverse("orders:detail", kwargs={"number": order.number}), shop["sales"]),
        "admin order list": (reverse("admin:orders_order_changelist"), shop["manager"]),
        "admin order page": (
            reverse("admin:orders_order_change", args=[order.pk]),
            shop["manager"],
        ),
        "review queue": (reverse("admin:orders_order_review_queue"), shop["manager"]),
    }


# For each page: Chinese the page must show, and the English UI words that
# must then be gone (and are there in English).
EXPECTED = {
    "order list": (
        ["订单", "新建订单", "要求交货日期", "已提交", "筛选", "退出登录"],
        ["New order", "Requested delivery", "Submitted", "Filter", "Log out", "Salesperson"],
    ),
    "intake form": (
        ["新建订单", "订单明细", "已有客户", "保存草稿", "添加一行"],
        ["New order", "Lines", "Existing customer", "Save draft", "Add line", "Payment method"],
    ),
    "order page": (
        ["时间线", "订单明细", "审核提示", "客户沟通", "渠道：微信", "已提交"],
        ["Timeline", "Lines", "Review findings", "Customer contacts", "Recorded as draft"],
    ),
    "admin order list": (
        ["销售订单管理", "审核队列", "总额（元）", "要求交货日期", "已提交"],
        ["Sales order management", "Review queue", "Total (CNY)", "Requested delivery"],
    ),
    "admin order page": (
        ["审核提示", "时间线", "最早可交货日期", "审批通过", "退回调整"],
        ["Review findings", "Timeline", "Earliest feasible delivery", "Request adjustment"],
    ),
    "review queue": (
        ["审核队列", "审批通过", "退回调整", "需要 5，仅有 2 可用"],
        ["Review queue", "Approve", "Request adjustment", "requested, only"],
    ),
}

# Latin letters a Chinese page may show: the brand mark, the language
# switcher's "English" (each language is named in itself), and the data.
ALLOWED_LATIN = {"SO", "English", "PUMP"}
FRONT_OFFICE = ["order list", "intake form", "order page"]


def _get(client, url, user, language, *, header=False):
    client.force_login(user)
    if header:
        return client.get(url, headers={"accept-language": language})
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.get(url)


@pytest.mark.parametrize("page", list(EXPECTED))
def test_a_chinese_user_reads_the_page_in_chinese(client, shop, page):
    url, user = _pages(shop)[page]
    response = _get(client, url, user, "zh-hans")
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "zh-hans"
    text = visible_text(response)
    chinese, english = EXPECTED[page]
    for words in chinese:
        assert words in text, f"{page}: {words!r} missing"
    for words in english:
        assert words not in text, f"{page}: English {words!r} on the Chinese page"


@pytest.mark.parametrize("page", FRONT_OFFICE)
def test_the_sales_pages_have_no_english_left_in_chinese(client, shop, page):
    url, user = _pages(shop)[page]
    text = visible_text(_get(client, url, user, "zh-hans"))
    text = text.replace(shop["order"].number, "")
    # The login name is data too (the title of the user's name in the header).
    latin = set(re.findall(r"[A-Za-z]{2,}", text)) - ALLOWED_LATIN - {user.get_username()}
    assert latin == set(), f"{page}: Latin words on the Chinese page"


@pytest.mark.parametrize("page", EXPECTED)
def test_an_english_user_reads_the_page_in_english(client, shop, page):
    url, user = _pages(shop)[page]
    response = _get(client, url, user, "en")
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "en"
    text = visible_text(response)
    chinese, english = EXPECTED[page]
    for words in english:
        assert words in text, f"{page}: {words!r} missing"
    for words in chinese:
        assert words not in text, f"{page}: Chinese {words!r} on the English page"


def test_the_browser_language_chooses_when_the_user_has_not(client, shop):
    url, user = _pages(shop)["order page"]
    text = visible_text(_get(client, url, user, "zh-CN,zh;q=0.9,en;q=0.5", header=True))
    assert "时间线" in text and "Timeline" not in text
    text = visible_text(_get(client, url, user, "en-US,en;q=0.9", header=True))
    assert "Timeline" in text and "时间线" not in text


def test_the_header_switcher_changes_the_language_and_it_stays(client, shop, settings):
    # given the product's default language (the test settings use English)
    settings.LANGUAGE_CODE = "zh-hans"
    # and a salesperson who has chosen nothing: they read Chinese
    client.force_login(shop["sales"])
    assert "新建订单" in visible_text(client.get(reverse("orders:list")))
    # when they pick English in the header's language switcher
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    # then every page after is English
    assert "New order" in visible_text(client.get(reverse("orders:list")))
    assert "Timeline" in visible_text(
        client.get(reverse("orders:detail", kwargs={"number": shop["order"].number}))
    )
    # and picking Chinese again brings Chinese back
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert "新建订单" in visible_text(client.get(reverse("orders:list")))


def test_the_login_and_error_pages_are_chinese(client, shop):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    login = visible_text(client.get(reverse("login")))
    assert "登录" in login and "Log in" not in login
    client.force_login(shop["sales"])
    missing = client.get(reverse("orders:detail", kwargs={"number": "SO-1999-000001"}))
    assert missing.status_code == 404
    assert "此页面不存在" in visible_text(missing)


def test_the_warehouse_and_logistics_screens_have_no_english_left_in_chinese(client, shop):
    # given orders at every warehouse step and one handed to the carrier
    root = UserFactory(
        username="root", first_name="敏", last_name="周", is_superuser=True, is_staff=True
    )
    valve = ProductFactory(sku="VALVE-25", name="不锈钢球阀", unit="个", barcode="6900000000035")
    stock_receive(product=valve, quantity=50, user=None, reason="期初库存")
    orders = {}
    for state in ("approved", "picking", "quality_check", "packing", "packed", "shipped"):
        order = services.order_create(
            customer=CustomerFactory(name="王芳", contact_person="王芳", email=""),
            salesperson=shop["sales"],
            created_by=shop["sales"],
            channel="phone",
            requested_delivery_date=timezone.localdate() + datetime.timedelta(days=10),
            payment_method="alipay",
            lines=[services.LineInput(product=valve, quantity=2)],
        )
        orders[state] = demo.walk_to(order, state, root)
    warehouse = UserFactory(
        username="warehouse", first_name="磊", last_name="赵", roles=["Warehouse"]
    )
    logistics = UserFactory(
        username="logistics", first_name="洋", last_name="刘", roles=["Logistics"]
    )
    pages = {
        "warehouse queue": (reverse("warehouse:queue"), warehouse),
        "pick": (reverse("warehouse:pick", args=[orders["picking"].number]), warehouse),
        "quality check": (
            reverse("warehouse:qc", args=[orders["quality_check"].number]),
            warehouse,
        ),
        "pack": (reverse("warehouse:pack", args=[orders["packing"].number]), warehouse),
        "documents": (reverse("warehouse:pack", args=[orders["packed"].number]), warehouse),
        "to hand over": (reverse("shipping:packed"), logistics),
        "in transit": (reverse("shipping:in_transit"), logistics),
        "manifest": (reverse("shipping:manifest"), logistics),
        "shipped order": (
            reverse("orders:detail", kwargs={"number": orders["shipped"].number}),
            logistics,
        ),
    }
    # Carriers' names and codes (the timeline names a carrier by its code) and
    # services' names are data, as are order and tracking numbers.
    data = [s.tracking_number for s in Shipment.objects.exclude(tracking_number="")]
    data += [c.name for c in Carrier.objects.all()]
    data += [f"{c.code} · " for c in Carrier.objects.all()]
    data += [s.name for s in CarrierService.objects.all()]
    data += [o.number for o in Order.objects.all()]
    # the carriers' formats in words: their literal prefixes ("SF + 12 digits")
    # and example numbers are data too
    for carrier in Carrier.objects.all():
        if described := tracking_pattern_words(carrier.tracking_number_pattern):
            data.append(described[1])
            data += re.findall(r"[A-Z]{2,}", described[0])
    for page, (url, user) in pages.items():
        # when a Chinese user opens the page
        response = _get(client, url, user, "zh-hans")
        assert response.status_code == 200, page
        text = visible_text(response)
        for words in sorted(data, key=len, reverse=True):
            text = text.replace(words, "")
        # then it holds no English word but the brand, units and file formats
        allowed = ALLOWED_LATIN | {"VALVE", "kg", "cm", "CSV", "PDF", user.get_username()}
        latin = set(re.findall(r"[A-Za-z]{2,}", text)) - allowed
        assert latin == set(), f"{page}: Latin words on the Chinese page"
    # and the queue names each step as the action to take, not the status
    queue = visible_text(_get(client, reverse("warehouse:queue"), warehouse, "zh-hans"))
    assert "质检 →" in queue and "质检中 →" not in queue
