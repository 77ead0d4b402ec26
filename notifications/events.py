"""The events a webhook subscription can choose (``order.approved``, ...).

The catalogue belongs to the app that publishes the events, not to the
outbox: a publisher registers a source with ``webhook_events_register`` (in
its ``AppConfig.ready``), a callable that returns ``(name, label)`` pairs.
The API serializer and the admin form offer what the sources return.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

EventSource = Callable[[], Iterable[tuple[str, Any]]]

_sources: list[EventSource] = []


def webhook_events_register(source: EventSource) -> None:
    """Offer the events ``source`` returns to webhook subscriptions."""
    if source not in _sources:
        _sources.append(source)


def webhook_events() -> list[tuple[str, Any]]:
    return [event for source in _sources for event in source()]


def webhook_event_names() -> list[str]:
    return [name for name, _label in webhook_events()]
