"""How the order core and the stages talk without the core importing a stage.

The core (``orders``) owns the Order, its state machine and the one
transition primitive (``orders.transitions.transition``). The stages
(``warehouse``, ``shipping``, ``aftersales``, ``archive``) sit above it and
import it; the core never imports them. Where the core must reach a stage it
goes through this registry, which each stage fills in its
``AppConfig.ready()`` by plain function calls (no Django signals, nothing
found by magic). ``registered()`` lists every entry, and
``tests/test_architecture.py`` pins the list, so a hook cannot appear
unnoticed; docs/ARCHITECTURE.md names each one.

Three kinds of entry:

``step(name, service, form=...)``
    The service that runs transition ``name`` of the order's state machine
    (the core's own for intake and review, a stage's for the rest), with the
    input form the order page shows. The order page, the admin and
    ``POST /api/v1/orders/{number}/{step}/`` call the step through here, so
    they run exactly the stage's service.

``after(name, handler)``
    ``handler(order=, user=)`` runs inside transition ``name``'s transaction,
    after the state flipped and before the audit event is written; the dict
    it returns is added to the event's data. It raises to refuse, which rolls
    the whole transition back. Example: ``aftersales`` schedules the
    follow-ups when ``confirm_delivery`` happens.

``provide(question, answer)``
    A question the core asks and a stage answers: ``transit_days`` (the
    earliest feasible delivery date needs the carrier rules of ``shipping``)
    and ``order_page`` (each stage adds its part of the order page's context:
    after-sales cases, shipments). A question with several answers gets them
    all, in registration order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from .models import Order


@dataclass(frozen=True)
class Step:
    name: str
    service: Callable[..., Any]
    form: type | None = None

    @property
    def owner(self) -> str:
        return self.service.__module__.split(".")[0]


@dataclass(frozen=True)
class Handler:
    name: str
    handler: Callable[..., dict | None]

    @property
    def owner(self) -> str:
        return f"{self.handler.__module__}.{self.handler.__qualname__}"


_steps: dict[str, Step] = {}
_after: dict[str, list[Handler]] = {}
_answers: dict[str, list[Callable[..., Any]]] = {}

#: The questions the core asks (a typo in a stage's ``provide`` is an error).
QUESTIONS = ("transit_days", "order_page")


def step(name: str, service: Callable[..., Any], *, form=None) -> None:
    """Register the service that runs transition ``name``."""
    if name not in transition_names(Order):
        raise ImproperlyConfigured(f"{name!r} is no transition of the order's state machine")
    if name in _steps and _steps[name].service is not service:
        raise ImproperlyConfigured(f"step {name!r} is already run by {_steps[name].service}")
    _steps[name] = Step(name=name, service=service, form=form)


def after(name: str, handler: Callable[..., dict | None]) -> None:
    """Run ``handler(order=, user=)`` inside transition ``name``, after the flip."""
    handlers = _after.setdefault(name, [])
    if all(h.handler is not handler for h in handlers):
        handlers.append(Handler(name=name, handler=handler))


def provide(question: str, answer: Callable[..., Any]) -> None:
    if question not in QUESTIONS:
        raise ImproperlyConfigured(f"the core asks no question {question!r}: {QUESTIONS}")
    answers = _answers.setdefault(question, [])
    if answer not in answers:
        answers.append(answer)


# --- what the core calls ------------------------------------------------------------


def get_step(name: str) -> Step:
    try:
        return _steps[name]
    except KeyError as exc:
        raise ImproperlyConfigured(
            f"no service runs the order step {name!r}: is its app in INSTALLED_APPS?"
        ) from exc


def steps() -> dict[str, Step]:
    """Every step, in the order the state machine declares its transitions."""
    return {name: get_step(name) for name in transition_names(Order)}


def run_after(name: str, *, order, user) -> dict:
    data: dict = {}
    for handler in _after.get(name, []):
        data.update(handler.handler(order=order, user=user) or {})
    return data


def ask(question: str, **kwargs: Any) -> list[Any]:
    """Every registered answer to ``question``."""
    return [answer(**kwargs) for answer in _answers.get(question, [])]


def ask_first(question: str, default: Any = None, **kwargs: Any) -> Any:
    """The first answer that is not None, else ``default``."""
    for answer in _answers.get(question, []):
        value = answer(**kwargs)
        if value is not None:
            return value
    return default


def transition_names(model) -> list[str]:
    """The transitions of ``model``'s state machine in the order the class
    declares them (the process's order). django-fsm's own listing is
    alphabetical."""
    names: list[str] = []
    for klass in reversed(model.__mro__):
        for name, attr in vars(klass).items():
            if hasattr(attr, "_django_fsm") and name not in names:
                names.append(name)
    return names


def registered() -> dict[str, Any]:
    """Everything registered, by owner: what docs/ARCHITECTURE.md describes."""
    return {
        "steps": {name: s.owner for name, s in _steps.items()},
        "after": {name: [h.owner for h in hs] for name, hs in _after.items()},
        "provide": {
            q: [f"{a.__module__}.{a.__qualname__}" for a in answers]
            for q, answers in _answers.items()
        },
    }
