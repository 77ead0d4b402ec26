"""Brute-force protection (issue 11 item 5): failed sign-ins lock an account
per address and an address over all accounts, on the site login and the admin
login; bad API tokens lock the address out of the API for a while."""

import pytest
from axes.models import AccessAttempt
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from integrations.services import api_token_issue
from orders_site.lockout import client_address
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SITE = "/accounts/login/"
ADMIN = "/admin/login/"
LOCKED = (
    "Too many failed sign-ins for this account. Try again in 15 minutes "
    "or ask an administrator to unlock it."
)
WRONG = "Please enter a correct username and password"


@pytest.fixture(autouse=True)
def empty_cache():
    # The token counters live in the cache, which outlives a test's database.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def alice(db):
    return UserFactory(username="alice", roles=["Sales"])  # password "pw"


def browser(address="203.0.113.10", **extra) -> Client:
    return Client(REMOTE_ADDR=address, **extra)


def sign_in(client: Client, username: str, password: str, url: str = SITE):
    return client.post(url, {"username": username, "password": password})


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


# --- the site login -----------------------------------------------------------


def test_site_login_locks_an_account_after_ten_failures_even_for_the_right_password(alice):
    # given nine wrong passwords for alice from one address, each told so
    client = browser()
    for _ in range(9):
        response = sign_in(client, "alice", "wrong")
        assert response.status_code == 200
        assert WRONG in response.content.decode()
    # when the tenth is wrong too, then the account is locked from there
    tenth = sign_in(client, "alice", "wrong")
    assert tenth.status_code == 429
    # and the next attempt is refused even with the right password
    response = sign_in(client, "alice", "pw")
    assert response.status_code == 429
    page = response.content.decode()
    assert LOCKED in page
    assert WRONG not in page
    assert 'name="username"' in page  # still the login page, to try again later
    assert response["Retry-After"] == "900"
    assert not signed_in(client)


def test_the_lock_is_per_address_for_one_account(alice):
    # given alice locked from one address
    for _ in range(10):
        sign_in(browser(), "alice", "wrong")
    assert sign_in(browser(), "alice", "pw").status_code == 429
    # when she signs in from another address, then she gets in
    elsewhere = browser("198.51.100.20")
    assert sign_in(elsewhere, "alice", "pw").status_code == 302
    assert signed_in(elsewhere)


def test_x_forwarded_for_is_not_trusted_without_a_trusted_proxy(alice, settings):
    # given no trusted proxy, a guesser inventing a new X-Forwarded-For for every try
    settings.TRUSTED_PROXIES = []
    for i in range(10):
        client = browser(HTTP_X_FORWARDED_FOR=f"192.0.2.{i + 1}")
        sign_in(client, "alice", "wrong")
    # then the tries still count against its real address
    response = sign_in(browser(HTTP_X_FORWARDED_FOR="192.0.2.99"), "alice", "pw")
    assert response.status_code == 429


