from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AutomationConfig(AppConfig):
    name = "automation"
    verbose_name = _("Automation")

    def ready(self):
        from crm.models import Role
        from crm.navigation import NavItem, nav_register

        nav_register(
            NavItem(
                "automation:rules",
                _("Automation"),
                "bolt",
                order=1300,
                roles=frozenset({Role.MARKETING, Role.MANAGER, Role.ADMIN}),
            )
        )
