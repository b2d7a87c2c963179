"""Campaign writes. Campaign rows live in crm (attribution data); running them is ours."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from automation.models import Rule
from crm.models import Campaign, User
from crm.services.audit import audit_deleted
from crm.services.common import apply_fields, model_save

CAMPAIGN_FIELDS = {"name", "channel", "description", "is_active", "starts_on", "ends_on", "owner"}


@transaction.atomic
def campaign_create(*, actor: User, name: str, **fields: Any) -> Campaign:
    fields.setdefault("owner", actor if actor and actor.pk else None)
    return model_save(Campaign(name=name, **fields))


@transaction.atomic
def campaign_update(*, campaign: Campaign, actor: User, data: dict[str, Any]) -> Campaign:
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    apply_fields(campaign, data, CAMPAIGN_FIELDS)
    return model_save(campaign)


def rules_using_campaign(campaign: Campaign) -> list[Rule]:
    return [
        rule
        for rule in Rule.objects.all()
        if any(a.get("params", {}).get("campaign") == campaign.pk for a in rule.actions or [])
    ]


@transaction.atomic
def campaign_delete(*, campaign: Campaign, actor: User) -> None:
    """Delete a campaign nobody depends on; otherwise it should be deactivated instead."""
    audit_deleted(actor=actor, record=campaign)
    if campaign.enrollments.exists() or rules_using_campaign(campaign):
        raise ValidationError(
            {
                "non_field_errors": [
                    _(
                        "Contacts are enrolled in this campaign or rules use it; deactivate it instead."
                    )
                ]
            }
        )
    campaign.delete()
