"""The order API (``/api/v1/orders/``): thin views over ``orders.services``.

Orders are addressed by their public number. Every transition is
``POST /api/v1/orders/{number}/{transition-name}/`` and calls the same
service, with the same permission rules, as the web UI and the admin.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Prefetch, prefetch_related_objects
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response

from integrations.api_docs import (
    BUSINESS_RULE,
    CONFLICT,
    ERRORS,
    IDEMPOTENCY_PARAM,
    IDEMPOTENT_CREATE_ERRORS,
    ErrorSerializer,
)
from integrations.filters import IdFilter, IsoDateTimeFilter
from integrations.idempotency import IdempotentCreateMixin
from integrations.permissions import ModelPermissions, ViewPermission
from inventory import selectors as inventory_selectors
from inventory.exceptions import UnknownProductCode
from inventory.models import Product
from shipping import selectors as shipping_selectors
from shipping.api import ShippingDocumentSerializer
from shipping.models import Shipment

from . import selectors, services
from .dossier import dossier_build, dossier_order
from .exceptions import OrderInvalid
from .models import (
    Customer,
    CustomerContact,
    CustomerEvent,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
)

# --- output -----------------------------------------------------------------


class OrderLineSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="product.sku")
    name = serializers.CharField(source="product.name")

    class Meta:
        model = OrderLine
        fields = ["id", "sku", "name", "quantity", "unit_price", "line_total", "picked_quantity"]


class FindingSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


class ShipmentSerializer(serializers.Serializer):
    """A planned shipment (``shipped_at`` null: the carrier the rules propose
    at packing) or a shipped one (carrier, tracking number and link)."""

    carrier = serializers.CharField(source="carrier_name", help_text=_("The carrier's name."))
    carrier_code = serializers.CharField(
        source="carrier.code", allow_null=True, default=None, help_text=_("See /api/v1/carriers/.")
    )
    service = serializers.CharField(
        source="service.code", allow_null=True, default=None, help_text=_("The carrier's service.")
    )
    tracking_number = serializers.CharField()
    tracking_url = serializers.CharField(
        help_text=_("Where the customer follows the parcel; empty until shipped.")
    )
    proposed_carrier = serializers.CharField(
        source="proposed_carrier.code",
        allow_null=True,
        default=None,
        help_text=_("The carrier the rules proposed at packing."),
    )
    override_reason = serializers.CharField(
        help_text=_("Why another carrier than proposed took it; empty otherwise.")
    )
    transit_days = serializers.IntegerField(allow_null=True)
    shipped_at = serializers.DateTimeField(allow_null=True)
    delivered_at = serializers.DateTimeField(allow_null=True)
    signed_by = serializers.CharField()


class PackageSerializer(serializers.Serializer):
    weight_kg = serializers.DecimalField(max_digits=8, decimal_places=2)
    length_cm = serializers.IntegerField(allow_null=True)
    width_cm = serializers.IntegerField(allow_null=True)
    height_cm = serializers.IntegerField(allow_null=True)


class OrderSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    salesperson = serializers.CharField(source="salesperson.username", read_only=True)
    lines = OrderLineSerializer(many=True, read_only=True)
    review_findings = serializers.SerializerMethodField()

    class Meta:
        model = Order
        fields = [
            "number",
            "status",
            "customer",
            "customer_name",
            "salesperson",
            "channel",
            "requested_delivery_date",
            "payment_method",
            "notes",
            "external_ref",
            "lines",
            "total",
            "review_findings",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(FindingSerializer(many=True))
    def get_review_findings(self, order: Order) -> list[dict]:
        return [
            {"code": f.get("code", ""), "message": selectors.finding_message(f)}
            for f in order.review_findings
        ]


class OrderDetailSerializer(OrderSerializer):
    shipments = ShipmentSerializer(many=True, read_only=True)
    packages = PackageSerializer(many=True, read_only=True)
    available_transitions = serializers.SerializerMethodField()

    class Meta(OrderSerializer.Meta):
        fields = [*OrderSerializer.Meta.fields, "shipments", "packages", "available_transitions"]
        read_only_fields = fields

    def get_available_transitions(self, order: Order) -> list[str]:
        user = self.context["request"].user
        return [
            name.replace("_", "-")
            for name in selectors.order_available_transitions(order=order, user=user)
        ]


class NewOrderSerializer(OrderDetailSerializer):
    """``OrderDetailSerializer`` for a draft just created (the 201 body): it
    has no shipment or package yet, so none are read. Same fields, same
    order, same bytes."""

    shipments = serializers.SerializerMethodField()
    packages = serializers.SerializerMethodField()

    def get_shipments(self, order: Order) -> list:
        return []

    def get_packages(self, order: Order) -> list:
        return []


class OrderEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", allow_null=True, default=None)
    transition = serializers.SerializerMethodField()

    class Meta:
        model = OrderEvent
        fields = [
            "kind",
            "transition",
            "from_status",
            "to_status",
            "actor",
            "note",
            "data",
            "created_at",
        ]

    def get_transition(self, event: OrderEvent) -> str:
        return event.transition.replace("_", "-")


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


# --- input ------------------------------------------------------------------


class LineInSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=40)
    quantity = serializers.IntegerField(min_value=1, max_value=1_000_000)
    unit_price = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=Decimal("0"), required=False
    )


class OrderInSerializer(serializers.Serializer):
    customer = serializers.IntegerField(min_value=1)
    channel = serializers.ChoiceField(choices=Order.Channel.choices, default=Order.Channel.API)
    requested_delivery_date = serializers.DateField()
    payment_method = serializers.ChoiceField(choices=Order.PaymentMethod.choices)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    external_ref = serializers.CharField(
        required=False, allow_blank=True, max_length=100, default=""
    )
    lines = LineInSerializer(many=True, allow_empty=False, max_length=500)

    def validate_customer(self, value: int) -> Customer:
        request = self.context.get("request")
        visible = selectors.customers_visible_to(user=request.user) if request else Customer.objects
        customer = visible.filter(pk=value).first()
        if customer is None:
            raise serializers.ValidationError(_("No customer with id %(id)s.") % {"id": value})
        return customer

    def validate_lines(self, lines: list[dict]) -> list[services.LineInput]:
        skus = {line["sku"] for line in lines}
        products = {p.sku: p for p in Product.objects.filter(sku__in=skus)}
        user = self.context["request"].user
        errors, out = [], []
        for line in lines:
            err = {}
            product = products.get(line["sku"])
            if product is None:
                err["sku"] = [_("No product with SKU %(sku)s.") % {"sku": line["sku"]}]
            if "unit_price" in line and not user.has_perm("orders.set_line_price"):
                err["unit_price"] = [_("Your role may not set prices; omit unit_price.")]
            errors.append(err)
            if not err:
                out.append(
                    services.LineInput(
                        product=product,
                        quantity=line["quantity"],
                        unit_price=line.get("unit_price"),
                    )
                )
        if any(errors):
            raise serializers.ValidationError(errors)
        return out


class OrderPatchSerializer(OrderInSerializer):
    """Every field optional; only in draft and needs_adjustment."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False
        for name in ("channel", "notes", "external_ref"):
            self.fields[name].default = serializers.empty
        self.fields.pop("external_ref")


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class AdjustmentSerializer(NoteSerializer):
    reason = serializers.ChoiceField(choices=services.ADJUSTMENT_REASONS)


