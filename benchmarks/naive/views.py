"""The baselines' views. See the package docstring for what each stands for."""

from __future__ import annotations

import functools
import os
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponse, JsonResponse
from django.template import Context, Engine
from django.views.generic import ListView
from rest_framework import generics
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer

from orders.models import Order

from .. import middleware
from .serializers import OrderSerializer


class OrderListCreate(generics.ListCreateAPIView):
    """GET a page of orders with their lines; POST one with its lines."""

    queryset = Order.objects.all().order_by("-created_at", "-pk")
    serializer_class = OrderSerializer

    def perform_create(self, serializer):
        serializer.save(salesperson=self.request.user, created_by=self.request.user)


class OrderDetail(generics.RetrieveAPIView):
    """GET one order with its lines, by number."""

    queryset = Order.objects.all()
    serializer_class = OrderSerializer
    lookup_field = "number"


@functools.cache
def _plain_salesperson():
    # The reference has no user: its orders need a salesperson, looked up once.
    name = os.environ.get("BENCH_PLAIN_USER", "integration")
    return get_user_model().objects.get(username=name)


class PlainOrderCreate(generics.CreateAPIView):
    """BENCHMARK-ONLY REFERENCE, never to be routed in the product: an order
    with its lines through the bare nested ``ModelSerializer``, with no
    authentication, no permission, no throttle, no idempotency and DRF's own
    parser and renderer. The floor a DRF create of five lines stands on."""

    queryset = Order.objects.all()
    serializer_class = OrderSerializer
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []
    parser_classes = [JSONParser]
    renderer_classes = [JSONRenderer]

    def perform_create(self, serializer):
        user = _plain_salesperson()
        serializer.save(salesperson=user, created_by=user)


_PAGE = Engine.get_default().from_string(
    (Path(__file__).parent / "templates" / "plain_order_list.html").read_text()
)


class PlainOrderPage(LoginRequiredMixin, ListView):
    """The product's order list page, the plain Django way: a ``ListView`` of
    25 orders with the customer and salesperson joined, in a bare template
    (no site layout, navigation, filters or translations)."""

    queryset = Order.objects.select_related("customer", "salesperson").order_by(
        "-created_at", "-pk"
    )
    paginate_by = 25

    def render_to_response(self, context, **response_kwargs):
        return HttpResponse(_PAGE.render(Context(context)))


def stats(request):
    """The query counters summed over every gunicorn worker (their files)."""
    return JsonResponse(middleware.read_totals())
