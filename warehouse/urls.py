"""The warehouse tablet screens, under /warehouse/ (process 3.1–3.3)."""

from django.urls import path

from . import views

app_name = "warehouse"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("find/", views.find, name="find"),
    path("<str:number>/pick/", views.pick, name="pick"),
    path("<str:number>/start/", views.start, name="start"),
    path("<str:number>/scan/", views.scan, name="scan"),
    path("<str:number>/finish/", views.finish, name="finish"),
    path("<str:number>/lines/<int:line_id>/shortage/", views.shortage, name="shortage"),
    path("<str:number>/qc/", views.qc, name="qc"),
    path("<str:number>/pack/", views.pack, name="pack"),
]
