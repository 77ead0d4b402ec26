"""One lookup for whatever label a scanner reads (process 3.1): a product's
barcode, its SKU in any case, or one of its alternative codes; and the
validation that keeps one code from naming two products."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from inventory import selectors, services
from inventory.exceptions import ProductCodeTaken, UnknownProductCode
from inventory.models import Product, ProductCode
from tests.factories import ProductFactory, UserFactory

PRODUCT_ADD = reverse("admin:inventory_product_add")


@pytest.fixture
def valve(db):
    return ProductFactory(sku="VALVE-DN25", name="不锈钢球阀 DN25", barcode="6901234500035")


@pytest.fixture
def pump(db):
    p = ProductFactory(sku="PUMP-100", name="离心水泵 100W", barcode="6901234500011")
    services.product_code_add(
        product=p, code="6925678000128", kind=ProductCode.Kind.SUPPLIER_EAN, note="supplier"
    )
    return p


@pytest.fixture
def root(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


def product_change(product):
    return reverse("admin:inventory_product_change", args=[product.pk])


# --- the lookup ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("scanned", "sku"),
    [
        ("6901234500035", "VALVE-DN25"),  # the barcode
        ("VALVE-DN25", "VALVE-DN25"),  # the SKU as printed
        ("valve-dn25", "VALVE-DN25"),  # any case
        ("Valve-Dn25", "VALVE-DN25"),
        ("  VALVE-DN25\t", "VALVE-DN25"),  # whitespace a scanner adds
        ("6925678000128", "PUMP-100"),  # an alternative code
        (" wh-a7 ", "PUMP-100"),  # an internal label, any case
    ],
)
def test_product_by_code_finds_the_product_by_any_of_its_codes(valve, pump, scanned, sku):
    # given a valve with barcode and SKU, and a pump with two alternative codes
    services.product_code_add(product=pump, code="WH-A7", kind=ProductCode.Kind.INTERNAL_LABEL)
    # when the code is looked up, then it names the product
    assert selectors.product_by_code(code=scanned).sku == sku


@pytest.mark.parametrize("scanned", ["XYZ", "", "   ", None, "6901234500", "VALVE"])
def test_product_by_code_is_none_for_an_unknown_code(valve, pump, scanned):
    # when a code that is no product's whole code is looked up, then nothing is found
    assert selectors.product_by_code(code=scanned) is None


def test_a_barcode_scan_costs_one_query_and_the_misses_at_most_three(
    valve, pump, django_assert_num_queries
):
    # when the usual scan, a barcode, is looked up, then one query answers it
    with django_assert_num_queries(1):
        assert selectors.product_by_code(code=valve.barcode) == valve
    # and an alternative code, or an unknown code, takes one probe per kind of code
    with django_assert_num_queries(3):
        assert selectors.product_by_code(code="6925678000128") == pump
    with django_assert_num_queries(3):
        assert selectors.product_by_code(code="XYZ") is None


def test_every_probe_of_the_lookup_uses_an_index(valve, pump):
    # given the queries a miss runs (all three probes)
    with CaptureQueriesContext(connection) as queries:
        selectors.product_by_code(code="XYZ")
    assert len(queries) == 3
    # when the database explains each of them, then each searches an index
    # instead of scanning the table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Three rows are cheaper to scan; ask what it would do at scale.
            cursor.execute("SET LOCAL enable_seqscan = off")
        for query in queries.captured_queries:
            explain = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
            cursor.execute(explain + query["sql"])
            plan = " ".join(str(cell) for row in cursor.fetchall() for cell in row)
            assert "INDEX" in plan.upper(), (query["sql"], plan)
            assert not any(
                f"SCAN {table}" in plan or f"Seq Scan on {table}" in plan
                for table in ("inventory_product", "inventory_productcode")
            ), (query["sql"], plan)


def test_unknown_code_error_says_where_it_looked():
    # when a code is unknown, then the error names the code and the three places
    error = UnknownProductCode("XYZ", field="barcode")
    assert error.message == (
        "No product has the code 'XYZ' (looked in barcodes, SKUs and alternative codes)."
    )
    assert (error.status, error.code, list(error.fields)) == (400, "invalid", ["barcode"])


# --- one code, one product -------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (
            "6901234500035",
            "'6901234500035' is already the barcode of VALVE-DN25 · 不锈钢球阀 DN25.",
        ),
        ("valve-dn25", "'valve-dn25' is already the SKU of VALVE-DN25 · 不锈钢球阀 DN25."),
        (
            " 6925678000128 ",
            "'6925678000128' is already an alternative code of PUMP-100 · 离心水泵 100W.",
        ),
    ],
)
def test_a_code_another_product_answers_to_is_refused_naming_that_product(
    valve, pump, code, message
):
    # given a third product
    gauge = ProductFactory(sku="GAUGE-10", barcode="6901234500066")
    # when it is given a code the valve or the pump already answers to
    with pytest.raises(ProductCodeTaken) as refused:
        services.product_code_add(product=gauge, code=code)
    # then it is refused, naming the product that has it, and nothing is stored
    assert refused.value.message == message
    assert refused.value.fields == {"code": [message]}
    assert not gauge.codes.exists()


def test_a_code_repeating_the_products_own_barcode_or_sku_is_refused(valve):
    # when the valve is given its own SKU or barcode as an alternative code
    for code in ("VALVE-DN25", valve.barcode):
        with pytest.raises(ProductCodeTaken):
            services.product_code_add(product=valve, code=code)
    # then nothing is stored: a second row would add nothing
    assert not valve.codes.exists()


def test_ambiguous_codes_are_impossible_so_each_code_names_one_product(valve, pump):
    # given every code of both products
    codes = [valve.barcode, valve.sku, pump.barcode, pump.sku, "6925678000128"]
    # when any of them is offered to another product, as any kind of code
    other = ProductFactory(sku="OTHER-1", barcode=None)
    for code in codes:
        for variant in (code, code.lower()):
            for as_kind in ("barcode", "sku", "code"):
                with pytest.raises(ProductCodeTaken):
                    services.product_code_ensure_free(
                        code=variant, product=other, as_kind=as_kind, field=as_kind
                    )
    # then each code still names exactly one product
    for code in codes:
        assert len(selectors.code_uses(code=code)) == 1, code


def test_the_database_refuses_the_same_alternative_code_in_another_case(pump):
    # when a code is stored twice, past the service, differing only in case
    ProductCode.objects.create(product=pump, code="WH-A7")
    with pytest.raises(IntegrityError), transaction.atomic():
        ProductCode.objects.create(product=ProductFactory(), code="wh-a7")


def test_an_empty_code_is_refused(pump):
    with pytest.raises(Exception) as refused:
        services.product_code_add(product=pump, code="  ")
    assert refused.value.code == "invalid"
    assert pump.codes.count() == 1


# --- the admin: alternative codes as an inline of the product ---------------------


def inline(product=None, rows=(), initial=0):
    """The POST of the product page with its alternative-code rows."""
    data = {
        "name": product.name if product else "新产品",
        "barcode": (product.barcode or "") if product else "",
        "unit": "pcs",
        "list_price": "10.00",
        "is_active": "on",
        "codes-TOTAL_FORMS": str(len(rows)),
        "codes-INITIAL_FORMS": str(initial),
        "codes-MIN_NUM_FORMS": "0",
        "codes-MAX_NUM_FORMS": "1000",
        "stock_items-TOTAL_FORMS": "0",
        "stock_items-INITIAL_FORMS": "0",
        "stock_items-MIN_NUM_FORMS": "0",
        "stock_items-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"codes-{i}-{key}"] = value
    return data


def test_alternative_codes_are_edited_on_the_product_page(client, root, valve):
    # given the product page in the admin
    client.force_login(root)
    page = client.get(product_change(valve))
    assert page.status_code == 200
    assert "codes-TOTAL_FORMS" in page.content.decode()
    # when a supplier's EAN is added with a note
    row = {"code": " 4006381333931 ", "kind": "supplier_ean", "note": "德国供应商"}
    response = client.post(product_change(valve), inline(valve, [row]))
    # then it is stored, trimmed, and a scan of it finds the valve
    assert response.status_code == 302, response.context and response.context["errors"]
    assert list(valve.codes.values_list("code", "kind", "note")) == [
        ("4006381333931", "supplier_ean", "德国供应商")
    ]
    assert selectors.product_by_code(code="4006381333931") == valve
    # and the product list finds the valve by it too
    found = client.get(reverse("admin:inventory_product_changelist"), {"q": "4006381333931"})
    assert list(found.context["cl"].result_list) == [valve]


def test_the_admin_refuses_a_code_that_is_another_products_sku(client, root, valve, pump):
    # given the pump's page
    client.force_login(root)
    # when the valve's SKU, in lower case, is entered as the pump's code
    rows = [
        {"id": str(pump.codes.get().pk), "code": "6925678000128", "kind": "supplier_ean"},
        {"code": "valve-dn25", "kind": "internal_label"},
    ]
    response = client.post(product_change(pump), inline(pump, rows, initial=1))
    # then the page says which product has it, and nothing changes
    assert response.status_code == 200
    assert "&#x27;valve-dn25&#x27; is already the SKU of VALVE-DN25" in response.content.decode()
    assert list(pump.codes.values_list("code", flat=True)) == ["6925678000128"]


def test_the_admin_refuses_the_same_code_twice_in_one_save(client, root, valve):
    client.force_login(root)
    rows = [{"code": "WH-B1", "kind": "other"}, {"code": "wh-b1", "kind": "other"}]
    response = client.post(product_change(valve), inline(valve, rows))
    assert response.status_code == 200
    assert "This code is entered twice." in response.content.decode()
    assert not valve.codes.exists()


def test_the_admin_refuses_a_barcode_or_sku_that_is_another_products_code(client, root, pump):
    # when a new product takes the pump's supplier EAN as its barcode
    client.force_login(root)
    data = {**inline(), "sku": "NEW-1", "barcode": "6925678000128"}
    response = client.post(PRODUCT_ADD, data)
    # then it is refused, naming the pump
    assert response.status_code == 200
    assert "is already an alternative code of PUMP-100" in response.content.decode()
    # and so is its SKU in another case, while a free one is saved
    response = client.post(PRODUCT_ADD, {**inline(), "sku": "pump-100", "barcode": ""})
    assert "is already the SKU of PUMP-100" in response.content.decode()
    response = client.post(PRODUCT_ADD, {**inline(), "sku": "NEW-1", "barcode": ""})
    assert response.status_code == 302
    assert Product.objects.get(sku="NEW-1").barcode is None


def test_keeping_its_own_barcode_is_not_a_conflict(client, root, pump):
    # when the pump is saved again unchanged, then it is saved
    client.force_login(root)
    rows = [{"id": str(pump.codes.get().pk), "code": "6925678000128", "kind": "supplier_ean"}]
    response = client.post(product_change(pump), inline(pump, rows, initial=1))
    assert response.status_code == 302
