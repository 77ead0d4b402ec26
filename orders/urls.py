from django.urls import path

from . import views

app_name = "orders"
urlpatterns = [
    # "/" is each role's home (orders_site.views.home); the list is here.
    path("orders/", views.order_list, name="list"),
    path("orders/new/", views.order_create, name="create"),
    path("orders/<str:number>/", views.order_detail, name="detail"),
    path("orders/<str:number>/edit/", views.order_edit, name="edit"),
    path("orders/<str:number>/contact/", views.order_contact, name="contact"),
    path("orders/<str:number>/transition/<str:name>/", views.order_transition, name="transition"),
    path("products/search/", views.product_search, name="product_search"),
    path("customers/search/", views.customer_search, name="customer_search"),
    path("orders/new/findings/", views.intake_findings, name="intake_findings"),
]
