"""The documents printed when an order is packed (process 3.3): the delivery
note and the package labels, in the customer's language, read back from the
stored PDF as a person (or a scanner) would."""

import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from tests import flow
from tests.factories import CustomerFactory, ProductFactory, UserFactory, make_order, stock
from warehouse import services as warehouse_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


@pytest.fixture
def products(warehouse):
    made = [
        ProductFactory(sku="PUMP-100", name="离心水泵 100W", list_price=Decimal("480.00")),
        ProductFactory(sku="VALVE-DN25", name="不锈钢球阀 DN25", list_price=Decimal("95.50")),
        ProductFactory(sku="GAUGE-10", name="压力表 0–1.0MPa", list_price=Decimal("65.00")),
    ]
    for p in made:
        stock(p, 50, warehouse=warehouse)
    return made


def pack(root, sales, customer, products, packages):
    order = flow.walk_to(
        make_order(customer=customer, salesperson=sales, lines=[(p, 2) for p in products]),
        "packing",
        root,
    )
    return warehouse_services.order_pack(order=order, user=root, packages=packages)


def pages_text(document) -> list[str]:
    with document.file.open("rb") as fh:
        reader = PdfReader(io.BytesIO(fh.read()))
    return [page.extract_text() for page in reader.pages]


def test_the_delivery_note_names_the_chinese_customer_address_and_every_sku(root, sales, products):
    # given a customer who reads Chinese
    customer = CustomerFactory(
        name="张伟",
        company="上海浦江机电设备有限公司",
        district="浦东新区",
        street="张江路 88 号 3 号楼",
        postcode="201203",
        preferred_language="zh-hans",
    )
    # when the order is packed
    order = pack(root, sales, customer, products, [{"weight_kg": "3.5"}])
    # then the stored delivery note is in Chinese and names customer, address and SKUs
    slip = order.documents.get(kind="packing_slip")
    assert slip.language == "zh-hans"
    text = "\n".join(pages_text(slip))
    assert "送货单 / 装箱单" in text
    assert "张伟" in text and "上海浦江机电设备有限公司" in text
    assert "上海市上海市浦东新区" in text and "张江路 88 号 3 号楼" in text
    for p in products:
        assert p.sku in text
    assert order.number in text


def test_an_english_customer_gets_the_documents_in_english(root, sales, products):
    customer = CustomerFactory(name="David Chen", preferred_language="en")
    order = pack(root, sales, customer, products, [{"weight_kg": "3.5"}])
    slip = order.documents.get(kind="packing_slip")
    assert slip.language == "en"
    text = "\n".join(pages_text(slip))
    assert "Delivery note / packing slip" in text
    assert f"Order number: {order.number}" in text
    assert "David Chen" in text and "世纪大道100号" in text
    assert all(p.sku in text for p in products)
    assert "送货单" not in text
    labels = pages_text(order.documents.get(kind="labels"))
    assert "Package 1 of 1" in labels[0]


def test_labels_have_one_page_per_package_numbered_i_of_n(root, sales, customer, products):
    # given an order packed in two packages
    order = pack(root, sales, customer, products, [{"weight_kg": "12.5"}, {"weight_kg": "3.25"}])
    # when the labels are read back
    labels = order.documents.get(kind="labels")
    pages = pages_text(labels)
    # then there is one page per package, each with "i/n", the order, the
    # address and the proposed carrier
    assert len(pages) == 2
    for i, text in enumerate(pages, start=1):
        assert f"{i}/2" in text
        assert order.number in text
        assert customer.name in text
        assert "顺丰速运 SF Express" in text
    assert "12.50" in pages[0] and "3.25" in pages[1]
    assert "2/2" not in pages[0]
