"""Core CRM endpoints, mounted under /api/ (filled by the API layer)."""

from rest_framework.routers import DefaultRouter

router = DefaultRouter()
urlpatterns = router.urls
