"""Browser pages of the metrics app, included at the site root."""

from django.urls import path

from metrics import rate_views, views
from metrics.forecast import views as forecast_views

app_name = "metrics"
urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("kpis/<slug:key>/records/", views.kpi_records, name="kpi_records"),
    path("forecast/", forecast_views.forecast_page, name="forecast"),
    path("reports/", views.report_index, name="reports"),
    path("reports/sales/", views.report_sales, name="report_sales"),
    path("reports/pipeline/", views.report_pipeline, name="report_pipeline"),
    path("reports/support/", views.report_support, name="report_support"),
    path("reports/marketing/", views.report_marketing, name="report_marketing"),
    path("exchange-rates/", rate_views.exchange_rate_list, name="exchange_rates"),
    path("exchange-rates/new/", rate_views.exchange_rate_add, name="exchange_rate_add"),
    path("exchange-rates/import/", rate_views.exchange_rate_import, name="exchange_rate_import"),
    path("exchange-rates/<int:pk>/edit/", rate_views.exchange_rate_edit, name="exchange_rate_edit"),
    path(
        "exchange-rates/<int:pk>/delete/",
        rate_views.exchange_rate_delete_view,
        name="exchange_rate_delete",
    ),
]
