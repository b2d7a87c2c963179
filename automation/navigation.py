"""automation's links in crm's menu and My day (AutomationConfig.ready)."""

from django.utils.translation import gettext_lazy as _

from crm.models import Role
from crm.navigation import MENU, SHORTCUTS, NavItem, Shortcut


def register_automation_links() -> None:
    MENU.register(
        NavItem(
            "automation:rules",
            _("Automation"),
            "bolt",
            order=1300,
            roles=frozenset({Role.MARKETING, Role.MANAGER, Role.ADMIN}),
        )
    )
    SHORTCUTS.register(
        Shortcut(
            "automation:rules",
            _("Automation rules"),
            _("What happens when deals and leads change."),
            "bolt",
            role=Role.MARKETING,
            order=300,
        )
    )
