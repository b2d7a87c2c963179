from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarketingConfig(AppConfig):
    """Nurture campaigns, segments, lead scoring and tracked email (PRODUCT.md §5).

    A separate app nested in `automation` so its tables and migrations stay its own.
    """

    name = "automation.marketing"
    label = "marketing"
    verbose_name = _("Marketing")

    def ready(self):
        from crm.models import Role
        from crm.navigation import NavItem, nav_register
        from crm.services.events import event_handler_kinds_register

        from .actions import actions_register
        from .services.reactions import REACTIONS
        from .tasks import HANDLER_TASK

        # Offer "send a discount code" and "send an NPS survey" to the rule builder.
        actions_register()
        # Marketing reacts to a few kinds; the others (deal.created…) are not sent to it.
        event_handler_kinds_register(task_name=HANDLER_TASK, kinds=REACTIONS)
        outreach = frozenset({Role.MARKETING, Role.MANAGER, Role.ADMIN})
        nav_register(
            NavItem("marketing:campaigns", _("Campaigns"), "mail", order=1400, roles=outreach),
            NavItem("marketing:segments", _("Segments"), "contact", order=1500, roles=outreach),
        )
