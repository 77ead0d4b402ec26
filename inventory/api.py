"""Products and stock under /api/v1/: thin views over ``inventory.services``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from integrations.api_docs import ERRORS, IDEMPOTENCY_PARAM, IDEMPOTENT_CREATE_ERRORS
from integrations.idempotency import IdempotentCreateMixin
from integrations.permissions import ModelPermissions

from . import services
from .exceptions import ProductCodeTaken
from .models import Product, StockItem, StockMovement, Warehouse


class ProductSerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = ["sku", "name", "barcode", "unit", "list_price", "is_active", "updated_at"]
        read_only_fields = ["updated_at"]
        extra_kwargs = {"list_price": {"min_value": 0}}

    def _ensure_free(self, value, *, as_kind: str):
        # A scan finds products by barcode, SKU or alternative code: none may
        # already be another product's (inventory.services).
        if value:
            try:
                services.product_code_ensure_free(
                    code=value, product=self.instance, as_kind=as_kind, field=as_kind
                )
            except ProductCodeTaken as exc:
                raise serializers.ValidationError(exc.message, code=exc.code) from exc
        return value

    def validate_sku(self, value):
        return self._ensure_free(value, as_kind="sku")

    def validate_barcode(self, value):
        # No barcode is NULL, not "": many products may lack one.
        return self._ensure_free(value, as_kind="barcode") or None


class ProductUpdateSerializer(ProductSerializer):
    class Meta(ProductSerializer.Meta):
        read_only_fields = ["sku", "updated_at"]


class StockItemSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="product.sku")
    warehouse = serializers.CharField(source="warehouse.code")
    available = serializers.IntegerField(read_only=True)

    class Meta:
        model = StockItem
        fields = ["sku", "warehouse", "on_hand", "reserved", "available", "bin_location"]


class StockAdjustmentInSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=40)
    warehouse = serializers.CharField(max_length=20, required=False)
    quantity = serializers.IntegerField(min_value=-1_000_000, max_value=1_000_000)
    reason = serializers.CharField(max_length=255)

    def validate_sku(self, value):
        product = Product.objects.filter(sku=value).first()
        if product is None:
            raise serializers.ValidationError(_("No product with SKU %(sku)s.") % {"sku": value})
        return product

    def validate_warehouse(self, value):
        warehouse = Warehouse.objects.filter(code=value).first()
        if warehouse is None:
            raise serializers.ValidationError(_("No warehouse with code %(c)s.") % {"c": value})
        return warehouse


class StockMovementSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="stock_item.product.sku")
    warehouse = serializers.CharField(source="stock_item.warehouse.code")

    class Meta:
        model = StockMovement
        fields = [
            "sku",
            "warehouse",
            "kind",
            "on_hand_change",
            "reserved_change",
            "on_hand_after",
            "reserved_after",
            "reason",
            "created_at",
        ]


class ProductFilter(filters.FilterSet):
    q = filters.CharFilter(method="search", label=_("SKU, name or barcode contains"))
    is_active = filters.BooleanFilter()

    class Meta:
        model = Product
        fields = []

    def search(self, queryset, name, value):
        from django.db.models import Q

        return queryset.filter(
            Q(sku__icontains=value) | Q(name__icontains=value) | Q(barcode__icontains=value)
        )


@extend_schema_view(
    list=extend_schema(summary="List products", responses={200: ProductSerializer, **ERRORS}),
    retrieve=extend_schema(
        summary="A product by SKU", responses={200: ProductSerializer, **ERRORS}
    ),
    create=extend_schema(
        summary="Create a product",
        parameters=[IDEMPOTENCY_PARAM],
        responses={201: ProductSerializer, **IDEMPOTENT_CREATE_ERRORS},
    ),
    partial_update=extend_schema(
        summary="Update a product",
        request=ProductUpdateSerializer,
        responses={200: ProductSerializer, **ERRORS},
    ),
)
class ProductViewSet(
    IdempotentCreateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = Product.objects.order_by("sku")
    serializer_class = ProductSerializer
    permission_classes = [ModelPermissions]
    lookup_field = "sku"
    lookup_value_regex = r"[^/]+"
    filterset_class = ProductFilter
    ordering_fields = ["sku", "name", "list_price", "updated_at"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_serializer_class(self):
        if self.action == "partial_update":
            return ProductUpdateSerializer
        return ProductSerializer


class StockFilter(filters.FilterSet):
    sku = filters.CharFilter(field_name="product__sku")
    warehouse = filters.CharFilter(field_name="warehouse__code")

    class Meta:
        model = StockItem
        fields = []


@extend_schema_view(
    list=extend_schema(
        summary="Stock per product and warehouse",
        responses={200: StockItemSerializer, **ERRORS},
    ),
)
class StockViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    queryset = StockItem.objects.select_related("product", "warehouse").order_by(
        "product__sku", "warehouse__code"
    )
    serializer_class = StockItemSerializer
    permission_classes = [ModelPermissions]
    filterset_class = StockFilter
    ordering_fields = ["on_hand", "reserved"]


@extend_schema_view(
    create=extend_schema(
        summary="Adjust stock by a signed quantity, with a reason",
        request=StockAdjustmentInSerializer,
        parameters=[IDEMPOTENCY_PARAM],
        responses={201: StockMovementSerializer, **IDEMPOTENT_CREATE_ERRORS},
    ),
)
class StockAdjustmentViewSet(IdempotentCreateMixin, viewsets.GenericViewSet):
    """``POST /api/v1/stock/adjustments/`` through ``inventory.services``."""

    queryset = StockMovement.objects.none()
    serializer_class = StockAdjustmentInSerializer
    permission_classes = [ModelPermissions]

    def create(self, request):
        payload = StockAdjustmentInSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        movement = services.stock_adjust(
            product=data["sku"],
            warehouse=data.get("warehouse"),
            quantity=data["quantity"],
            reason=data["reason"],
            user=request.user,
        )
        return Response(StockMovementSerializer(movement).data, status=status.HTTP_201_CREATED)
