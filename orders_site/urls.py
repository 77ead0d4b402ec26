from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("favicon.ico", views.favicon, name="favicon"),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", include("orders_site.api_urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", views.home, name="root"),
    path("home/", views.home, name="home"),
    path("logistics/", include("shipping.urls")),
    path("warehouse/", include("warehouse.urls")),
    path("after-sales/", include("aftersales.urls")),
    path("improvement/", include("feedback.urls")),
    path("archive/", include("archive.urls")),
    path("", include("orders.urls")),
]

handler400 = "orders_site.views.handler400"
handler403 = "orders_site.views.handler403"
handler404 = "orders_site.views.handler404"
handler500 = "orders_site.views.handler500"
