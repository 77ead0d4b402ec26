"""The one way a step of the order's state machine becomes an API call:
``POST /api/v1/orders/{number}/{step-name}/`` validates its input, calls the
service registered for the step (``orders.hooks.step``), and answers with the
order's detail. The core's steps and each stage's use it alike."""

from __future__ import annotations

from django.utils.text import capfirst
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

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
    """The ``@action`` of step ``name`` for the order viewset."""

    def view(self, request, number=None):
        order = self.get_object()
        payload = input_serializer(data=request.data)
        payload.is_valid(raise_exception=True)
        hooks.get_step(name).service(order=order, user=request.user, **payload.validated_data)
        return Response(self._detail(order.number))

    # The name must be set before @action records it in the route mapping.
    view.__name__ = view.__qualname__ = name
    view = action(
        detail=True,
        methods=["post"],
        url_path=name.replace("_", "-"),
        url_name=name.replace("_", "-"),
    )(read_access(view))
    return extend_schema(
        operation_id=f"orders_{name}",
        # Lazy: resolved when the schema is generated (in English), not at import.
        summary=capfirst(selectors.TRANSITION_LABELS[name]),
        request=input_serializer,
        responses={200: OrderDetailSerializer, **TRANSITION_ERRORS},
    )(view)
