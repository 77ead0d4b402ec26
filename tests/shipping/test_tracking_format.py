"""A refused tracking number names the carrier's format in words (issue 12,
item 5): on the logistics page, in the API and as help beside the field."""

import pytest
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from integrations.services import api_token_issue
from shipping.models import Carrier, tracking_pattern_words
from tests import flow
from tests.factories import UserFactory, make_order
from warehouse import services as warehouse_services

pytestmark = pytest.mark.django_db

SF_FORMAT = "顺丰速运 SF Express tracking numbers are SF + 12 digits (e.g. SF123456789012)."


@pytest.fixture
def root(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


@pytest.fixture
def packed(root, sales, customer, product):
    order = flow.walk_to(
        make_order(customer=customer, salesperson=sales, lines=[(product, 1)]), "packing", root
    )
    return warehouse_services.order_pack(order=order, user=root, packages=[{"weight_kg": "1.50"}])


@pytest.mark.parametrize(
    ("pattern", "words", "example"),
    [
        (r"SF\d{12}", "SF + 12 digits", "SF123456789012"),
        (r"7\d{13}", "7 + 13 digits", "71234567890123"),
        (r"DPK\d{12}", "DPK + 12 digits", "DPK123456789012"),
        (r"^JT\d{13}$", "JT + 13 digits", "JT1234567890123"),
        (r"[A-Z]{2}\d{9}CN", "2 letters + 9 digits + CN", "AB123456789CN"),
        (r"\d{10,12}", "10 to 12 digits", "123456789012"),
        (r"SF\d{12}|\d{15}", "SF + 12 digits or 15 digits", "SF123456789012"),
        (r"\d", "1 digit", "1"),
    ],
)
def test_simple_patterns_are_told_in_words_with_an_example_that_fits(pattern, words, example):
    assert tracking_pattern_words(pattern) == (words, example)


@pytest.mark.parametrize("pattern", [r".+", r"\d+", r"(JD|JDV)\d{10}", r"[a-f]{4}", r"SF\d{12"])
def test_an_intricate_pattern_is_quoted_not_guessed(pattern):
    # given a carrier whose pattern these words cannot say
    carrier = Carrier(name="Other", tracking_number_pattern=pattern)
    # then the sentence quotes the pattern as it is
    assert tracking_pattern_words(pattern) is None
    assert carrier.tracking_number_format == (
        f"Other tracking numbers must match the pattern {pattern}."
    )


def test_the_default_carriers_formats():
    formats = {c.code: c.tracking_number_format for c in Carrier.objects.all()}
    assert formats["sf"] == SF_FORMAT
    assert formats["zto"] == (
        "中通快递 ZTO Express tracking numbers are 7 + 13 digits (e.g. 71234567890123)."
    )
    assert formats["deppon"] == (
        "德邦物流 Deppon Freight tracking numbers are DPK + 12 digits (e.g. DPK123456789012)."
    )


def test_the_format_follows_the_pattern_the_admin_sets():
    sf = Carrier.objects.get(code="sf")
    sf.tracking_number_pattern = r"SF\d{15}"
    assert "SF + 15 digits (e.g. SF123456789012345)" in sf.tracking_number_format


def test_the_format_is_told_in_the_readers_language():
    sf = Carrier.objects.get(code="sf")
    with translation.override("zh-hans"):
        chinese = sf.tracking_number_format
    # the carrier's name, the pattern's letters and the example stay as they are
    assert "顺丰速运 SF Express" in chinese and "SF123456789012" in chinese


def test_the_refusal_names_the_format_on_the_logistics_page(client, logistics, packed):
    client.force_login(logistics)
    url = reverse("shipping:ship", kwargs={"number": packed.number})
    data = {
        f"ship-{packed.pk}-carrier": "sf",
        f"ship-{packed.pk}-tracking_number": "SF12",
    }
    # when logistics records a number that is not an SF number
    response = client.post(url, data)
    # then both the refusal and the format are next to the field
    assert response.status_code == 400
    form = next(r["form"] for r in response.context["rows"] if r["order"] == packed)
    assert form.errors["tracking_number"] == [
        "SF12 is not a 顺丰速运 SF Express tracking number.",
        SF_FORMAT,
    ]


def test_the_refusal_names_the_format_in_the_api(logistics, packed):
    _token, key = api_token_issue(user=logistics)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api.post(
        f"/api/v1/orders/{packed.number}/ship/",
        {"carrier": "sf", "tracking_number": "SF-123"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["fields"]["tracking_number"] == [
        "SF-123 is not a 顺丰速运 SF Express tracking number.",
        SF_FORMAT,
    ]


def test_the_field_shows_every_carriers_format_as_help(client, logistics, packed):
    client.force_login(logistics)
    html = client.get(reverse("shipping:packed")).content.decode()
    field_id = f"id_ship-{packed.pk}-tracking_number"
    # the input is described by the list of formats, one per carrier
    assert f'aria-describedby="{field_id}-formats"' in html
    assert f'id="{field_id}-formats"' in html
    for code in ("sf", "zto", "deppon"):
        assert f'data-carrier-format="{code}"' in html
    assert "SF + 12 digits (e.g. SF123456789012)" in html


def test_the_order_pages_ship_form_shows_the_formats_too(client, logistics, packed):
    client.force_login(logistics)
    html = client.get(reverse("orders:detail", kwargs={"number": packed.number})).content.decode()
    assert SF_FORMAT in html