class CancelSerializer(NoteSerializer):
    reason = serializers.ChoiceField(choices=services.CANCEL_REASONS)


class ChecklistSerializer(NoteSerializer):
    """The quality checklist (process 3.2); the API caller vouches for what
    it leaves out."""

    quantity_ok = serializers.BooleanField(default=True)
    undamaged = serializers.BooleanField(default=True)
    packaging_ok = serializers.BooleanField(default=True)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class FailQcSerializer(ChecklistSerializer):
    reason = serializers.CharField(max_length=500)
    line = serializers.IntegerField(required=False, min_value=1, source="line_id")


class ReportShortageSerializer(NoteSerializer):
    line = serializers.IntegerField(min_value=1, source="line_id")
    quantity_missing = serializers.IntegerField(min_value=1, max_value=1_000_000)
    reason = serializers.CharField(max_length=255)


class PackageInSerializer(serializers.Serializer):
    weight_kg = serializers.DecimalField(
        max_digits=8, decimal_places=2, min_value=Decimal("0.01"), max_value=Decimal("100000")
    )
    length_cm = serializers.IntegerField(required=False, min_value=1, max_value=10000)
    width_cm = serializers.IntegerField(required=False, min_value=1, max_value=10000)
    height_cm = serializers.IntegerField(required=False, min_value=1, max_value=10000)


