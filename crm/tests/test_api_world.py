"""A small world every API test module shares, and one valid create payload per resource.

The payloads only link rows every role may see (contacts, companies, the pipeline), so
the same body is valid for any role that may write the resource.
"""

from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from crm import policies
from crm.models import Role
from crm.tests.factories import (
    CampaignFactory,
    CompanyFactory,
    ContactFactory,
    pipeline_with_stages,
)

# resource name in crm.policies.ACCESS -> URL of its collection
ENDPOINTS = {
    "users": "/api/users/",
    "teams": "/api/teams/",
    "companies": "/api/companies/",
    "contacts": "/api/contacts/",
    "interactions": "/api/interactions/",
    "leads": "/api/leads/",
    "pipelines": "/api/pipelines/",
    "stages": "/api/stages/",
    "deals": "/api/deals/",
    "activities": "/api/activities/",
    "notes": "/api/notes/",
    "purchases": "/api/purchases/",
    "subscriptions": "/api/subscriptions/",
    "tickets": "/api/tickets/",
    "nps": "/api/nps-responses/",
    "referrals": "/api/referrals/",
    "spend": "/api/spend/",
    "suppressions": "/api/suppressions/",
    "exchange_rates": "/api/exchange-rates/",
    "lost_reasons": "/api/lost-reasons/",
    "saved_views": "/api/saved-views/",
}
ROLES = list(Role.values)


@pytest.fixture
def world(db):
    pipeline, stages = pipeline_with_stages(is_default=True)
    company = CompanyFactory()
    return SimpleNamespace(
        pipeline=pipeline,
        stages=stages,
        company=company,
        contact=ContactFactory(company=company),
        other_contact=ContactFactory(),
        campaign=CampaignFactory(),
    )


def create_payload(resource: str, world, n: int = 0) -> dict:
    """A valid body for POST to the resource; `n` keeps unique fields unique."""
    payloads = {
        "users": {"username": f"newuser{n}", "password": "a-Long-pass-phrase-9", "role": "rep"},
        "teams": {"name": f"Team North {n}"},
        "companies": {"name": f"Acme {n}", "domain": "acme.example"},
        "contacts": {"first_name": "Ada", "last_name": f"Lovelace {n}", "tags": ["vip"]},
        "interactions": {
            "contact": world.contact.pk,
            "kind": "website_visit",
            "url": "https://acme.example/pricing",
        },
        "leads": {"contact": world.contact.pk, "source": "website", "score": 10},
        "pipelines": {"name": f"Renewals {n}"},
        "stages": {"pipeline": world.pipeline.pk, "name": f"Closing {n}", "win_probability": 90},
        "deals": {"title": f"Deal {n}", "value": "600.00", "stage": world.stages[0].pk},
        "activities": {"kind": "call", "subject": f"Call back {n}"},
        "notes": {"contact": world.contact.pk, "body": f"Wants a demo in May {n}."},
        "purchases": {"contact": world.contact.pk, "amount": "99.50", "category": "Software"},
        "subscriptions": {
            "contact": world.contact.pk,
            "plan": "Pro",
            "amount": "49.00",
            "renewal_due": "2099-01-31",
        },
        "tickets": {"subject": f"Cannot log in {n}", "priority": "high"},
        "nps": {"contact": world.contact.pk, "score": 9},
        "referrals": {"referrer": world.contact.pk, "referred": world.other_contact.pk},
        "spend": {"month": "2025-03-17", "category": "marketing", "amount": "1200.00"},
        "suppressions": {"email": f"bounced{n}@example.com", "reason": "bounce"},
        "exchange_rates": {
            "currency": "EUR",
            "rate": "0.92",
            "valid_from": (date(2025, 1, 1) + timedelta(days=n)).isoformat(),
        },
        "lost_reasons": {"name": f"Went quiet {n}"},
        # Activities: the one list every role may open.
        "saved_views": {
            "list_key": "activities",
            "name": f"Open calls {n}",
            "query": {"state": "open", "kind": "call", "sort": "due"},
            "columns": ["due", "assignee"],
        },
    }
    return payloads[resource]


@pytest.mark.parametrize("resource", list(ENDPOINTS))
def test_admin_creates_every_resource_with_its_payload(resource, world, admin_user, api_as):
    response = api_as(admin_user).post(
        ENDPOINTS[resource], create_payload(resource, world), format="json"
    )

    assert response.status_code == 201, response.data
    assert response.data["id"] > 0


def test_every_policy_resource_of_the_core_api_has_an_endpoint():
    not_core = {
        "campaigns",
        "marketing",
        "automation",
        "kpis",
        "forecast",
        "goals",
        "quotas",
        "imports",
    }
    # One seeded row per ticket priority, listed and changed but never created or deleted
    # (crm/tests/test_settings_api.py); "settings" is the browser's Settings area.
    not_core |= {"sla_targets", "settings"}
    # Sent email is history (no PATCH or DELETE) and who may send depends on the record
    # named, not on the role alone: crm/tests/test_permissions_matrix.py has its own rows
    # for /api/emails/. Templates are kept in the browser's Settings.
    not_core |= {"emails", "email_templates"}
    # The audit log is read-only and admin-only: crm/tests/test_audit_log.py covers it.
    not_core |= {"audit"}
    # Pages, not records: a user's own area (home, profile, notifications, two-factor
    # setup) and metrics' report pages (metrics/tests cover who opens which).
    not_core |= {"account", "two_factor", "reports.sales", "reports.pipeline"}
    not_core |= {"reports.support", "reports.marketing"}
    # The history of actions taken on other resources' rows, whose own rights decide
    # the action: crm/tests/test_merge_views.py and test_api_bulk.py cover who sees it.
    not_core |= {"merges", "bulk_actions"}

    assert set(ENDPOINTS) == set(policies.ACCESS) - not_core
