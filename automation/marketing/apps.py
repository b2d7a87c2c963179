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
        # Offer "send a discount code" and "send an NPS survey" to the rule builder.
        from .actions import actions_register

        actions_register()
