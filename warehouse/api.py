"""The warehouse's part of the order resource (process 3): its steps as
``POST /api/v1/orders/{number}/{step}/`` and ``POST …/picks/`` (scan to
confirm). Mixed into the order viewset in ``orders_site.api_urls``."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from integrations.api_docs import CONFLICT, ERRORS
from inventory import selectors as inventory_selectors
from inventory.exceptions import UnknownProductCode
from orders.api.serializers import NoteSerializer
from orders.api.steps import read_access, step_action

from . import services
from .exceptions import WarehouseInvalid


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


class WarehouseOrderActions:
    # The warehouse's steps and the pick scan, on the order viewset (no
    # docstring: it would become every order operation's description).

    start_picking = step_action("start_picking")
    finish_picking = step_action("finish_picking")
    report_shortage = step_action("report_shortage", ReportShortageSerializer)
    pass_qc = step_action("pass_qc", ChecklistSerializer)
    fail_qc = step_action("fail_qc", FailQcSerializer)
    pack = step_action("pack", PackSerializer)

    @extend_schema(
        summary="Confirm picked units by scanning a barcode, SKU or other code (process 3.1)",
        request=PickInSerializer,
        responses={201: PickOutSerializer, **ERRORS, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"])
    @read_access
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
        except WarehouseInvalid as exc:
            # The service reports the code under "barcode": use the client's name.
            if field != "barcode" and "barcode" in exc.fields:
                exc.fields[field] = exc.fields.pop("barcode")
            raise
        return Response(PickOutSerializer(line).data, status=status.HTTP_201_CREATED)
