"""REST endpoints of marketing, mounted under /api/ by crm/urls.py."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import (
    CampaignPlanViewSet,
    CampaignStepViewSet,
    DiscountCodeViewSet,
    EmailSendViewSet,
    NpsSurveyViewSet,
    ScoreExplanationView,
    ScoringModelView,
    ScoringRuleViewSet,
    SegmentViewSet,
    StepVariantViewSet,
)

router = SimpleRouter()
router.register("campaign-steps", CampaignStepViewSet, basename="campaign-step")
router.register("campaign-variants", StepVariantViewSet, basename="campaign-variant")
router.register("campaign-plans", CampaignPlanViewSet, basename="campaign-plan")
router.register("segments", SegmentViewSet, basename="segment")
router.register("scoring-rules", ScoringRuleViewSet, basename="scoring-rule")
router.register("email-sends", EmailSendViewSet, basename="email-send")
router.register("discount-codes", DiscountCodeViewSet, basename="discount-code")
router.register("nps-surveys", NpsSurveyViewSet, basename="nps-survey")

urlpatterns = [
    path("scoring-model/", ScoringModelView.as_view(), name="scoring-model"),
    path("scores/<int:contact_id>/", ScoreExplanationView.as_view(), name="score-explanation"),
    *router.urls,
]
