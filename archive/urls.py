"""The archive's pages, under /archive/ (documentation 5)."""

from django.urls import path

from . import views

app_name = "archive"
urlpatterns = [
    path("", views.archive_search, name="archive"),
    path("reviews/", views.archive_reviews, name="archive_reviews"),
    path("reviews/<int:pk>/", views.archive_review, name="archive_review"),
    path("<str:number>/dossier.json", views.dossier_json, name="dossier_json"),
    path("<str:number>/dossier.pdf", views.dossier_pdf, name="dossier_pdf"),
]
