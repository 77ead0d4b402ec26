"""``/api/v1/follow-ups/``: the calls sales makes after delivery (process
5.1), listed, read and recorded once."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.response import Response

from integrations.actions import step_action
from integrations.api_docs import ERRORS

from .. import selectors, services
from ..models import ContactChannel, FollowUp
from .shared import STEP_ERRORS, AfterSalesViewSet, OwnerFilter


class FollowUpSerializer(serializers.ModelSerializer):
    order = serializers.CharField(source="order.number", help_text=_("The order's number."))
    customer_name = serializers.CharField(source="order.customer.name")
    customer_phone = serializers.CharField(source="order.customer.phone")
    owner = serializers.IntegerField(source="owner_id", help_text=_("Who makes the call."))
    owner_username = serializers.CharField(source="owner.username")
    done_by = serializers.CharField(source="done_by.username", allow_null=True, default=None)

    class Meta:
        model = FollowUp
        fields = [
            "id",
            "order",
            "customer_name",
            "customer_phone",
            "owner",
            "owner_username",
            "offset_days",
            "due_on",
            "status",
            "channel",
            "usage",
            "satisfaction",
            "notes",
            "done_at",
            "done_by",
            "created_at",
        ]
        # The schema's titles are ASCII (integrations.schema): the model's
        # verbose name has an en dash.
        extra_kwargs = {"satisfaction": {"label": _("Satisfaction (1-5)")}}


class FollowUpRecordSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=ContactChannel.choices)
    usage = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=4000,
        default="",
        help_text=_("How the customer uses the product."),
    )
    satisfaction = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=5, default=None
    )
    notes = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=4000,
        default="",
        help_text=_("What the customer said; usage or notes is required."),
    )


class FollowUpFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=FollowUp.Status.choices)
    owner = OwnerFilter()
    due_before = filters.DateFilter(field_name="due_on", lookup_expr="lt")
    due_after = filters.DateFilter(field_name="due_on", lookup_expr="gte")
    order = filters.CharFilter(field_name="order__number", max_length=40, label=_("Order number"))

    class Meta:
        model = FollowUp
        fields = []


@extend_schema_view(
    list=extend_schema(
        summary="List follow-ups (process 5.1)",
        description=_(
            "The calls sales makes after delivery. Without after-sales rights you see only "
            "your own."
        ),
        responses={200: FollowUpSerializer(many=True), **ERRORS},
    ),
    retrieve=extend_schema(summary="A follow-up", responses={200: FollowUpSerializer, **ERRORS}),
)
class FollowUpViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, AfterSalesViewSet):
    queryset = FollowUp.objects.none()  # the model, for permissions and the schema
    serializer_class = FollowUpSerializer
    filterset_class = FollowUpFilter
    ordering_fields = ["due_on", "created_at", "done_at"]
    ordering = ["due_on", "pk"]
    action_permissions = {"record": ("aftersales.change_followup",)}

    def visible(self):
        return selectors.follow_ups_visible_to(user=self.request.user)

    record = step_action(
        "record",
        input_serializer=FollowUpRecordSerializer,
        run=lambda view, request, follow_up, data: services.follow_up_record(
            follow_up=follow_up, user=request.user, **data
        ),
        respond=lambda view, follow_up: Response(
            FollowUpSerializer(view.get_queryset().get(pk=follow_up.pk)).data
        ),
        summary="Record how the follow-up call went (process 5.1)",
        description=_(
            "Closes the follow-up and puts the outcome on the order's timeline. The owner or "
            "after-sales staff; once."
        ),
        responses={200: FollowUpSerializer, **STEP_ERRORS},
    )
