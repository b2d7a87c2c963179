"""Marketing pages (namespace "marketing") and the public email endpoints ("marketing_public").

Included once at the site root by crm/urls.py.
"""

from django.urls import include, path

from .views import campaigns, public, scoring, segments, surveys

pages = [
    path("campaigns/", campaigns.campaign_list, name="campaigns"),
    path("campaigns/<int:pk>/", campaigns.campaign_editor, name="campaign"),
    path("campaigns/<int:pk>/details/", campaigns.campaign_details, name="campaign_details"),
    path("campaigns/<int:pk>/report/", campaigns.campaign_report, name="campaign_report"),
    path("campaigns/<int:pk>/steps/", campaigns.step_add, name="step_add"),
    path(
        "campaigns/<int:pk>/steps/<int:step_id>/wait/", campaigns.step_wait_edit, name="step_wait"
    ),
    path("campaigns/<int:pk>/steps/<int:step_id>/move/", campaigns.step_reorder, name="step_move"),
    path(
        "campaigns/<int:pk>/steps/<int:step_id>/delete/", campaigns.step_remove, name="step_delete"
    ),
    path(
        "campaigns/<int:pk>/steps/<int:step_id>/variants/",
        campaigns.variant_add,
        name="variant_add",
    ),
    path(
        "campaigns/<int:pk>/variants/<int:variant_id>/", campaigns.variant_edit, name="variant_edit"
    ),
    path(
        "campaigns/<int:pk>/variants/<int:variant_id>/delete/",
        campaigns.variant_remove,
        name="variant_delete",
    ),
    path(
        "campaigns/<int:pk>/variants/<int:variant_id>/languages/",
        campaigns.language_add,
        name="language_add",
    ),
    path(
        "campaigns/<int:pk>/languages/<int:version_id>/",
        campaigns.language_edit,
        name="language_edit",
    ),
    path(
        "campaigns/<int:pk>/languages/<int:version_id>/delete/",
        campaigns.language_remove,
        name="language_delete",
    ),
    path("campaigns/<int:pk>/plan/", campaigns.plan_edit, name="plan"),
    path("campaigns/<int:pk>/enroll/", campaigns.enroll_segment, name="enroll_segment"),
    path(
        "campaigns/<int:pk>/enrollments/<int:enrollment_id>/exit/",
        campaigns.enrollment_remove,
        name="enrollment_exit",
    ),
    path("segments/", segments.segment_list, name="segments"),
    path("segments/new/", segments.segment_edit, name="segment_new"),
    path("segments/count/", segments.segment_count, name="segment_count"),
    path("segments/<int:pk>/", segments.segment_edit, name="segment"),
    path("segments/<int:pk>/delete/", segments.segment_remove, name="segment_delete"),
    path("scoring/", scoring.scoring_editor, name="scoring"),
    path(
        "scoring/contacts/<int:contact_id>/",
        scoring.score_explanation,
        name="score_explanation",
    ),
    path("nps/send/<int:contact_id>/", surveys.nps_survey_send_view, name="nps_send"),
    path("scoring/rules/<int:pk>/delete/", scoring.scoring_rule_remove, name="scoring_rule_delete"),
]

public_patterns = [
    path("o/<str:token>/", public.email_open, name="open"),
    path("c/<str:token>/<int:index>/", public.email_click, name="click"),
    path("unsubscribe/<str:token>/", public.unsubscribe, name="unsubscribe"),
    path("nps/<str:token>/", public.nps_survey, name="nps"),
]

urlpatterns = [
    path("marketing/", include((pages, "marketing"))),
    path("m/", include((public_patterns, "marketing_public"))),
]
