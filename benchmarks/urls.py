"""The product's URLs plus the naive baseline under ``/bench-naive/``.

Only ``benchmarks.settings`` points ROOT_URLCONF here.
"""

from django.urls import include, path

from orders_site.urls import handler404, handler500
from orders_site.urls import urlpatterns as product_urlpatterns

urlpatterns = [
    path("bench-naive/", include("benchmarks.naive.urls")),
    *product_urlpatterns,
]

__all__ = ["urlpatterns", "handler404", "handler500"]
