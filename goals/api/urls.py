"""REST endpoints of the goals app, mounted under /api/."""

from rest_framework.routers import DefaultRouter

from goals.api.views import GoalViewSet, QuotaViewSet

router = DefaultRouter()
router.register("goals", GoalViewSet, basename="goal")
router.register("quotas", QuotaViewSet, basename="quota")
urlpatterns = router.urls
