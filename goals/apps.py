from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GoalsConfig(AppConfig):
    name = "goals"
    verbose_name = _("SMART goals")

    def ready(self):
        from crm.navigation import NavItem, nav_register
        from goals.models import Quota
        from metrics.kpis.quotas import quota_source_register

        # metrics' quota_attainment KPI reads quotas; metrics may not import goals.
        quota_source_register(Quota)
        nav_register(NavItem("goals:list", _("Goals"), "goal", order=1200, resource="goals"))
