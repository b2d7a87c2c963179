"""marketing's links in crm's menu and My day (MarketingConfig.ready)."""

from django.utils.translation import gettext_lazy as _

from crm.models import Role
from crm.navigation import MENU, SHORTCUTS, NavItem, Shortcut


def register_marketing_links() -> None:
    outreach = frozenset({Role.MARKETING, Role.MANAGER, Role.ADMIN})
    MENU.register(
        NavItem("marketing:campaigns", _("Campaigns"), "mail", order=1400, roles=outreach),
        NavItem("marketing:segments", _("Segments"), "contact", order=1500, roles=outreach),
    )
    SHORTCUTS.register(
        Shortcut(
            "marketing:campaigns",
            _("Campaigns"),
            _("Nurture series and A/B tests."),
            "mail",
            role=Role.MARKETING,
            order=200,
        )
    )