def test_client_address_reads_x_forwarded_for_only_from_trusted_proxies(rf, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    forwarded = "192.0.2.66, 203.0.113.7, 10.0.0.3"
    # from the trusted proxy: the first hop from the right that is not a proxy
    via_proxy = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(via_proxy) == "203.0.113.7"
    # straight from the internet: the header is whatever the client wrote
    direct = rf.get("/", REMOTE_ADDR="198.51.100.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(direct) == "198.51.100.1"
    # a hop that is not an address ends the walk at the proxy that received it
    garbage = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="junk, 10.0.0.9")
    assert client_address(garbage) == "10.0.0.9"


def test_an_address_is_locked_after_thirty_failures_over_many_usernames(alice):
    # given thirty wrong passwords from one address, three each for ten usernames
    client = browser()
    statuses = [
        sign_in(client, f"guess{i}", "wrong").status_code for i in range(10) for _ in range(3)
    ]
    assert statuses == [200] * 29 + [429]
    # then nobody signs in from that address, not even with the right password
    response = sign_in(client, "alice", "pw")
    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    # and other addresses are not affected
    assert sign_in(browser("198.51.100.20"), "alice", "pw").status_code == 302


def test_success_resets_the_accounts_count(alice):
    # given nine failures, then the right password
    client = browser()
    for _ in range(9):
        assert sign_in(client, "alice", "wrong").status_code == 200
    assert sign_in(client, "alice", "pw").status_code == 302
    # then she has ten tries again: nine more are only "wrong"
    client = browser()
    for _ in range(9):
        assert sign_in(client, "alice", "wrong").status_code == 200
    # and the tenth locks, as the first ten did
    assert sign_in(client, "alice", "wrong").status_code == 429


def test_success_does_not_reset_other_accounts_failures_from_the_address(alice):
    # given 29 failures from one address against other accounts
    client = browser()
    for i in range(29):
        assert sign_in(client, f"victim{i % 5}", "wrong").status_code == 200
    # when the guesser signs in with an account of its own
    assert sign_in(client, "alice", "pw").status_code == 302
    # then the address's count stands: the next failure locks it
    assert sign_in(browser(), "victim0", "wrong").status_code == 429


# --- the admin login ------------------------------------------------------------


def test_admin_login_locks_an_account_after_ten_failures(db):
    UserFactory(username="boss", is_staff=True, is_superuser=True)
    client = browser()
    statuses = [sign_in(client, "boss", "wrong", ADMIN).status_code for _ in range(10)]
    assert statuses == [200] * 9 + [429]
    # the right password is refused, on the admin's own login page
    response = sign_in(client, "boss", "pw", ADMIN)
    assert response.status_code == 429
    page = response.content.decode()
    assert LOCKED in page
    assert 'id="login-form"' in page  # the admin's login form
    assert not signed_in(client)


def test_site_and_admin_failures_add_up(alice):
    # the same account, the same address: the two doors share one count
    client = browser()
    for _ in range(5):
        sign_in(client, "alice", "wrong")
    for _ in range(5):
        sign_in(client, "alice", "wrong", ADMIN)
    assert sign_in(client, "alice", "pw").status_code == 429


# --- unlocking ------------------------------------------------------------------------


def lock(username: str, client: Client) -> None:
    for _ in range(10):
        sign_in(client, username, "wrong")
    assert sign_in(client, username, "pw").status_code == 429


def test_the_reset_command_unlocks_an_account(alice):
    client = browser()
    lock("alice", client)
    # when an administrator runs the reset command for her
    call_command("axes_reset_username", "alice", stdout=open("/dev/null", "w"))
    # then she signs in with her password
    assert sign_in(client, "alice", "pw").status_code == 302
    assert signed_in(client)


def test_deleting_the_access_attempts_in_the_admin_unlocks_an_account(alice, admin_client):
    client = browser()
    lock("alice", client)
    attempts = list(AccessAttempt.objects.filter(username="alice").values_list("pk", flat=True))
    assert attempts
    # when an administrator deletes her access attempts in the admin
    changelist = "/admin/axes/accessattempt/"
    assert "alice" in admin_client.get(changelist).content.decode()
    response = admin_client.post(
        changelist,
        {"action": "delete_selected", "_selected_action": attempts, "post": "yes"},
    )
    assert response.status_code == 302
    # then she signs in again
    assert sign_in(client, "alice", "pw").status_code == 302


# --- API tokens ----------------------------------------------------------------------


def api(address: str, key: str) -> APIClient:
    client = APIClient(REMOTE_ADDR=address)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_twenty_bad_tokens_lock_the_address_out_of_the_api(integration):
    _token, good = api_token_issue(user=integration)
    guesser = "198.51.100.7"
    # given requests with a valid token from an address, which do not count
    for _ in range(5):
        assert api(guesser, good).get("/api/v1/orders/").status_code == 200
    # and twenty bad tokens from it, each a plain 401
    for i in range(20):
        response = api(guesser, f"guess-{i}").get("/api/v1/orders/")
        assert response.status_code == 401, i
    # when the 21st comes, then it is told to wait, in the one error shape
    response = api(guesser, "guess-21").get("/api/v1/orders/")
    assert response.status_code == 429
    body = response.json()
    assert set(body) == {"code", "message", "fields"}
    assert body["code"] == "throttled"
    assert body["fields"] == {}
    assert "Too many invalid API tokens" in body["message"]
    assert 0 < int(response["Retry-After"]) <= 600
    # and a valid token from that address is refused too for the cool-off
    assert api(guesser, good).get("/api/v1/orders/").status_code == 429
    # while other addresses are not affected
    assert api("203.0.113.50", good).get("/api/v1/orders/").status_code == 200
    assert api("203.0.113.51", "guess-x").get("/api/v1/orders/").status_code == 401


def test_malformed_token_headers_count_too(integration):
    _token, good = api_token_issue(user=integration)
    for _ in range(20):
        client = APIClient(REMOTE_ADDR="198.51.100.9")
        client.credentials(HTTP_AUTHORIZATION="Token two parts")
        assert client.get("/api/v1/orders/").status_code == 401
    assert api("198.51.100.9", good).get("/api/v1/orders/").status_code == 429
