"""The webhook URL guard on its own: which URLs it refuses and why, every
spelling of an inward address, and the operator's allow-list."""

import pytest
from django.core.exceptions import ValidationError

from notifications import urlguard

from .services import FakeDNS

PUBLIC = "93.184.216.34"


@pytest.fixture
def no_allowed_hosts(settings):
    """As in production: nothing is allowed beyond public addresses."""
    settings.NOTIFY_WEBHOOK_ALLOWED_HOSTS = []


@pytest.fixture
def dns(monkeypatch):
    return FakeDNS(monkeypatch)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://localhost:8000/",
        "http://LOCALHOST/",
        "http://[::1]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://0.0.0.0/",
        "http://[::]/",
        "http://[::ffff:127.0.0.1]/",  # IPv4-mapped
        "http://[::ffff:a9fe:a9fe]/",  # the metadata address, mapped
        "http://[2002:7f00:1::]/",  # 6to4 around 127.0.0.1
        "http://[64:ff9b::a9fe:a9fe]/",  # NAT64 around 169.254.169.254
        "http://2130706433/",  # 127.0.0.1 in decimal
        "http://0x7f000001/",  # ... in hex
        "http://0177.0.0.1/",  # ... in octal
        "http://127.1/",  # ... short
        "http://0/",  # 0.0.0.0
        "http://10.0.0.5/",
        "http://172.16.0.1/",
        "http://192.168.1.1/",
        "http://100.64.0.1/",  # shared (carrier-grade NAT)
        "http://[fc00::1]/",
        "http://[fe80::1]/",
        "http://224.0.0.1/",
        "http://[ff02::1]/",
        "http://240.0.0.1/",
        "http://255.255.255.255/",
    ],
)
def test_every_spelling_of_an_inward_address_is_refused(no_allowed_hosts, url):
    with pytest.raises(urlguard.URLNotAllowed) as refused:
        urlguard.destination_resolve(url)
    assert refused.value.code == "address"


def test_a_public_address_passes_with_what_to_connect_to(no_allowed_hosts):
    destination = urlguard.destination_resolve(f"https://{PUBLIC}/hooks/orders?v=1#frag")
    assert (destination.scheme, destination.host, destination.port) == ("https", PUBLIC, 443)
    assert destination.target == "/hooks/orders?v=1"
    assert [info[4][0] for info in destination.addresses] == [PUBLIC]


@pytest.mark.parametrize(
    "url, code",
    [
        ("ftp://shop.example.com/", "scheme"),
        ("file:///etc/passwd", "scheme"),
        ("gopher://shop.example.com:70/", "scheme"),
        ("https://user:secret@shop.example.com/", "credentials"),
        ("https://user@shop.example.com/", "credentials"),
        ("https://:@shop.example.com/", "credentials"),
        (f"https://user:secret@{PUBLIC}/", "credentials"),
        ("https://shop.example.com:99999/", "invalid"),
        ("https:///no-host", "invalid"),
    ],
)
def test_schemes_other_than_http_and_credentials_are_refused_before_any_lookup(
    no_allowed_hosts, dns, url, code
):
    with pytest.raises(urlguard.URLNotAllowed) as refused:
        urlguard.destination_resolve(url)
    assert refused.value.code == code
    assert dns.lookups == {}


def test_one_inward_address_among_public_ones_refuses_the_name(no_allowed_hosts, dns):
    dns.answer("hooks.example.com", PUBLIC, "10.1.2.3")
    with pytest.raises(urlguard.URLNotAllowed):
        urlguard.destination_resolve("https://hooks.example.com/")


def test_a_name_that_resolves_inward_is_refused_with_a_message_that_says_what_is_allowed(
    no_allowed_hosts, dns
):
    dns.answer("intranet.example.com", "192.168.10.4")
    with pytest.raises(ValidationError) as refused:
        urlguard.validate_webhook_url("https://intranet.example.com/hook")
    [message] = refused.value.messages
    assert "intranet.example.com" in message and "public" in message


def test_a_name_that_does_not_resolve_is_accepted_at_subscription_only(no_allowed_hosts):
    url = "https://not-yet.invalid/hook"
    urlguard.validate_webhook_url(url)  # no error: delivery checks again
    with pytest.raises(urlguard.HostNotFound):
        urlguard.destination_resolve(url)


def test_the_allow_list_matches_the_host_as_written(settings, dns):
    settings.NOTIFY_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1", "::1", "Hooks.Internal."]
    dns.answer("hooks.internal", "10.0.0.7")
    dns.answer("sneaky.example.com", "127.0.0.1")
    assert urlguard.destination_resolve("http://127.0.0.1:8080/").port == 8080
    assert urlguard.destination_resolve("http://[0:0::1]/").host == "0:0::1"  # by value
    resolved = urlguard.destination_resolve("http://hooks.internal/orders")
    assert [info[4][0] for info in resolved.addresses] == ["10.0.0.7"]
    # Another spelling, or another name for an allowed address, is not allowed.
    for url in ["http://2130706433/", "http://localhost/", "http://sneaky.example.com/"]:
        with pytest.raises(urlguard.URLNotAllowed):
            urlguard.destination_resolve(url)
    # Nor does the allow-list lift the scheme and credentials rules.
    with pytest.raises(urlguard.URLNotAllowed):
        urlguard.destination_resolve("http://user:pw@127.0.0.1/")
