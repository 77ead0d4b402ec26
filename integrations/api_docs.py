"""Shared pieces of the OpenAPI description: the error responses and the
Idempotency-Key header every creating POST documents."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from .idempotency import HEADER


class ErrorSerializer(serializers.Serializer):
    """The one error shape of the API."""

    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description=_("Invalid input; `fields` names each.")),
    401: OpenApiResponse(ErrorSerializer, description=_("No or bad credentials.")),
    403: OpenApiResponse(ErrorSerializer, description=_("Your role may not do this.")),
    404: OpenApiResponse(ErrorSerializer, description=_("Unknown, or not yours.")),
    429: OpenApiResponse(ErrorSerializer, description=_("Too many requests; retry later.")),
}
CONFLICT = OpenApiResponse(
    ErrorSerializer,
    description=_(
        "`invalid_transition` (with `status_now` and `allowed_transitions`), `not_editable`, "
        "or `conflict` when the record changed meanwhile."
    ),
)
BUSINESS_RULE = OpenApiResponse(
    ErrorSerializer,
    description=_("A business rule, e.g. insufficient_stock (with `skus`)."),
)
IDEMPOTENCY_PARAM = OpenApiParameter(
    HEADER,
    location=OpenApiParameter.HEADER,
    required=False,
    description=_(
        "Any unique string (e.g. a UUID). A retry with the same key and body replays the first "
        "response; the same key with another body answers 422 idempotency_key_reused."
    ),
)

IDEMPOTENT_CREATE_ERRORS = {
    **ERRORS,
    422: OpenApiResponse(
        ErrorSerializer,
        description=_(
            "idempotency_key_reused, or a business rule such as a stock change below what "
            "is reserved."
        ),
    ),
}
