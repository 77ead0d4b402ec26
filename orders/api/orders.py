"""``/api/v1/orders/``: the order resource with the core's own steps
(intake, review, cancel, archive) and reads. The stages add theirs as mixins
(``warehouse.api.WarehouseOrderActions`` …), put together in
``orders_site.api_urls``.

Orders are addressed by their public number. Every step is
``POST /api/v1/orders/{number}/{step-name}/`` and calls the same service,
with the same permission rules, as the web UI and the admin.
"""

from __future__ import annotations

from django.db.models import Prefetch, prefetch_related_objects
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response

from integrations.api_docs import (
    CONFLICT,
    ERRORS,
    IDEMPOTENCY_PARAM,
    IDEMPOTENT_CREATE_ERRORS,
    ErrorSerializer,
)
from integrations.filters import IdFilter, IsoDateTimeFilter
from integrations.idempotency import IdempotentCreateMixin
from integrations.permissions import ModelPermissions, ViewPermission

from .. import selectors, services
from ..models import Order, OrderLine, OrderStatus
from ..transitions import refuse_archived
from .serializers import (
    AdjustmentSerializer,
    CancelSerializer,
    ContactInSerializer,
    NewOrderSerializer,
    OrderDetailSerializer,
    OrderEventSerializer,
    OrderInSerializer,
    OrderPatchSerializer,
    OrderSerializer,
)
from .steps import read_access, step_action


class OrderFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(choices=OrderStatus.choices)
    customer = IdFilter(field_name="customer_id")
    salesperson = filters.CharFilter(field_name="salesperson__username")
    channel = filters.ChoiceFilter(choices=Order.Channel.choices)
    created_after = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    updated_since = IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    external_ref = filters.CharFilter()

    class Meta:
        model = Order
        fields = []


def _order_queryset(visible):
    lines = OrderLine.objects.select_related("product").order_by("pk")
    return visible.select_related("customer", "salesperson").prefetch_related(
        Prefetch("lines", queryset=lines)
    )


