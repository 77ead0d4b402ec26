"""The baselines' routes under ``/bench-naive/`` (``benchmarks.urls`` only)."""

from django.urls import path

from .views import (
    OrderDetail,
    OrderListCreate,
    PlainOrderCreate,
    PlainOrderPage,
    stats,
)

urlpatterns = [
    path("orders/", OrderListCreate.as_view(), name="bench-naive-orders"),
    path("orders/<str:number>/", OrderDetail.as_view(), name="bench-naive-order"),
    path("plain/orders/", PlainOrderCreate.as_view(), name="bench-plain-orders"),
    path("orders-page/", PlainOrderPage.as_view(), name="bench-plain-order-page"),
    path("stats/", stats, name="bench-stats"),
]
