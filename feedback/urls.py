from django.urls import path

from . import dashboard

app_name = "feedback"

urlpatterns = [
    # The managers' dashboard (issue 7 item 2): figures, stuck orders, targets.
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("dashboard/targets/", dashboard.targets_save, name="targets"),
]
