from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MetricsConfig(AppConfig):
    name = "metrics"
    verbose_name = _("Metrics")

    def ready(self):
        # Imported here: these modules import models, which need the app registry loaded.
        from crm.currency import currency_converter_register
        from metrics.currency import CONVERTER
        from metrics.navigation import register_metrics_links

        currency_converter_register(CONVERTER)
        register_metrics_links()
