from django.urls import path

from . import views

app_name = "aftersales"

urlpatterns = [
    path("survey/<str:token>/", views.survey, name="survey"),
    path("follow-ups/", views.follow_ups, name="follow_ups"),
    path("follow-ups/<int:pk>/", views.follow_up_record, name="follow_up_record"),
]
