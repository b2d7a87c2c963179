"""A request that answers 4xx has changed nothing (issue 18).

Every writable API resource gets a PATCH that combines one valid change with one invalid
field: the answer is a 400 naming the invalid field, the row reads exactly as before in
the database, and no domain event was written (automation hears of nothing).
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from automation.defaults import call_rule_definition
from automation.marketing.models import CampaignStep, ScoringRule, Segment
from automation.models import Rule
from crm.models import (
    Activity,
    Campaign,
    Company,
    Contact,
    Deal,
    DomainEvent,
    Interaction,
    Lead,
    LostReason,
    Note,
    NpsResponse,
    Pipeline,
    Purchase,
    Referral,
    Role,
    SavedView,
    SlaTarget,
    Spend,
    Stage,
    Subscription,
    SuppressedAddress,
    Team,
    Ticket,
    User,
)
from crm.tests.test_api_world import create_payload, world
from goals.models import Goal, Quota
from metrics.models import ExchangeRate


@dataclass
class Case:
    """PATCH `url` + id with `body`; `field` is the one the 400 must name."""

    url: str
    model: type
    body: object  # a dict, or a function of (world, users) returning one
    field: str
    create: object = None  # POST body (default: the world's create payload) or a callable


def _goal_payload():
    today = timezone.localdate()
    return {
        "title": "Cut churn",
        "plan": "Call every renewal a month ahead.",
        "kpi": "churn_rate",
        "scope": {"type": "company"},
        "baseline": "8",
        "target": "6",
        "resources": "Two account managers.",
        "objective": "retention",
        "start_date": today.isoformat(),
        "deadline": (today + timedelta(days=90)).isoformat(),
    }


def _inactive_rep(w, users):
    return User.objects.create_user(username="gone", role=Role.REP, is_active=False)


CASES = {
    # The issue's probe: a valid value change, and a close dated before the deal began.
    "deals": Case(
        "/api/deals/",
        Deal,
        {"value": "900.00", "status": "won", "closed_at": "2000-01-01T00:00:00Z"},
        "closed_at",
    ),
    # A rule of the service only (the owner must sell): the value edit is undone.
    "deals-owner": Case(
        "/api/deals/",
        Deal,
        lambda w, users: {"value": "900.00", "owner": users["marketer"].pk},
        "owner",
    ),
    "activities": Case(
        "/api/activities/",
        Activity,
        lambda w, users: {
            "subject": "Changed",
            "done_at": "2025-01-01T00:00:00Z",
            "assignee": _inactive_rep(world, users).pk,
        },
        "assignee",
    ),
    "contacts": Case(
        "/api/contacts/", Contact, {"first_name": "Changed", "lifecycle": "x"}, "lifecycle"
    ),
    "companies": Case("/api/companies/", Company, {"name": "Changed", "owner": 99999999}, "owner"),
    "leads": Case("/api/leads/", Lead, {"score": 55, "status": "bogus"}, "status"),
    "tickets": Case("/api/tickets/", Ticket, {"subject": "Changed", "priority": "x"}, "priority"),
    "users": Case("/api/users/", User, {"first_name": "Changed", "role": "emperor"}, "role"),
    "teams": Case("/api/teams/", Team, {"name": "Changed", "manager": 99999999}, "manager"),
    "interactions": Case(
        "/api/interactions/", Interaction, {"url": "https://b.example/", "kind": "x"}, "kind"
    ),
    "pipelines": Case(
        "/api/pipelines/", Pipeline, {"name": "Changed", "is_default": "x"}, "is_default"
    ),
    "stages": Case(
        "/api/stages/", Stage, {"name": "Changed", "win_probability": 101}, "win_probability"
    ),
    "notes": Case("/api/notes/", Note, {"pinned": True, "body": ""}, "body"),
    "purchases": Case(
        "/api/purchases/", Purchase, {"product": "Changed", "amount": "-1"}, "amount"
    ),
    "subscriptions": Case(
        "/api/subscriptions/", Subscription, {"plan": "Changed", "status": "x"}, "status"
    ),
    "nps": Case("/api/nps-responses/", NpsResponse, {"comment": "Changed", "score": 11}, "score"),
    "referrals": Case(
        "/api/referrals/", Referral, {"referred_on": "2025-01-01", "referrer": "x"}, "referrer"
    ),
    "spend": Case("/api/spend/", Spend, {"note": "Changed", "category": "x"}, "category"),
    "suppressions": Case(
        "/api/suppressions/", SuppressedAddress, {"note": "Changed", "reason": "x"}, "reason"
    ),
    "lost_reasons": Case("/api/lost-reasons/", LostReason, {"position": 7, "name": ""}, "name"),
    "sla_targets": Case(
        "/api/sla-targets/",
        SlaTarget,
        {"first_response_hours": 3, "resolution_hours": "x"},
        "resolution_hours",
        # Its own row: the seeded targets are gone once a transactional test has flushed.
        create=lambda w, users: (
            SlaTarget.objects.update_or_create(
                priority="low", defaults={"first_response_hours": 8, "resolution_hours": 72}
            )[0].pk
        ),
    ),
    "saved_views": Case(
        "/api/saved-views/", SavedView, {"name": "Changed", "list_key": "x"}, "list_key"
    ),
    "exchange_rates": Case(
        "/api/exchange-rates/", ExchangeRate, {"rate": "0.95", "currency": "EURO"}, "currency"
    ),
    "goals": Case(
        "/api/goals/",
        Goal,
        {"resources": "More people.", "objective": "x"},
        "objective",
        create=_goal_payload(),
    ),
    "quotas": Case(
        "/api/quotas/",
        Quota,
        {"amount": "5000.00", "period": "fortnight"},
        "period",
        create=lambda w, users: {
            "owner": users["rep"].pk,
            "period": "quarter",
            "start": "2025-01-01",
            "amount": "1000.00",
        },
    ),
    "campaigns": Case(
        "/api/campaigns/",
        Campaign,
        {"description": "Changed", "ends_on": "x"},
        "ends_on",
        create={"name": "Spring"},
    ),
    "automation_rules": Case(
        "/api/automation/rules/",
        Rule,
        {"description": "Changed", "enabled": "maybe"},
        "enabled",
        # Its own rule: the shipped ones are gone once a transactional test has flushed.
        create=lambda w, users: (
            Rule.objects.create(name="Refused-patch probe", **call_rule_definition("500")).pk
        ),
    ),
    "campaign_steps": Case(
        "/api/campaign-steps/",
        CampaignStep,
        {"subject": "Changed", "wait_unit": "eons"},
        "wait_unit",
        create=lambda w, users: {
            "campaign": w.campaign.pk,
            "kind": "email",
            "subject": "Hi",
            "body": "Hello",
        },
    ),
    "segments": Case(
        "/api/segments/",
        Segment,
        {"description": "Changed", "match": "some"},
        "match",
        create={
            "name": "VIPs",
            "match": "all",
            "conditions": [{"field": "tag", "operator": "has", "value": "vip"}],
        },
    ),
    "scoring_rules": Case(
        "/api/scoring-rules/",
        ScoringRule,
        {"points": 5, "kind": "vibes"},
        "kind",
        create={"kind": "behaviour", "field": "website_visit", "points": 3, "cap": 12},
    ),
}


def _row(model, pk) -> dict:
    return model.objects.filter(pk=pk).values().get()


@pytest.mark.parametrize("name", list(CASES))
def test_a_patch_with_one_bad_field_changes_nothing(
    name,
    world,
    admin_user,
    rep,
    marketer,
    api_as,
):
    case = CASES[name]
    users = {"admin": admin_user, "rep": rep, "marketer": marketer}
    client = api_as(admin_user)
    resource = name.split("-")[0]
    create = case.create
    if callable(create):
        create = create(world, users)
    if isinstance(create, int):  # a seeded row
        pk = create
    else:
        body = create if create is not None else create_payload(resource, world)
        response = client.post(case.url, body, format="json")
        assert response.status_code == 201, response.data
        pk = response.data["id"]
    before = _row(case.model, pk)
    events_before = list(DomainEvent.objects.values_list("pk", flat=True))
    body = case.body(world, users) if callable(case.body) else case.body

    response = client.patch(f"{case.url}{pk}/", body, format="json")

    assert response.status_code == 400, response.data
    assert case.field in response.data, response.data
    assert _row(case.model, pk) == before
    assert list(DomainEvent.objects.values_list("pk", flat=True)) == events_before


def test_the_issue_probe_leaves_value_status_and_events_as_they_were(
    rep,
    api_as,
    world,
):
    deal = Deal.objects.get(
        pk=api_as(rep)
        .post("/api/deals/", {"title": "Probe", "value": "100.00"}, format="json")
        .data["id"]
    )
    events_before = DomainEvent.objects.filter(subject_type="deal", subject_id=deal.pk).count()

    response = api_as(rep).patch(
        f"/api/deals/{deal.pk}/",
        {"value": "900.00", "status": "won", "closed_at": "2000-01-01T00:00:00Z"},
        format="json",
    )

    assert response.status_code == 400
    assert response.data == {"closed_at": ["A deal cannot close before it was created."]}
    deal.refresh_from_db()
    assert (deal.value, deal.status, deal.closed_at) == (Decimal("100.00"), "open", None)
    assert not Purchase.objects.filter(deal=deal).exists()
    assert DomainEvent.objects.filter(subject_type="deal", subject_id=deal.pk).count() == (
        events_before
    )
    assert not DomainEvent.objects.filter(kind="deal.value_changed").exists()
