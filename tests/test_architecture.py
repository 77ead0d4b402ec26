"""The rooms of the code (docs/ARCHITECTURE.md) stay as drawn: the apps'
import layers and no import circles (import-linter's contracts in
pyproject.toml), every step of the order's state machine run by exactly the
app that owns it, nothing hooked into the core that the document does not
name, and no module of product code too long to find one's way in."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

from orders import hooks
from orders.models import Order

ROOT = pathlib.Path(__file__).resolve().parent.parent
APPS = [
    "orders_site",
    "feedback",
    "archive",
    "aftersales",
    "warehouse",
    "shipping",
    "orders",
    "inventory",
    "notifications",
    "integrations",
]
#: The longest a module of product code may grow (docs/ARCHITECTURE.md).
MODULE_MAX_LINES = 520


def _owner(dotted: str) -> str:
    return dotted.split(".")[0]


def test_the_import_contracts_hold():
    """``lint-imports`` (also run by ``make lint``): the order core imports no
    stage, each layer only what is below it, and the modules of one app form
    no circle. Its report names each offending import."""
    result = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "lint-imports"), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "Contracts: 2 kept, 0 broken." in result.stdout


def test_every_transition_is_run_by_the_app_that_owns_its_stage():
    owners = {name: step.owner for name, step in hooks.steps().items()}
    assert owners == {
        "submit": "orders",
        "request_adjustment": "orders",
        "resubmit": "orders",
        "approve": "orders",
        "cancel": "orders",
        "start_picking": "warehouse",
        "finish_picking": "warehouse",
        "report_shortage": "warehouse",
        "pass_qc": "warehouse",
        "fail_qc": "warehouse",
        "pack": "warehouse",
        "ship": "shipping",
        "confirm_delivery": "shipping",
        "complete": "aftersales",
        "archive": "orders",
    }
    # In the process's order, as the state machine declares them.
    assert list(owners) == [
        "submit",
        "request_adjustment",
        "resubmit",
        "approve",
        "cancel",
        "start_picking",
        "finish_picking",
        "report_shortage",
        "pass_qc",
        "fail_qc",
        "pack",
        "ship",
        "confirm_delivery",
        "complete",
        "archive",
    ]
    assert hooks.transition_names(Order) == list(owners)


def test_the_hooks_into_the_core_are_the_documented_ones():
    registered = hooks.registered()
    after = {name: [_owner(h) for h in handlers] for name, handlers in registered["after"].items()}
    provide = {q: [_owner(a) for a in answers] for q, answers in registered["provide"].items()}
    assert after == {"confirm_delivery": ["aftersales"]}
    assert provide == {"transit_days": ["shipping"], "order_page": ["aftersales"]}
    architecture = (ROOT / "docs" / "ARCHITECTURE.md").read_text()
    for name in ["confirm_delivery", "transit_days", "order_page"]:
        assert f"`{name}`" in architecture


def test_no_module_of_product_code_is_too_long():
    too_long = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            lines = len(path.read_text().splitlines())
            if lines > MODULE_MAX_LINES:
                too_long[str(path.relative_to(ROOT))] = lines
    assert not too_long, too_long
