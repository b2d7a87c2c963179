"""marketing's links in crm's menu and My day, and its buttons on crm's contact and lead
pages (MarketingConfig.ready)."""

from django.utils.translation import gettext_lazy as _

from crm.models import Role
from crm.navigation import MENU, RECORD_ACTIONS, SHORTCUTS, NavItem, RecordAction, Shortcut


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
    RECORD_ACTIONS.register(
        # On a contact's page and a ticket's (its customer): the survey needs an address
        # that may be mailed; the send asks the consent gate again.
        RecordAction(
            "contact",
            "marketing:nps_send",
            _("Send NPS survey"),
            "chart",
            order=100,
            resource="nps",
            method="post",
            shown=lambda contact: bool(contact.email) and not contact.opted_out,
        ),
        RecordAction(
            "lead",
            "marketing:score_explanation",
            _("Why this score?"),
            "chart",
            order=100,
            resource="leads",
            write=False,
            arg="contact_id",
        ),
    )