@extend_schema_view(
    list=extend_schema(
        summary="List orders", responses={200: OrderSerializer(many=True), **ERRORS}
    ),
    retrieve=extend_schema(summary="An order", responses={200: OrderDetailSerializer, **ERRORS}),
    create=extend_schema(
        summary="Create an order (draft)",
        request=OrderInSerializer,
        parameters=[IDEMPOTENCY_PARAM],
        responses={
            201: OrderDetailSerializer,
            **ERRORS,
            409: OpenApiResponse(
                ErrorSerializer, description=_("duplicate_external_ref, with `number`.")
            ),
            422: IDEMPOTENT_CREATE_ERRORS[422],
        },
    ),
    partial_update=extend_schema(
        summary="Amend an order (draft or needs_adjustment only)",
        request=OrderPatchSerializer,
        responses={200: OrderDetailSerializer, **ERRORS, 409: CONFLICT},
    ),
)
class OrderViewSet(
    IdempotentCreateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    lookup_field = "number"
    lookup_value_regex = r"[A-Za-z0-9-]+"
    serializer_class = OrderSerializer
    permission_classes = [ModelPermissions]
    filterset_class = OrderFilter
    ordering_fields = ["created_at", "updated_at", "number", "total", "requested_delivery_date"]
    ordering = ["-created_at", "-pk"]
    http_method_names = ["get", "post", "patch", "head", "options"]
    queryset = Order.objects.none()  # for the schema and ModelPermissions; see get_queryset

    _visible = None

    def _visible_orders(self):
        # The orders this user may see, decided once per request (a view
        # instance serves one request): a transition reads it twice.
        if self._visible is None:
            self._visible = selectors.orders_visible_to(user=self.request.user)
        return self._visible

    def get_queryset(self):
        # The detail shows the order's shipments and packages (shipping's
        # rows, read through the order's relations: the core imports no stage).
        shipments = Order._meta.get_field("shipments").related_model.objects
        shipments = shipments.select_related("carrier", "service", "proposed_carrier")
        return _order_queryset(self._visible_orders()).prefetch_related(
            Prefetch("shipments", queryset=shipments.order_by("pk")), "packages"
        )

    def get_permissions(self):
        # Steps and contacts need only read access to the order here; the
        # service then checks the step's own permission (one rule set).
        if getattr(getattr(self, self.action or "", None), "read_access", False):
            return [ViewPermission()]
        return super().get_permissions()

    def get_serializer_class(self):
        return OrderSerializer if self.action == "list" else OrderDetailSerializer

    def list(self, request, *args, **kwargs):
        qs = self.filter_queryset(_order_queryset(self._visible_orders()).order_by(*self.ordering))
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(OrderSerializer(page, many=True).data)

    def get_object(self):
        # Only retrieve answers with the order it looks up. Every other detail
        # action hands it to a service, which re-reads and locks the row, and
        # answers through _detail: its lines, shipments and packages are not
        # read here.
        if self.action == "retrieve":
            return super().get_object()
        order = get_object_or_404(
            self.filter_queryset(self._visible_orders()),
            **{self.lookup_field: self.kwargs[self.lookup_field]},
        )
        self.check_object_permissions(self.request, order)
        if self.request.method not in SAFE_METHODS:
            # Documentation 5: an archived order answers 409 archived to every
            # write, before its input is validated (the service checks again
            # with the row locked).
            refuse_archived(order)
        return order

    def _detail(self, number: str) -> dict:
        order = get_object_or_404(self.get_queryset(), number=number)
        return OrderDetailSerializer(order, context=self.get_serializer_context()).data

    def _created(self, order: Order, lines: list[services.LineInput]) -> dict:
        """The detail of an order ``order_create`` just saved, without reading
        it back: its row, customer and salesperson are in hand, its lines are
        the ones it inserted (their products the validated ones), and a new
        draft has no shipment or package. Same fields and bytes as
        ``_detail``, for a fraction of its time."""
        products = {line.product.pk: line.product for line in lines}
        prefetch_related_objects([order], Prefetch("lines", OrderLine.objects.order_by("pk")))
        for row in order.lines.all():
            row.product = products[row.product_id]
        return NewOrderSerializer(order, context=self.get_serializer_context()).data

    def create(self, request, *args, **kwargs):
        payload = OrderInSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        order = services.order_intake(
            user=request.user,
            customer=data["customer"],
            channel=data["channel"],
            requested_delivery_date=data["requested_delivery_date"],
            payment_method=data["payment_method"],
            notes=data["notes"],
            external_ref=data["external_ref"],
            lines=data["lines"],
        )
        return Response(
            self._created(order, data["lines"]),
            status=status.HTTP_201_CREATED,
            headers={"Location": f"/api/v1/orders/{order.number}/"},
        )

    def partial_update(self, request, *args, **kwargs):
        order = self.get_object()
        payload = OrderPatchSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        fields = dict(payload.validated_data)
        lines = fields.pop("lines", None)
        services.order_update(order=order, user=request.user, lines=lines, **fields)
        return Response(self._detail(order.number))

    @extend_schema(
        summary="The order's audit timeline",
        responses={200: OrderEventSerializer(many=True), **ERRORS},
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def events(self, request, number=None):
        order = self.get_object()
        events = selectors.order_timeline(order=order)
        return Response(OrderEventSerializer(events, many=True).data)

    @extend_schema(
        summary="Record a customer contact (process 2.2)",
        request=ContactInSerializer,
        responses={201: OrderEventSerializer, 409: CONFLICT, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    @read_access
    def contacts(self, request, number=None):
        order = self.get_object()
        if not request.user.has_perm("orders.add_customercontact"):
            raise PermissionDenied(_("Your role may not record customer contacts."))
        payload = ContactInSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.order_record_contact(order=order, user=request.user, **payload.validated_data)
        event = order.events.order_by("-pk").first()
        return Response(OrderEventSerializer(event).data, status=status.HTTP_201_CREATED)

    # The core's steps: POST /api/v1/orders/{number}/{step-name}/. The
    # stages' steps come from their mixins (orders_site.api_urls).
    submit = step_action("submit")
    request_adjustment = step_action("request_adjustment", AdjustmentSerializer)
    resubmit = step_action("resubmit")
    approve = step_action("approve")
    cancel = step_action("cancel", CancelSerializer)
    archive = step_action("archive")
