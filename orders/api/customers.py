"""``/api/v1/customers/``: the customers an order names (process 1.2)."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from integrations.api_docs import ERRORS, IDEMPOTENCY_PARAM, IDEMPOTENT_CREATE_ERRORS
from integrations.idempotency import IdempotentCreateMixin
from integrations.permissions import ModelPermissions

from .. import selectors, services
from ..models import Customer, CustomerEvent


class CustomerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Customer
        fields = ["id", *services.CUSTOMER_FIELDS, "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs = {
            "credit_limit": {
                "help_text": _("Only a sales manager may set it (403 forbidden otherwise).")
            },
            "payment_terms": {
                "help_text": _("Only a sales manager may set it (403 forbidden otherwise).")
            },
        }


class CustomerEventSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()
    changes = serializers.ListField(
        child=serializers.DictField(),
        help_text=_('What changed: [{"field", "from", "to"}].'),
    )

    class Meta:
        model = CustomerEvent
        fields = ["id", "kind", "actor", "changes", "created_at"]

    def get_actor(self, event) -> str | None:
        return event.actor.get_username() if event.actor else None


class CustomerFilter(filters.FilterSet):
    q = filters.CharFilter(method="search", label=_("Name, company or phone contains"))
    province = filters.ChoiceFilter(choices=Customer._meta.get_field("province").choices)

    class Meta:
        model = Customer
        fields = []

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(name__icontains=value) | Q(company__icontains=value) | Q(phone__icontains=value)
        )


@extend_schema_view(
    list=extend_schema(summary="List customers", responses={200: CustomerSerializer, **ERRORS}),
    retrieve=extend_schema(summary="A customer", responses={200: CustomerSerializer, **ERRORS}),
    create=extend_schema(
        summary="Create a customer",
        parameters=[IDEMPOTENCY_PARAM],
        responses={201: CustomerSerializer, **IDEMPOTENT_CREATE_ERRORS},
    ),
    partial_update=extend_schema(
        summary="Update a customer", responses={200: CustomerSerializer, **ERRORS}
    ),
)
class CustomerViewSet(
    IdempotentCreateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = CustomerSerializer
    permission_classes = [ModelPermissions]
    filterset_class = CustomerFilter
    ordering_fields = ["name", "created_at", "updated_at"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        # An Integration client sees the customers it entered and those its
        # orders name (selectors.customers_visible_to); staff see all.
        return selectors.customers_visible_to(user=self.request.user).order_by("name", "pk")

    def create(self, request):
        payload = CustomerSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        customer = services.customer_create(user=request.user, **payload.validated_data)
        return Response(CustomerSerializer(customer).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        customer = self.get_object()
        payload = CustomerSerializer(customer, data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        customer = services.customer_update(
            customer=customer, user=request.user, **payload.validated_data
        )
        return Response(CustomerSerializer(customer).data)

    @extend_schema(
        summary="A customer's timeline: who changed what, from, to",
        responses={200: CustomerEventSerializer(many=True), **ERRORS},
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def events(self, request, pk=None):
        customer = self.get_object()
        events = customer.events.select_related("actor").order_by("created_at", "pk")
        return Response(CustomerEventSerializer(events, many=True).data)
