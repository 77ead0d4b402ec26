from django.urls import path

from . import views

app_name = "shipping"
urlpatterns = [
    path("", views.packed, name="packed"),
    path("in-transit/", views.in_transit, name="in_transit"),
    path("manifest/", views.manifest_view, name="manifest"),
    path("orders/<str:number>/ship/", views.ship, name="ship"),
    path("orders/<str:number>/deliver/", views.deliver, name="deliver"),
    path("documents/<int:pk>/", views.document, name="document"),
]
