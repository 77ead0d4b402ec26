"""Webhook subscriptions under /api/v1/webhooks/: an external system
registers where it wants to hear of order events, and sees its deliveries.
Each client sees only its own subscriptions."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from integrations.api_docs import ERRORS, IDEMPOTENT_CREATE_ERRORS
from integrations.idempotency import IdempotentCreateMixin
from integrations.permissions import ModelPermissions

from . import selectors, services
from .events import webhook_event_names
from .models import OutboxMessage, WebhookSubscription
from .urlguard import validate_webhook_url


class WebhookSubscriptionSerializer(serializers.ModelSerializer):
    events = serializers.ListField(
        child=serializers.CharField(),
        allow_empty=False,
        help_text=_("Order events to send, such as order.approved and order.shipped."),
    )

    class Meta:
        model = WebhookSubscription
        fields = ["id", "name", "url", "events", "is_active", "created_at"]
        read_only_fields = ["id", "created_at"]

    def validate_url(self, value: str) -> str:
        # Public http(s) addresses only (``urlguard``); checked again at delivery.
        validate_webhook_url(value)
        return value

    def validate_events(self, value: list[str]) -> list[str]:
        known = webhook_event_names()
        unknown = [name for name in value if name not in known]
        if unknown:
            raise serializers.ValidationError(
                _("Unknown events: %(unknown)s. Choose from: %(known)s.")
                % {"unknown": ", ".join(unknown), "known": ", ".join(known)}
            )
        return sorted(set(value))


class WebhookSubscriptionCreatedSerializer(WebhookSubscriptionSerializer):
    secret = serializers.CharField(
        read_only=True,
        help_text=_("Verifies the X-Signature-256 header. Shown only now and on rotation."),
    )

    class Meta(WebhookSubscriptionSerializer.Meta):
        fields = [*WebhookSubscriptionSerializer.Meta.fields, "secret"]


class DeliverySerializer(serializers.ModelSerializer):
    order = serializers.SlugRelatedField(slug_field="number", read_only=True)

    class Meta:
        model = OutboxMessage
        fields = [
            "event_id",
            "event",
            "order",
            "status",
            "attempts",
            "next_attempt_at",
            "last_error",
            "sent_at",
            "created_at",
        ]


@extend_schema_view(
    list=extend_schema(
        summary="List your webhook subscriptions",
        responses={200: WebhookSubscriptionSerializer(many=True), **ERRORS},
    ),
    retrieve=extend_schema(
        summary="Get a webhook subscription",
        responses={200: WebhookSubscriptionSerializer, **ERRORS},
    ),
    create=extend_schema(
        summary="Subscribe to order events",
        description=(
            "Each event is POSTed as JSON (`id`, `event`, `occurred_at`, `data` with the order "
            "number, status, previous status and your external reference) and signed: "
            "`X-Signature-256: sha256=<hex HMAC-SHA256 of '<X-Event-Timestamp>.<body>' "
            "with the secret>`. `X-Event-Id` is stable across retries: drop a repeat. "
            "Answer 2xx; anything else is retried with growing delays, and a redirect is "
            "not followed. `url` must be a public http(s) address without a user name or "
            "password: loopback, private, link-local and reserved addresses are refused "
            "(400), here and again before each delivery."
        ),
        request=WebhookSubscriptionSerializer,
        responses={201: WebhookSubscriptionCreatedSerializer, **IDEMPOTENT_CREATE_ERRORS},
    ),
    partial_update=extend_schema(
        summary="Change a webhook subscription",
        responses={200: WebhookSubscriptionSerializer, **ERRORS},
    ),
    destroy=extend_schema(summary="Remove a webhook subscription", responses={204: None, **ERRORS}),
)
class WebhookSubscriptionViewSet(
    IdempotentCreateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    queryset = WebhookSubscription.objects.order_by("pk")
    serializer_class = WebhookSubscriptionSerializer
    permission_classes = [ModelPermissions]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    filterset_fields = ["is_active"]
    ordering_fields = ["name", "created_at"]

    def get_queryset(self):
        return selectors.webhook_subscriptions_of(owner=self.request.user)

    def create(self, request):
        payload = WebhookSubscriptionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        subscription = services.webhook_subscription_create(
            owner=request.user, **payload.validated_data
        )
        return Response(
            WebhookSubscriptionCreatedSerializer(subscription).data, status=status.HTTP_201_CREATED
        )

    def partial_update(self, request, pk=None):
        subscription = self.get_object()
        payload = WebhookSubscriptionSerializer(subscription, data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        subscription = services.webhook_subscription_update(
            subscription=subscription, **payload.validated_data
        )
        return Response(WebhookSubscriptionSerializer(subscription).data)

    def perform_destroy(self, instance):
        services.webhook_subscription_delete(subscription=instance)

    @extend_schema(
        summary="Replace the signing secret",
        request=None,
        responses={200: WebhookSubscriptionCreatedSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, pk=None):
        subscription = services.webhook_subscription_rotate_secret(subscription=self.get_object())
        return Response(WebhookSubscriptionCreatedSerializer(subscription).data)

    @extend_schema(
        summary="Recent deliveries of this subscription",
        responses={200: DeliverySerializer(many=True), **ERRORS},
    )
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        queryset = selectors.webhook_subscription_deliveries(subscription=self.get_object())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(DeliverySerializer(page, many=True).data)
