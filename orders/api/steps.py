"""The one way a step of the order's state machine becomes an API call:
``POST /api/v1/orders/{number}/{step-name}/`` validates its input, calls the
service registered for the step (``orders.hooks.step``), and answers with the
order's detail. The core's steps and each stage's use it alike."""

from __future__ import annotations

from django.utils.text import capfirst
from rest_framework.response import Response

from integrations import actions
from integrations.api_docs import BUSINESS_RULE, CONFLICT, ERRORS

from .. import hooks, selectors
from .serializers import NoteSerializer, OrderDetailSerializer

TRANSITION_ERRORS = {**ERRORS, 409: CONFLICT, 422: BUSINESS_RULE}


def read_access(view):
    """The action needs only read access to the order: the service then
    checks the step's own permission (one rule set for every surface)."""
    view.read_access = True
    return view


def step_action(name: str, input_serializer=NoteSerializer):
    """The ``@action`` of step ``name`` for the order viewset, made by the
    one factory of every record's steps (``integrations.actions``)."""
    return read_access(
        actions.step_action(
            name,
            input_serializer=input_serializer,
            run=_run(name),
            respond=lambda view, order: Response(view._detail(order.number)),
            operation_id=f"orders_{name}",
            # Lazy: resolved when the schema is generated (in English), not at import.
            summary=capfirst(selectors.TRANSITION_LABELS[name]),
            responses={200: OrderDetailSerializer, **TRANSITION_ERRORS},
        )
    )


def _run(name: str):
    def run(view, request, order, data) -> None:
        hooks.get_step(name).service(order=order, user=request.user, **data)

    return run
