"""goals' links in crm's menu and My day (GoalsConfig.ready)."""

from django.utils.translation import gettext_lazy as _

from crm.models import Role
from crm.navigation import MENU, SHORTCUTS, NavItem, Shortcut


def register_goals_links() -> None:
    MENU.register(NavItem("goals:list", _("Goals"), "goal", order=1200, resource="goals"))
    SHORTCUTS.register(
        Shortcut(
            "goals:list",
            _("Goals"),
            _("SMART goals and their progress."),
            "goal",
            role=Role.MANAGER,
            order=300,
        )
    )
