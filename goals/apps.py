from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GoalsConfig(AppConfig):
    name = "goals"
    verbose_name = _("SMART goals")

    def ready(self):
        from goals.models import Quota
        from goals.navigation import register_goals_links
        from metrics.kpis.quotas import quota_source_register

        # metrics' quota_attainment KPI reads quotas; metrics may not import goals.
        quota_source_register(Quota)
        register_goals_links()
