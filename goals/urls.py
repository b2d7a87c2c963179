"""Browser pages of the goals app, included at the site root."""

from django.urls import path

from goals import views

app_name = "goals"
urlpatterns = [
    path("goals/", views.goal_list, name="list"),
    path("goals/new/", views.goal_create, name="create"),
    path("goals/quotas/", views.quota_list, name="quotas"),
    path("goals/quotas/<int:pk>/delete/", views.quota_delete, name="quota_delete"),
    path("goals/<int:pk>/", views.goal_detail, name="detail"),
    path("goals/<int:pk>/edit/", views.goal_edit, name="edit"),
    path("goals/<int:pk>/delete/", views.goal_delete, name="delete"),
]
