"""The seeded deal-value split: over the threshold → call task, otherwise → Nurture.

The data migration writes the same rows with historical models; this module is for
code (tests, demo data) that needs them after a database flush.
"""

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

# Stored in English by the migration; pages show them through the catalogs (the `shipped`
# template filter), and the demo (automation/demo.py) renames them into its language.

NURTURE = gettext_noop("Nurture")
THRESHOLD = "500"
CALL_RULE = gettext_noop("Deal over $500 → call the owner")
NURTURE_RULE = gettext_noop("Deal $500 or less → Nurture")
CALL_TITLE = gettext_noop("Call about {deal} ({value})")
DEAL_TRIGGERS = ["deal.created", "deal.value_changed"]


def call_rule_definition(threshold: str = THRESHOLD) -> dict:
    return {
        "description": str(_("The owner calls every deal above the threshold within a day.")),
        "triggers": DEAL_TRIGGERS,
        "match": "all",
        "conditions": [{"field": "value", "operator": "gt", "value": threshold}],
        "actions": [
            {
                "type": "create_task",
                "params": {
                    "kind": "call",
                    "title": CALL_TITLE,
                    "assignee": "owner",
                    "due_in_hours": 24,
                },
            }
        ],
    }


def nurture_rule_definition(campaign_id: int, threshold: str = THRESHOLD) -> dict:
    return {
        "description": str(_("Smaller deals get the nurture campaign instead of a call.")),
        "triggers": DEAL_TRIGGERS,
        "match": "all",
        "conditions": [{"field": "value", "operator": "lte", "value": threshold}],
        "actions": [{"type": "enroll_in_campaign", "params": {"campaign": campaign_id}}],
    }


@transaction.atomic
def default_rules_seed() -> None:
    """Create the Nurture campaign and the two default rules if they are missing."""
    from crm.models import Campaign

    from .models import Rule

    campaign, _created = Campaign.objects.get_or_create(
        name=NURTURE,
        defaults={"channel": "email", "description": gettext_noop("Nurture small deals.")},
    )
    Rule.objects.get_or_create(name=CALL_RULE, defaults=call_rule_definition())
    Rule.objects.get_or_create(name=NURTURE_RULE, defaults=nurture_rule_definition(campaign.pk))
