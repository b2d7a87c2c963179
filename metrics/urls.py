"""Browser pages of the metrics app, included at the site root."""

from django.urls import path

from metrics import views

app_name = "metrics"
urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("reports/", views.report_index, name="reports"),
    path("reports/sales/", views.report_sales, name="report_sales"),
    path("reports/pipeline/", views.report_pipeline, name="report_pipeline"),
    path("reports/support/", views.report_support, name="report_support"),
    path("reports/marketing/", views.report_marketing, name="report_marketing"),
]
