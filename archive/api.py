"""The archive's part of the order resource: ``GET /api/v1/orders/{number}/dossier/``."""

from __future__ import annotations

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from integrations.api_docs import ERRORS
from orders.api.steps import read_access
from orders.models import Order

from .dossier import dossier_build, dossier_order


class DossierSerializer(serializers.Serializer):
    """The order's dossier (documentation 5.1): everything recorded about it.
    Times are ISO 8601 in the local zone, money strings with two decimals,
    statuses and choices their codes."""

    order = serializers.DictField(
        help_text=_(
            "number, status, channel, created_at, updated_at, requested_delivery_date, "
            "payment_method, total, currency, line_count, notes, external_ref, salesperson, "
            "warehouse."
        )
    )
    customer = serializers.DictField(
        help_text=_("Every field of the customer, the address included, as it is now.")
    )
    lines = serializers.ListField(child=serializers.DictField())
    review_findings = serializers.DictField(
        help_text=_("computed_at, and findings: each code, its parameters and a message.")
    )
    timeline = serializers.ListField(
        child=serializers.DictField(),
        help_text=_("Every event: at, kind, transition, from/to status, actor, note, data."),
    )
    contacts = serializers.ListField(child=serializers.DictField())
    shipments = serializers.ListField(
        child=serializers.DictField(),
        help_text=_(
            "Carrier, tracking number and link, shipped and delivered (signed_by), with the "
            "packages."
        ),
    )
    documents = serializers.ListField(
        child=serializers.DictField(),
        help_text=_("kind, language, filename, created_at, download_url."),
    )
    follow_ups = serializers.ListField(child=serializers.DictField())
    cases = serializers.ListField(
        child=serializers.DictField(), help_text=_("Each with its entries and linked lines.")
    )
    returns = serializers.ListField(
        child=serializers.DictField(),
        help_text=_("Each with its lines, their dispositions, and the refund."),
    )
    survey = serializers.DictField(
        allow_null=True, help_text=_("rating, comment, answered_at; null if none was sent.")
    )
    archive = serializers.DictField(
        allow_null=True,
        help_text=_(
            "final_status, archived_at, archived_by, next_review_on, last_reviewed_at and the "
            "reviews; null until the order is archived."
        ),
    )
    generated_at = serializers.DateTimeField()


class ArchiveOrderActions:
    # Mixed into the order viewset (orders_site.api_urls); no docstring: it
    # would become every order operation's description.

    @extend_schema(
        summary="The order's dossier (documentation 5.1)",
        description=(
            "Everything recorded about the order in one bundle: the order, its customer, "
            "lines, review findings, timeline, customer contacts, shipments with packages, "
            "documents (with download URLs), follow-ups, after-sales cases and returns, the "
            "satisfaction survey and the archive record with its reviews. Any order the caller "
            "may view, archived or not; the web UI offers the same bundle as a PDF."
        ),
        responses={200: DossierSerializer, **ERRORS},
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    @read_access
    def dossier(self, request, number=None):
        try:
            order = dossier_order(orders=self._visible_orders(), number=number)
        except Order.DoesNotExist as exc:
            raise Http404(number) from exc
        bundle = dossier_build(
            order=order,
            document_url=lambda doc: request.build_absolute_uri(
                reverse("document-download", kwargs={"pk": doc.pk})
            ),
        )
        return Response(bundle)
