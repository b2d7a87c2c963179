from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MetricsConfig(AppConfig):
    name = "metrics"
    verbose_name = _("Metrics")

    def ready(self):
        # Imported here: models and URL-bound modules need the app registry loaded.
        from crm.currency import currency_converter_register
        from crm.models import Role
        from crm.navigation import NavItem, nav_register
        from metrics.currency import CONVERTER

        currency_converter_register(CONVERTER)

        nav_register(
            NavItem("metrics:dashboard", _("Dashboard"), "chart", order=900, resource="kpis"),
            NavItem(
                "metrics:reports",
                _("Reports"),
                "report",
                order=1000,
                # Reps open their own row of the sales report; the report pages scope it.
                roles=frozenset({Role.REP, Role.MANAGER, Role.MARKETING, Role.SUPPORT, Role.ADMIN}),
            ),
            NavItem("metrics:forecast", _("Forecast"), "chart", order=1100, resource="forecast"),
            NavItem(
                "metrics:exchange_rates",
                _("Exchange rates"),
                "chart",
                order=1900,
                resource="exchange_rates",
            ),
        )
