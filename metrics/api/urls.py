"""REST endpoints of the metrics app, mounted under /api/."""

from rest_framework.routers import DefaultRouter

from .views import KpiSnapshotViewSet, KpiViewSet

router = DefaultRouter()
router.include_root_view = False
router.register("kpis", KpiViewSet, basename="kpi")
router.register("kpi-snapshots", KpiSnapshotViewSet, basename="kpi-snapshot")
urlpatterns = router.urls
