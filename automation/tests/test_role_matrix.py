"""Every POST action of the rule and campaign pages by every role."""

import pytest
from django.urls import reverse

from automation.models import Rule
from crm.models import Campaign
from crm.tests.factories import CampaignFactory

from .test_views import _post_for

pytestmark = pytest.mark.django_db

ROLES = ["rep", "manager", "marketer", "support_agent", "admin_user"]
WRITERS = {"marketer", "admin_user"}


@pytest.fixture
def rule(db):
    return Rule.objects.get(name="Deal over $500 → call the owner")


@pytest.mark.parametrize("role", ROLES)
def test_rule_actions(client, request, role, rule):
    client.force_login(request.getfixturevalue(role))
    write = 302 if role in WRITERS else 403
    edit = reverse("automation:rule_edit", args=[rule.pk])
    assert client.post(edit, _post_for(rule, name="Renamed")).status_code == write
    assert (
        client.post(reverse("automation:rule_create"), _post_for(rule, name="New")).status_code
        == write
    )
    assert client.post(reverse("automation:rule_toggle", args=[rule.pk])).status_code == write
    # A dry run writes nothing: whoever reads rules (managers too) may try one.
    dry = client.post(reverse("automation:rule_dry_run", args=[rule.pk]), {"days": "7"})
    assert dry.status_code == (200 if role in WRITERS | {"manager"} else 403)
    assert client.post(reverse("automation:rule_delete", args=[rule.pk])).status_code == write
    assert Rule.objects.filter(pk=rule.pk).exists() == (role not in WRITERS)
    assert Rule.objects.filter(name="New").exists() == (role in WRITERS)


@pytest.mark.parametrize("role", ROLES)
def test_campaign_actions(client, request, role):
    campaign = CampaignFactory(name="Spring")
    client.force_login(request.getfixturevalue(role))
    write = 302 if role in WRITERS else 403
    body = {"name": "Autumn", "channel": "email", "description": "", "is_active": "on"}
    assert client.post(reverse("marketing:campaigns"), body).status_code == write
    edit = reverse("marketing:campaign_details", args=[campaign.pk])
    assert client.post(edit, {**body, "name": "Summer"}).status_code == write
    # Marketing's pages: marketing, managers and admins read them (crm/policies.py).
    reads = role in WRITERS | {"manager"}
    assert client.get(edit).status_code == (200 if reads else 403)
    assert Campaign.objects.filter(name="Autumn").exists() == (role in WRITERS)
    assert Campaign.objects.filter(name="Summer").exists() == (role in WRITERS)
