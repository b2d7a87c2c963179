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
        from crm.services.events import event_handler_kinds_register

        from .actions import actions_register
        from .navigation import register_marketing_links
        from .services.reactions import REACTIONS
        from .tasks import HANDLER_TASK

        # Offer "send a discount code" and "send an NPS survey" to the rule builder.
        actions_register()
        # Marketing reacts to a few kinds; the others (deal.created…) are not sent to it.
        event_handler_kinds_register(task_name=HANDLER_TASK, kinds=REACTIONS)
        register_marketing_links()
