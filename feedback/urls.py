from django.urls import path

from . import dashboard, meeting_views, views

app_name = "feedback"

urlpatterns = [
    # /improvement/ itself (the area of the top bar's link, typed or cut
    # short) opens on the suggestions, the area's first tab.
    path("", views.improvement_home, name="home"),
    # The managers' dashboard (issue 7 item 2): figures, stuck orders, targets.
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("dashboard/targets/", dashboard.targets_save, name="targets"),
    # Improvement suggestions, the leaderboard, meetings, actions and stage
    # feedback (process 4.1, 6.1, 6.2).
    path("suggestions/", views.suggestion_list, name="suggestions"),
    path("suggestions/new/", views.suggestion_create, name="suggestion_create"),
    path("suggestions/<int:pk>/", views.suggestion_detail, name="suggestion_detail"),
    path("suggestions/<int:pk>/vote/", views.suggestion_vote, name="suggestion_vote"),
    path("suggestions/<int:pk>/comments/", views.suggestion_comment, name="suggestion_comment"),
    path("suggestions/<int:pk>/decide/", views.suggestion_decide, name="suggestion_decide"),
    path("leaderboard/", views.leaderboard, name="leaderboard"),
    path("meetings/", meeting_views.meeting_list, name="meetings"),
    path("meetings/new/", meeting_views.meeting_create, name="meeting_create"),
    path("meetings/<int:pk>/", meeting_views.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/edit/", meeting_views.meeting_edit, name="meeting_edit"),
    path("meetings/<int:pk>/actions/", meeting_views.action_add, name="action_add"),
    path("actions/", meeting_views.my_actions, name="my_actions"),
    path("actions/<int:pk>/status/", meeting_views.action_status, name="action_status"),
    path("feedback/", views.stage_feedback, name="stage_feedback"),
]
