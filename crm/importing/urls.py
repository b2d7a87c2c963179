from django.urls import path

from . import views

app_name = "importing"

urlpatterns = [
    path("imports/", views.import_start, name="start"),
    path("imports/template/<slug:kind>.csv", views.import_template, name="template"),
    path("imports/<int:pk>/", views.import_detail, name="detail"),
    path("imports/<int:pk>/mapping/", views.import_mapping, name="mapping"),
    path("imports/<int:pk>/preview/", views.import_preview, name="preview"),
    path("imports/<int:pk>/progress/", views.import_progress, name="progress"),
    path("imports/<int:pk>/resume/", views.import_resume, name="resume"),
    path("imports/<int:pk>/errors.csv", views.import_errors, name="errors"),
    path(
        "imports/<int:pk>/preview-errors.csv",
        views.import_preview_errors,
        name="preview_errors",
    ),
    path("data-quality/", views.quality, name="quality"),
    path("data-quality/duplicates/", views.duplicates, name="duplicates"),
    path(
        "data-quality/merge/<slug:kind>/<int:winner_pk>/<int:loser_pk>/",
        views.merge,
        name="merge",
    ),
    path("data-quality/merges/", views.merge_list, name="merges"),
    path("data-quality/merges/<int:pk>/", views.merge_log, name="merge_log"),
    path("data-quality/merges/<int:pk>/undo/", views.merge_undo, name="merge_undo"),
    path("data-quality/<slug:slug>/", views.quality_list, name="quality_list"),
    path("export/<slug:resource>.<slug:fmt>", views.export, name="export"),
]
