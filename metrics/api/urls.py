"""REST endpoints of the metrics app, mounted under /api/."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from metrics.forecast.api import ForecastView

from .views import ExchangeRateViewSet, KpiSnapshotViewSet, KpiViewSet

router = DefaultRouter()
router.include_root_view = False
router.register("kpis", KpiViewSet, basename="kpi")
router.register("kpi-snapshots", KpiSnapshotViewSet, basename="kpi-snapshot")
router.register("exchange-rates", ExchangeRateViewSet, basename="exchange-rate")
urlpatterns = [
    path("forecast/", ForecastView.as_view(), name="forecast"),
    *router.urls,
]
