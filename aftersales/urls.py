from django.urls import path

from . import case_views, views

app_name = "aftersales"

urlpatterns = [
    path("survey/<str:token>/", views.survey, name="survey"),
    path("follow-ups/", views.follow_ups, name="follow_ups"),
    path("follow-ups/<int:pk>/", views.follow_up_record, name="follow_up_record"),
    path("cases/", case_views.case_list, name="cases"),
    path("cases/new/", case_views.case_create, name="case_create"),
    path("cases/<int:pk>/", case_views.case_detail, name="case_detail"),
    path("cases/<int:pk>/entries/", case_views.case_entry, name="case_entry"),
    path("cases/<int:pk>/step/<str:name>/", case_views.case_step, name="case_step"),
    path("cases/<int:pk>/assign/", case_views.case_assign, name="case_assign"),
    path("cases/<int:pk>/returns/", case_views.return_create, name="return_create"),
    path("returns/<int:pk>/receive/", case_views.return_receive, name="return_receive"),
    path("returns/<int:pk>/inspect/", case_views.return_inspect, name="return_inspect"),
    path("returns/<int:pk>/cancel/", case_views.return_cancel, name="return_cancel"),
]
