"""The REST API under /api/v1/ and its OpenAPI schema and docs."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny
from rest_framework.routers import SimpleRouter

from aftersales.api import AftersalesOrderActions, CaseViewSet, FollowUpViewSet, ReturnViewSet
from archive.api import ArchiveOrderActions
from integrations.schema import SCHEMA_LANGUAGE, EnglishSchemaGenerator
from inventory.api import ProductViewSet, StockAdjustmentViewSet, StockViewSet
from notifications.api import WebhookSubscriptionViewSet
from orders.api import orders as order_api
from orders.api.customers import CustomerViewSet
from shipping.api import CarrierViewSet, DocumentViewSet, ShippingOrderActions
from warehouse.api import WarehouseOrderActions


class OrderViewSet(
    WarehouseOrderActions,
    ShippingOrderActions,
    AftersalesOrderActions,
    ArchiveOrderActions,
    order_api.OrderViewSet,
):
    # /api/v1/orders/: the core's order resource with each stage's steps and
    # reads. The core imports no stage; this is where they meet. (No
    # docstring: the operations' descriptions stay those of the core's view.)
    pass


class SchemaView(SpectacularAPIView):
    """The schema, always in English whatever the reader's language (see
    ``integrations.schema``), and saying so in ``Content-Language``: the
    locale middleware would otherwise name the reader's."""

    generator_class = EnglishSchemaGenerator
    # The schema and its docs are public: integrators read them before they hold a token.
    permission_classes = [AllowAny]

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code == 200:
            response["Content-Language"] = SCHEMA_LANGUAGE
        return response


router = SimpleRouter(trailing_slash=True)
router.register("orders", OrderViewSet, basename="order")
router.register("customers", CustomerViewSet, basename="customer")
router.register("products", ProductViewSet, basename="product")
router.register("stock/adjustments", StockAdjustmentViewSet, basename="stock-adjustment")
router.register("stock", StockViewSet, basename="stock")
router.register("carriers", CarrierViewSet, basename="carrier")
router.register("documents", DocumentViewSet, basename="document")
router.register("webhooks", WebhookSubscriptionViewSet, basename="webhook")
router.register("follow-ups", FollowUpViewSet, basename="follow-up")
router.register("cases", CaseViewSet, basename="case")
router.register("returns", ReturnViewSet, basename="return")

urlpatterns = [
    path("v1/", include(router.urls)),
    path("schema/", SchemaView.as_view(), name="api-schema"),
    path(
        "docs/",
        SpectacularSwaggerView.as_view(url_name="api-schema", permission_classes=[AllowAny]),
        name="api-docs",
    ),
]
