"""The order's shapes in the API: what is read (an order, its lines, its
timeline) and what the core's steps take (intake, review, contacts)."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from inventory.models import Product

from .. import selectors, services
from ..models import Customer, CustomerContact, Order, OrderEvent, OrderLine

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
        customer = (
            selectors.customer_visible(user=request.user, pk=value)
            if request
            else Customer.objects.filter(pk=value).first()
        )
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


class ContactInSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=CustomerContact.Channel.choices)
    summary = serializers.CharField(max_length=4000)
