"""API routes of the importer, mounted under /api/."""

from django.urls import path

from . import api

urlpatterns = [
    path("export/<slug:resource>/", api.ExportView.as_view(), name="export-list"),
    path("imports/", api.ImportJobListView.as_view(), name="import-job-list"),
    path("imports/<int:pk>/", api.ImportJobDetailView.as_view(), name="import-job-detail"),
]
