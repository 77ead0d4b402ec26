"""The one way a step of a record's state machine becomes an API call:
``POST /api/v1/<resource>/{id}/{step-name}/`` looks the record up (the
view's ``get_object``: visibility, permissions, an archived order's 409),
validates the step's input, lets the caller's ``run`` do the work (a
service) and answers with the caller's ``respond``. Every app's steps use
it (the order's, the cases', the returns', the follow-ups'), so they read,
validate and document themselves alike."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response


def step_action(
    name: str,
    *,
    input_serializer: type,
    run: Callable[[Any, Any, Any, dict], Any],
    respond: Callable[[Any, Any], Response],
    responses: dict,
    summary: Any = None,
    description: Any = None,
    operation_id: str | None = None,
    url_path: str | None = None,
    input_context: Callable[[Any, Any], dict] | None = None,
):
    """The ``@action`` of step ``name`` for a viewset.

    ``run(view, request, obj, data)`` does the step on the record ``obj``
    with the validated input ``data``; ``respond(view, obj)`` builds the
    answer. ``input_context(view, obj)``, if given, is the input
    serializer's context. The route is ``url_path`` (default ``name`` with
    dashes), named the same. ``summary``, ``description`` and
    ``operation_id`` document the operation (left out, drf-spectacular's
    defaults); lazy texts are resolved when the schema is generated (in
    English), not at import.
    """
    path = url_path or name.replace("_", "-")

    # No docstring: drf-spectacular would make it the operation's description.
    def view(self, request, *args, **kwargs):
        obj = self.get_object()
        extra = {"context": input_context(self, obj)} if input_context else {}
        payload = input_serializer(data=request.data, **extra)
        payload.is_valid(raise_exception=True)
        run(self, request, obj, payload.validated_data)
        return respond(self, obj)

    # The name must be set before @action records it in the route mapping.
    view.__name__ = view.__qualname__ = name
    view = action(detail=True, methods=["post"], url_path=path, url_name=path)(view)
    return extend_schema(
        operation_id=operation_id,
        summary=summary,
        description=description,
        request=input_serializer,
        responses=responses,
    )(view)
