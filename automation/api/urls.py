"""REST endpoints of the automation app, mounted under /api/."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from .views import CampaignViewSet, EnrollmentViewSet, RegistryView, RuleViewSet, RunViewSet

router = DefaultRouter()
router.register("automation/rules", RuleViewSet, basename="automation-rule")
router.register("automation/runs", RunViewSet, basename="automation-run")
router.register("campaigns", CampaignViewSet, basename="campaign")
router.register("enrollments", EnrollmentViewSet, basename="enrollment")

urlpatterns = [
    path("automation/registry/", RegistryView.as_view(), name="automation-registry"),
    *router.urls,
]
