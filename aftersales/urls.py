from django.urls import path

from . import views

app_name = "aftersales"

urlpatterns = [
    path("survey/<str:token>/", views.survey, name="survey"),
    path("follow-ups/", views.follow_ups, name="follow_ups"),
    path("follow-ups/<int:pk>/", views.follow_up_record, name="follow_up_record"),
    path("cases/", views.case_list, name="cases"),
    path("cases/new/", views.case_create, name="case_create"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/entries/", views.case_entry, name="case_entry"),
    path("cases/<int:pk>/step/<str:name>/", views.case_step, name="case_step"),
    path("cases/<int:pk>/assign/", views.case_assign, name="case_assign"),
    path("cases/<int:pk>/returns/", views.return_create, name="return_create"),
    path("returns/<int:pk>/receive/", views.return_receive, name="return_receive"),
    path("returns/<int:pk>/inspect/", views.return_inspect, name="return_inspect"),
    path("returns/<int:pk>/cancel/", views.return_cancel, name="return_cancel"),
]
