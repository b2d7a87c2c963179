"""Browser pages of the automation app."""

from django.urls import path

from . import views

app_name = "automation"
urlpatterns = [
    path("automation/rules/", views.rule_list, name="rules"),
    path("automation/rules/new/", views.rule_edit, name="rule_create"),
    path("automation/rules/<int:pk>/", views.rule_detail, name="rule_detail"),
    path("automation/rules/<int:pk>/edit/", views.rule_edit, name="rule_edit"),
    path("automation/rules/<int:pk>/toggle/", views.rule_toggle, name="rule_toggle"),
    path("automation/rules/<int:pk>/delete/", views.rule_delete_view, name="rule_delete"),
    path("automation/rules/<int:pk>/dry-run/", views.rule_dry_run_view, name="rule_dry_run"),
    # The one Campaigns page is the marketing app's; these old addresses lead there.
    path("campaigns/", views.campaigns_moved, name="campaigns"),
    path("campaigns/new/", views.campaigns_moved, {"new": True}, name="campaign_create"),
    path("campaigns/<int:pk>/edit/", views.campaigns_moved, name="campaign_edit"),
]