class PackSerializer(NoteSerializer):
    packages = PackageInSerializer(many=True, allow_empty=False, max_length=200)


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


TRANSITION_INPUT = {
    "pass_qc": ChecklistSerializer,
    "report_shortage": ReportShortageSerializer,
    "request_adjustment": AdjustmentSerializer,
    "cancel": CancelSerializer,
    "fail_qc": FailQcSerializer,
    "pack": PackSerializer,
    "ship": ShipSerializer,
    "confirm_delivery": ConfirmDeliverySerializer,
}


class PickInSerializer(serializers.Serializer):
    code = serializers.CharField(
        max_length=64,
        required=False,
        help_text=_(
            "What the scanner read: the product's barcode, its SKU (any case) or one of its "
            "alternative codes (a supplier's EAN, an internal label). Send this or barcode."
        ),
    )
    barcode = serializers.CharField(
        max_length=64,
        required=False,
        help_text=_(
            "The same as code, under its older name, kept for existing clients: it is looked "
            "up the same way (barcode, SKU or alternative code). Send this or code."
        ),
    )
    quantity = serializers.IntegerField(min_value=1, max_value=100_000, default=1)

    def validate(self, data):
        given = [name for name in ("code", "barcode") if data.get(name)]
        if not given:
            raise serializers.ValidationError({"code": [_("Send the scanned code.")]})
        if len(given) == 2 and data["code"] != data["barcode"]:
            message = _("Send code or barcode, not two different codes.")
            raise serializers.ValidationError({"code": [message], "barcode": [message]})
        # Errors about the code are reported under the name the client used.
        data["field"] = given[0]
        data["code"] = data[given[0]]
        return data


class PickOutSerializer(serializers.Serializer):
    sku = serializers.CharField(source="product.sku")
    quantity = serializers.IntegerField()
    picked_quantity = serializers.IntegerField()


class ContactInSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=CustomerContact.Channel.choices)
    summary = serializers.CharField(max_length=4000)


# --- filters ----------------------------------------------------------------


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


# --- views ------------------------------------------------------------------

TRANSITION_ERRORS = {**ERRORS, 409: CONFLICT, 422: BUSINESS_RULE}


