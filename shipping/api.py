"""The shipping API: the carriers (to read tracking links and number
patterns), an order's shipping documents, and shipping's part of the order
resource (``ShippingOrderActions``: the ``ship`` and ``confirm-delivery``
steps and ``GET /api/v1/orders/{number}/documents/``, mixed into the order
viewset in ``orders_site.api_urls``).

Who may read what:

* ``GET /api/v1/carriers/`` — any authenticated caller holding
  ``shipping.view_carrier`` (logistics, sales managers) *or*
  ``orders.view_order`` (every role, Integration clients included). Carriers
  are reference data that comes with the orders a caller may already see: a
  shop needs the tracking URL template and number pattern to show its
  customers where the parcel is, so withholding them protects nothing.
* ``GET /api/v1/orders/{number}/documents/`` (on the order API) and
  ``GET /api/v1/documents/{id}/download/`` — whoever may view the order: an
  Integration client only for the orders it created, 404 for any other,
  exactly as for the order itself.
"""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from integrations.api_docs import ERRORS
from orders.api.serializers import NoteSerializer
from orders.api.steps import step_action

from . import selectors
from .models import Carrier, CarrierService, ShippingDocument


class CarrierServiceSerializer(serializers.ModelSerializer):
    class Meta:
        model = CarrierService
        fields = ["code", "name"]


class CarrierSerializer(serializers.ModelSerializer):
    services = CarrierServiceSerializer(many=True, read_only=True)

    class Meta:
        model = Carrier
        fields = [
            "code",
            "name",
            "tracking_number_pattern",
            "tracking_url_template",
            "is_active",
            "services",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "tracking_number_pattern": {
                "help_text": _("A regular expression the whole tracking number must match.")
            },
            "tracking_url_template": {
                "help_text": _("Replace {tracking_number} with the number; empty: no link.")
            },
            "is_active": {"help_text": _("Only active carriers take new shipments.")},
        }


class ShippingDocumentSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField(
        help_text=_("The PDF, with the same credentials as this request.")
    )

    class Meta:
        model = ShippingDocument
        fields = ["id", "kind", "language", "created_at", "download_url"]
        read_only_fields = fields

    def get_download_url(self, doc: ShippingDocument) -> str:
        path = reverse("document-download", kwargs={"pk": doc.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class CarrierReadPermission(BasePermission):
    """``shipping.view_carrier`` or ``orders.view_order``: see the module
    docstring for why order readers may read carriers."""

    def has_permission(self, request, view):
        user = request.user
        return bool(
            user
            and user.is_authenticated
            and (user.has_perm("shipping.view_carrier") or user.has_perm("orders.view_order"))
        )


class OrderReadPermission(BasePermission):
    """``orders.view_order``; which orders is the queryset's business."""

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.has_perm("orders.view_order"))


class FirstRenderer(BaseContentNegotiation):
    """The download answers a PDF or, for an error, JSON, whatever the client
    sent in ``Accept``: no 406 for ``Accept: application/pdf``."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


@extend_schema_view(
    list=extend_schema(
        summary="Carriers, with tracking links and number patterns",
        description=(
            "Every carrier, inactive ones too (their shipments still need tracking links). "
            "Readable with `shipping.view_carrier` or `orders.view_order` (every role, "
            "Integration clients included). A shipment's `tracking_url` is this carrier's "
            "`tracking_url_template` with `{tracking_number}` replaced."
        ),
        responses={200: CarrierSerializer(many=True), **ERRORS},
    )
)
class CarrierViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    queryset = Carrier.objects.none()  # for the schema; see get_queryset
    serializer_class = CarrierSerializer
    permission_classes = [CarrierReadPermission]
    pagination_class = None  # a handful of rows
    filter_backends = []

    def get_queryset(self):
        return selectors.carriers_all()


class DocumentViewSet(viewsets.GenericViewSet):
    """``/api/v1/documents/{id}/download/``: the stored PDF."""

    queryset = ShippingDocument.objects.none()  # for the schema; see get_queryset
    serializer_class = ShippingDocumentSerializer
    permission_classes = [OrderReadPermission]
    lookup_value_regex = r"[0-9]+"
    filter_backends = []

    def get_queryset(self):
        return selectors.documents_visible_to(user=self.request.user)

    @extend_schema(
        summary="Download a shipping document (PDF)",
        description=(
            "The delivery note or the package labels of an order the caller may view; "
            "404 for another client's order."
        ),
        parameters=[OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses={
            (200, "application/pdf"): OpenApiResponse(
                OpenApiTypes.BINARY, description=_("The PDF.")
            ),
            # The same bytes, declared as a type client generators can read
            # (openapi-python-client drops an application/pdf-only response).
            (200, "application/octet-stream"): OpenApiResponse(
                OpenApiTypes.BINARY, description=_("The PDF.")
            ),
            **ERRORS,
        },
    )
    @action(detail=True, methods=["get"], content_negotiation_class=FirstRenderer)
    def download(self, request, pk=None):
        doc = self.get_object()
        try:
            handle = doc.file.open("rb")
        except FileNotFoundError as exc:
            raise Http404 from exc
        return FileResponse(
            handle,
            content_type="application/pdf",
            as_attachment=True,
            filename=f"{doc.order.number}-{doc.kind}.pdf",
        )


class ShipSerializer(NoteSerializer):
    carrier = serializers.CharField(max_length=20, help_text="Carrier code, see /api/v1/carriers/.")
    tracking_number = serializers.CharField(max_length=64)
    service = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    override_reason = serializers.CharField(
        max_length=255,
        required=False,
        allow_blank=True,
        default="",
        help_text="Required when the carrier differs from the one the rules proposed.",
    )


class ConfirmDeliverySerializer(NoteSerializer):
    signed_by = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    delivered_at = serializers.DateTimeField(required=False)


class ShippingOrderActions:
    # Shipping's steps and reads, on the order viewset (no docstring: it would
    # become every order operation's description).

    ship = step_action("ship", ShipSerializer)
    confirm_delivery = step_action("confirm_delivery", ConfirmDeliverySerializer)

    @extend_schema(
        summary="The order's shipping documents (process 4.3)",
        description=(
            "The delivery note and the package labels printed at packing (a re-pack adds a "
            "new set), newest first, each with the URL that downloads its PDF."
        ),
        responses={200: ShippingDocumentSerializer(many=True), **ERRORS},
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def documents(self, request, number=None):
        order = self.get_object()
        documents = selectors.order_documents(order=order)
        context = self.get_serializer_context()
        return Response(ShippingDocumentSerializer(documents, many=True, context=context).data)
