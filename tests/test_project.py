"""The project as a whole: settings, the roles, the demo data."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError

from orders.models import Order, OrderStatus
from orders.roles import ROLE_PERMISSIONS

ROOT = Path(__file__).resolve().parent.parent


def _clean_env():
    """The environment a production process would have: no test-only switches
    (the browser tests set DJANGO_ALLOW_ASYNC_UNSAFE, which check --deploy flags)."""
    drop = {"SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return {k: v for k, v in os.environ.items() if k not in drop}


def _manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**_clean_env(), "DJANGO_SETTINGS_MODULE": "orders_site.settings.production", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={
            **env,
            "DJANGO_SETTINGS_MODULE": "orders_site.settings.production",
            "ALLOWED_HOSTS": "x",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_passes_check_deploy():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={
            "SECRET_KEY": "x" * 20 + "a-long-random-production-like-secret-value-!@#",
            "ALLOWED_HOSTS": "orders.example.com",
        },
    )
    assert result.returncode == 0, result.stderr + result.stdout


@pytest.mark.django_db
def test_roles_exist_with_their_permissions():
    for role, perms in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role)
        have = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
        assert have == set(perms)


@pytest.mark.django_db
def test_seed_demo_fills_every_state_and_is_repeatable():
    call_command("seed_demo", "--password", "pw", stdout=open(os.devnull, "w"))
    call_command("seed_demo", "--password", "pw", stdout=open(os.devnull, "w"))
    states = set(Order.objects.values_list("status", flat=True))
    assert states == set(OrderStatus.values)
    from django.contrib.auth import authenticate

    for username in [
        "sales",
        "manager",
        "warehouse",
        "logistics",
        "aftersales",
        "integration",
        "admin",
    ]:
        assert authenticate(username=username, password="pw") is not None, username


@pytest.mark.django_db
def test_seed_demo_refuses_production(settings):
    settings.SETTINGS_MODULE = "orders_site.settings.production"
    with pytest.raises(CommandError, match="production"):
        call_command("seed_demo")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "landing"),
    [
        ("Sales", "/orders/"),
        ("Sales Manager", "/admin/orders/order/review-queue/"),
        ("Warehouse", "/warehouse/"),
        ("Logistics", "/logistics/"),
        ("After-sales", "/after-sales/follow-ups/"),
    ],
)
def test_login_lands_on_the_screen_of_the_job(client, role, landing):
    from tests.factories import UserFactory

    UserFactory(username="someone", roles=[role], is_staff=role == "Sales Manager")
    response = client.post(
        "/accounts/login/", {"username": "someone", "password": "pw"}, follow=True
    )
    assert response.redirect_chain[-1][0] == landing
    # "/" (the address `make run` prints) sends each role to the same place
    assert client.get("/", follow=True).redirect_chain[-1][0] == landing
    # and so does a login that came from "/" (next=/)
    client.logout()
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/login/?next=/"
    response = client.post(
        "/accounts/login/?next=/", {"username": "someone", "password": "pw"}, follow=True
    )
    assert response.redirect_chain[-1][0] == landing
