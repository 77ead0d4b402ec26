"""Shared fixtures, and the rule for tests that need real services.

Tests marked ``postgres``, ``redis`` or ``browser`` skip with a printed reason
when the service is missing on a developer's machine. With
``REQUIRE_SERVICES=1`` (CI) they never skip: a missing service fails them.
"""

import os
import shutil
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection

from tests.factories import (
    CustomerFactory,
    ProductFactory,
    UserFactory,
    WarehouseFactory,
    stock,
)

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
CHROMIUM = "/usr/bin/chromium"


def _missing(marker: str) -> str | None:
    if marker == "postgres" and connection.vendor != "postgresql":
        return "needs PostgreSQL: set DATABASE_URL=postgres://... (CI does)"
    if marker == "redis" and not settings.REDIS_URL:
        return "needs Redis: set REDIS_URL=redis://127.0.0.1:6379/15 (CI does)"
    if marker == "browser" and not shutil.which(CHROMIUM):
        return "needs Chromium at /usr/bin/chromium: apt-get install -y chromium"
    return None


def pytest_collection_modifyitems(config, items):
    for item in items:
        for marker in ("postgres", "redis", "browser"):
            if item.get_closest_marker(marker):
                reason = _missing(marker)
                if reason and not REQUIRE_SERVICES:
                    item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture
def warehouse(db):
    return WarehouseFactory(code="MAIN", is_default=True)


@pytest.fixture
def product(warehouse):
    p = ProductFactory(sku="WIDGET-1", list_price=Decimal("10.00"))
    stock(p, 100, warehouse=warehouse)
    return p


@pytest.fixture
def customer(db):
    return CustomerFactory()


@pytest.fixture
def sales(db):
    return UserFactory(username="sales", roles=["Sales"])


@pytest.fixture
def manager(db):
    return UserFactory(username="manager", roles=["Sales Manager"], is_staff=True)


@pytest.fixture
def warehouse_user(db):
    return UserFactory(username="warehouse", roles=["Warehouse"])


@pytest.fixture
def logistics(db):
    return UserFactory(username="logistics", roles=["Logistics"])


@pytest.fixture
def aftersales(db):
    return UserFactory(username="aftersales", roles=["After-sales"])


@pytest.fixture
def integration(db):
    return UserFactory(username="integration", roles=["Integration"])


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    """In CI (REQUIRE_SERVICES=1) a skipped test is a failure: nothing may
    quietly not run there."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if REQUIRE_SERVICES and skipped and session.exitstatus == 0:
        reporter.write_line(f"REQUIRE_SERVICES=1 but {skipped} test(s) were skipped", red=True)
        session.exitstatus = 1
