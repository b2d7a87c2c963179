"""A few rows of every API resource for the schema fuzzer, and where their ids go.

Rows are owned by the rep so both the rep and the admin see them: a generated request
then reaches real objects (updates, transitions, deletes) instead of only 404s.
"""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from automation.marketing.models import ScoringRule
from automation.marketing.services.campaigns import step_create
from automation.marketing.services.segments import segment_create
from automation.models import Enrollment, Rule
from crm.models import EmailMessage, Interaction, InteractionKind, Referral, Role, SavedView
from crm.tests.factories import (
    ActivityFactory,
    CampaignFactory,
    CompanyFactory,
    ContactFactory,
    DealFactory,
    LeadFactory,
    NoteFactory,
    NpsResponseFactory,
    PurchaseFactory,
    SpendFactory,
    SubscriptionFactory,
    TeamFactory,
    TicketFactory,
    UserFactory,
    pipeline_with_stages,
)
from goals.tests.factories import GoalFactory, QuotaFactory, snapshot
from metrics.models import KpiSnapshot

RULE_DEFINITION = {
    "triggers": ["deal.created"],
    "match": "all",
    "conditions": [{"field": "value", "operator": "gte", "value": 1000}],
    "actions": [
        {
            "type": "create_task",
            "params": {"kind": "call", "title": "Call {contact}", "assignee": "owner"},
        }
    ],
}


def build_world(*, rep, admin, copy: int = 0) -> dict[str, int]:
    """Create one row per resource; returns collection path prefix -> id of its row.

    Called again with `copy=1, 2, …` it adds another such row per resource (the paging
    test wants several), leaving out only what may exist once (the default pipeline).
    """
    now = timezone.now()
    team = TeamFactory(manager=admin)
    pipeline, stages = pipeline_with_stages(is_default=not copy)
    company = CompanyFactory(owner=rep)
    contact = ContactFactory(company=company, owner=rep)
    other = ContactFactory(owner=rep)
    campaign = CampaignFactory()
    deal = DealFactory(
        owner=rep, contact=contact, company=company, pipeline=pipeline, stage=stages[0]
    )
    lead = LeadFactory(contact=contact, owner=rep, campaign=campaign)
    step = step_create(
        campaign=campaign, actor=admin, kind="email", subject="Hello", body="Hello there"
    )
    ids = {
        "users": rep.pk,
        "teams": team.pk,
        "companies": company.pk,
        "contacts": contact.pk,
        "interactions": Interaction.objects.create(
            contact=contact, kind=InteractionKind.WEBSITE_VISIT, occurred_at=now
        ).pk,
        "leads": lead.pk,
        "pipelines": pipeline.pk,
        "stages": stages[1].pk,
        "deals": deal.pk,
        "activities": ActivityFactory(assignee=rep, deal=deal, contact=contact).pk,
        "notes": NoteFactory(author=rep, contact=None, deal=deal).pk,
        "purchases": PurchaseFactory(contact=contact, deal=deal).pk,
        "subscriptions": SubscriptionFactory(contact=contact).pk,
        "tickets": TicketFactory(contact=contact, assignee=rep).pk,
        "nps-responses": NpsResponseFactory(contact=contact).pk,
        "referrals": Referral.objects.create(
            referrer=contact, referred=other, referred_on=now.date()
        ).pk,
        "spend": SpendFactory(campaign=campaign).pk,
        "saved-views": SavedView.objects.create(
            owner=rep, list_key="deals", name=f"Open deals {copy}", query={"status": "open"}
        ).pk,
        "goals": GoalFactory(owner=rep).pk,
        "quotas": QuotaFactory(owner=rep).pk,
        "campaigns": campaign.pk,
        "campaign-plans": campaign.pk,
        "campaign-steps": step.pk,
        "campaign-variants": step.variants.get().pk,
        "segments": segment_create(
            actor=admin,
            name=f"Customers {copy}" if copy else "Customers",
            conditions=[{"field": "lifecycle", "operator": "is", "value": "customer"}],
        ).pk,
        "scoring-rules": ScoringRule.objects.create(
            kind="attribute", field="source", value="referral", points=10 + copy
        ).pk,
        "enrollments": Enrollment.objects.create(campaign=campaign, contact=contact).pk,
        "automation/rules": Rule.objects.create(name="Big deal call", **RULE_DEFINITION).pk,
        "emails": EmailMessage.objects.create(
            direction="sent",
            source="composed",
            contact=contact,
            deal=deal,
            author=rep,
            subject="Offer",
            body="Hello",
            sent_at=now,
        ).pk,
        "kpi-snapshots": KpiSnapshot.objects.create(
            kpi="win_rate",
            scope_type="owner",
            scope_id=rep.pk,
            date=now.date() - timedelta(days=1),
            value=Decimal("0.5"),
        ).pk,
    }
    UserFactory(role=Role.MANAGER, team=team)
    # The goal's KPI has a reading, so its current value and projection are filled in.
    snapshot("churn_rate", now.date() - timedelta(days=1 + copy), "7.5")
    return ids