def _transition_view(name: str):
    """One ``@action`` per transition, all calling ``TRANSITION_SERVICES``."""
    input_serializer = TRANSITION_INPUT.get(name, NoteSerializer)

    def view(self, request, number=None):
        order = self.get_object()
        payload = input_serializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.TRANSITION_SERVICES[name](order=order, user=request.user, **payload.validated_data)
        return Response(self._detail(order.number))

    # The name must be set before @action records it in the route mapping.
    view.__name__ = view.__qualname__ = name
    view = action(
        detail=True,
        methods=["post"],
        url_path=name.replace("_", "-"),
        url_name=name.replace("_", "-"),
    )(view)
    return extend_schema(
        operation_id=f"orders_{name}",
        # Lazy: resolved when the schema is generated (in English), not at import.
        summary=capfirst(selectors.TRANSITION_LABELS[name]),
        request=input_serializer,
        responses={200: OrderDetailSerializer, **TRANSITION_ERRORS},
    )(view)


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
        shipments = Shipment.objects.select_related("carrier", "service", "proposed_carrier")
        return _order_queryset(self._visible_orders()).prefetch_related(
            Prefetch("shipments", queryset=shipments.order_by("pk")), "packages"
        )

    def get_permissions(self):
        # Transitions and contacts need only read access to the order here;
        # the service then checks the transition's own permission (one rule set).
        if self.action in services.TRANSITION_SERVICES or self.action in (
            "contacts",
            "picks",
            "dossier",
        ):
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
            services.order_refuse_archived(order)
        return order

    def _detail(self, number: str) -> dict:
        order = get_object_or_404(self.get_queryset(), number=number)
        return OrderDetailSerializer(order, context=self.get_serializer_context()).data

    def _created(self, order: Order, lines: list[services.LineInput]) -> dict:
        """The detail of an order ``order_create`` just saved, without reading
        it back: its row, customer and salesperson are in hand, its lines are
        read once without a join (their products are the validated ones), and
        a new draft has no shipment or package. Same fields and bytes as
        ``_detail``, for a fraction of its time, which matters here: the
        year's order counter stays locked by this transaction until it ends."""
        products = {line.product.pk: line.product for line in lines}
        prefetch_related_objects([order], Prefetch("lines", OrderLine.objects.order_by("pk")))
        for row in order.lines.all():
            row.product = products[row.product_id]
        return NewOrderSerializer(order, context=self.get_serializer_context()).data

    def create(self, request, *args, **kwargs):
        payload = OrderInSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        order = services.order_create(
            customer=data["customer"],
            salesperson=request.user,
            created_by=request.user,
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
        documents = shipping_selectors.order_documents(order=order)
        context = self.get_serializer_context()
        return Response(ShippingDocumentSerializer(documents, many=True, context=context).data)

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

    @extend_schema(
        summary="Record a customer contact (process 2.2)",
        request=ContactInSerializer,
        responses={201: OrderEventSerializer, 409: CONFLICT, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def contacts(self, request, number=None):
        order = self.get_object()
        if not request.user.has_perm("orders.add_customercontact"):
            from rest_framework.exceptions import PermissionDenied

            raise PermissionDenied(_("Your role may not record customer contacts."))
        payload = ContactInSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.order_record_contact(order=order, user=request.user, **payload.validated_data)
        event = order.events.order_by("-pk").first()
        return Response(OrderEventSerializer(event).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Confirm picked units by scanning a barcode, SKU or other code (process 3.1)",
        request=PickInSerializer,
        responses={201: PickOutSerializer, **ERRORS, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def picks(self, request, number=None):
        order = self.get_object()
        payload = PickInSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        code, field = payload.validated_data["code"], payload.validated_data["field"]
        product = inventory_selectors.product_by_code(code=code)
        if product is None:
            raise UnknownProductCode(code, field=field)
        try:
            line = services.order_record_pick(
                order=order,
                user=request.user,
                product=product,
                quantity=payload.validated_data["quantity"],
            )
        except OrderInvalid as exc:
            # The service reports the code under "barcode": use the client's name.
            if field != "barcode" and "barcode" in exc.fields:
                exc.fields[field] = exc.fields.pop("barcode")
            raise
        return Response(PickOutSerializer(line).data, status=status.HTTP_201_CREATED)

    # Transitions: POST /api/v1/orders/{number}/{transition-name}/
    submit = _transition_view("submit")
    request_adjustment = _transition_view("request_adjustment")
    resubmit = _transition_view("resubmit")
    approve = _transition_view("approve")
    cancel = _transition_view("cancel")
    start_picking = _transition_view("start_picking")
    finish_picking = _transition_view("finish_picking")
    report_shortage = _transition_view("report_shortage")
    pass_qc = _transition_view("pass_qc")
    fail_qc = _transition_view("fail_qc")
    pack = _transition_view("pack")
    ship = _transition_view("ship")
    confirm_delivery = _transition_view("confirm_delivery")
    complete = _transition_view("complete")
    archive = _transition_view("archive")


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
        from django.db.models import Q

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
