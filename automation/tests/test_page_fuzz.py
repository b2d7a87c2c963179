"""Junk in the rule builder, run log and campaign pages is a page or a 4xx, never a 500."""

import pytest
from django.urls import reverse

from automation.models import Rule
from crm.tests.factories import CampaignFactory

from .fuzzing import ROLES, get_with_junk, post_with_junk
from .test_views import _post_for

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture
def rule(db):
    return Rule.objects.get(name="Deal over $500 → call the owner")


@pytest.mark.parametrize("role", ROLES)
def test_junk_query_strings_never_500(client, request, role, rule):
    campaign = CampaignFactory()
    client.force_login(request.getfixturevalue(role))
    for url in (
        reverse("automation:rules"),
        reverse("automation:rule_create"),
        reverse("automation:rule_detail", args=[rule.pk]),
        reverse("automation:rule_edit", args=[rule.pk]),
        reverse("automation:campaigns"),
        reverse("automation:campaign_create"),
        reverse("automation:campaign_edit", args=[campaign.pk]),
        reverse("marketing:campaigns") + "?kind=",
        reverse("marketing:campaign_details", args=[campaign.pk]),
    ):
        get_with_junk(client, url, ["status", "since", "until", "page"], each_alone=False)


def test_junk_rule_builder_posts_never_500(client, marketer, rule):
    client.force_login(marketer)
    body = _post_for(rule)
    body["triggers"] = body["triggers"][0]
    for op in ("save", "add_condition", "remove_action:0", "action_up:99999999999999999999"):
        post_with_junk(client, reverse("automation:rule_edit", args=[rule.pk]), {**body, "op": op})
    post_with_junk(client, reverse("automation:rule_create"), body, HTTP_HX_REQUEST="true")
    post_with_junk(client, reverse("automation:rule_dry_run", args=[rule.pk]), {"days": "30"})


def test_junk_campaign_form_never_500(client, marketer):
    client.force_login(marketer)
    campaign = CampaignFactory()
    body = {
        "name": "Spring",
        "channel": "email",
        "description": "",
        "is_active": "on",
        "starts_on": "2025-06-01",
        "ends_on": "2025-07-01",
    }
    post_with_junk(client, reverse("marketing:campaigns"), body)
    post_with_junk(client, reverse("marketing:campaign_details", args=[campaign.pk]), body)


def test_null_character_in_a_rule_is_a_form_error(client, marketer, rule):
    client.force_login(marketer)
    body = _post_for(rule, name="Call\x00", description="x\x00y")

    response = client.post(reverse("automation:rule_edit", args=[rule.pk]), body)

    assert response.status_code == 400
    assert response.content.decode().count("Null characters are not allowed.") >= 2
    rule.refresh_from_db()
    assert rule.name == "Deal over $500 → call the owner"
