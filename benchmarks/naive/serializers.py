"""A plain ModelSerializer with a nested ``lines`` serializer: the naive
baseline's and the plain reference's (``benchmarks.naive.views``)."""

import uuid
from decimal import Decimal

from rest_framework import serializers

from inventory.models import Product, Warehouse
from orders.models import Order, OrderLine


class OrderLineSerializer(serializers.ModelSerializer):
    sku = serializers.SlugRelatedField(
        source="product", slug_field="sku", queryset=Product.objects.all()
    )

    class Meta:
        model = OrderLine
        fields = ["id", "sku", "quantity", "unit_price", "line_total", "picked_quantity"]
        read_only_fields = ["unit_price", "line_total", "picked_quantity"]


class OrderSerializer(serializers.ModelSerializer):
    lines = OrderLineSerializer(many=True)

    class Meta:
        model = Order
        fields = [
            "id",
            "number",
            "status",
            "customer",
            "salesperson",
            "channel",
            "requested_delivery_date",
            "payment_method",
            "notes",
            "external_ref",
            "warehouse",
            "lines",
            "total",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["number", "status", "salesperson", "warehouse", "total"]

    def create(self, validated_data):
        lines_data = validated_data.pop("lines")
        total = Decimal("0.00")
        for line in lines_data:
            total += line["product"].list_price * line["quantity"]
        # No counter in the baseline: a unique number from a uuid.
        order = Order.objects.create(
            number=f"NV-{uuid.uuid4().hex[:16]}",
            warehouse=Warehouse.objects.get(is_default=True),
            total=total,
            **validated_data,
        )
        for line in lines_data:
            price = line["product"].list_price
            OrderLine.objects.create(
                order=order,
                unit_price=price,
                line_total=price * line["quantity"],
                **line,
            )
        return order
