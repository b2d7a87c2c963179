"""Marketing pages: roles, validation errors in the page, bounded queries."""

import pytest

from automation.marketing.models import CampaignStep, ScoringRule, Segment
from crm.models import Campaign
from crm.tests.factories import CampaignFactory, ContactFactory

from .conftest import email_wait_email

pytestmark = pytest.mark.django_db

PAGES = [
    "/marketing/campaigns/",
    "/marketing/segments/",
    "/marketing/segments/new/",
    "/marketing/scoring/",
]


@pytest.mark.parametrize(
    "role_fixture", ["marketer", "admin_user", "manager", "rep", "support_agent"]
)
def test_marketing_and_managers_read_marketing_pages_but_only_marketing_and_admin_write(
    client, request, role_fixture
):
    user = request.getfixturevalue(role_fixture)
    campaign = CampaignFactory()
    client.force_login(user)
    reader = role_fixture in ("marketer", "admin_user", "manager")
    for url in [
        *PAGES,
        f"/marketing/campaigns/{campaign.pk}/",
        f"/marketing/campaigns/{campaign.pk}/report/",
    ]:
        assert client.get(url).status_code == (200 if reader else 403), url
    response = client.post(
        f"/marketing/campaigns/{campaign.pk}/steps/",
        {"kind": "wait", "wait_amount": "1", "wait_unit": "days"},
    )
    writer = role_fixture in ("marketer", "admin_user")
    assert response.status_code == (302 if writer else 403)
    assert CampaignStep.objects.count() == (1 if writer else 0)


def test_anonymous_is_sent_to_login(client):
    response = client.get("/marketing/campaigns/")
    assert response.status_code == 302 and "/login" in response["Location"]


def test_unknown_campaign_is_404(client, marketer):
    client.force_login(marketer)
    assert client.get("/marketing/campaigns/999999/").status_code == 404


def test_step_form_errors_stay_in_the_page(client, marketer):
    campaign = CampaignFactory()
    client.force_login(marketer)
    response = client.post(
        f"/marketing/campaigns/{campaign.pk}/steps/",
        {"kind": "email", "subject": "x", "body": "{% load x %}"},
    )
    assert response.status_code == 422
    assert "is not allowed in emails" in response.content.decode()
    assert (
        client.post(f"/marketing/campaigns/{campaign.pk}/steps/", {"kind": "wait"}).status_code
        == 422
    )


def test_segment_live_count_partial(client, manager):
    ContactFactory(lifecycle="customer")
    ContactFactory(lifecycle="lead")
    client.force_login(manager)  # counting only reads
    data = {
        "match": "all",
        "c-TOTAL_FORMS": "1",
        "c-INITIAL_FORMS": "0",
        "c-0-field": "lifecycle",
        "c-0-operator": "is",
        "c-0-value": "customer",
    }
    response = client.post("/marketing/segments/count/", data)
    assert response.status_code == 200
    assert "data-count>1<" in response.content.decode()
    bad = client.post("/marketing/segments/count/", {**data, "c-0-value": "alien"})
    assert "data-count-error" in bad.content.decode()


def test_segment_editor_saves_and_scoring_rule_added(client, marketer):
    client.force_login(marketer)
    response = client.post(
        "/marketing/segments/new/",
        {
            "name": "Leads",
            "match": "all",
            "c-TOTAL_FORMS": "2",
            "c-INITIAL_FORMS": "0",
            "c-0-field": "lifecycle",
            "c-0-operator": "is",
            "c-0-value": "lead",
            "c-1-field": "tag",
            "c-1-operator": "has",
            "c-1-value": "x",
            "c-1-DELETE": "True",
        },
    )
    assert response.status_code == 302
    assert Segment.objects.get().conditions == [
        {"field": "lifecycle", "operator": "is", "value": "lead"}
    ]
    response = client.post(
        "/marketing/scoring/", {"rule-field": "website_visit", "rule-points": "5", "rule-cap": "20"}
    )
    assert response.status_code == 302
    assert ScoringRule.objects.get().kind == "behaviour"
    bad = client.post(
        "/marketing/scoring/", {"rule-field": "age", "rule-value": "old", "rule-points": "5"}
    )
    assert bad.status_code == 422


def test_list_and_editor_queries_do_not_grow_with_rows(
    client, marketer, django_assert_max_num_queries
):
    for _ in range(6):
        email_wait_email(CampaignFactory())
    client.force_login(marketer)
    with django_assert_max_num_queries(8):
        assert client.get("/marketing/campaigns/").status_code == 200
    campaign = CampaignFactory()
    email_wait_email(campaign)
    with django_assert_max_num_queries(14):
        assert client.get(f"/marketing/campaigns/{campaign.pk}/").status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(f"/marketing/campaigns/{campaign.pk}/report/").status_code == 200


def _campaign_rows(html: str) -> dict[str, str]:
    """Campaign name → its kind cell's data-kind, in page order."""
    import re

    rows = re.findall(
        r'<tr data-campaign="\d+">.*?<bdi>(.*?)</bdi>.*?<td data-kind="(\w+)">', html, re.S
    )
    return dict(rows)


def test_one_campaigns_page_lists_sequences_and_attribution_campaigns(client, marketer):
    # An email sequence, and a trade fair that only collects attribution (leads, spend).
    Campaign.objects.all().delete()  # the migration's Nurture, without steps here
    sequence = CampaignFactory(name="Welcome")
    email_wait_email(sequence)
    CampaignFactory(name="Trade fair 2026", channel="event")
    client.force_login(marketer)

    everything = client.get("/marketing/campaigns/").content.decode()
    sequences = client.get("/marketing/campaigns/?kind=sequence").content.decode()
    attribution = client.get("/marketing/campaigns/?kind=attribution").content.decode()

    assert _campaign_rows(everything) == {
        "Trade fair 2026": "attribution",
        "Welcome": "sequence",
    }
    assert "Email sequence · 3 steps" in everything
    assert _campaign_rows(sequences) == {"Welcome": "sequence"}
    assert _campaign_rows(attribution) == {"Trade fair 2026": "attribution"}
    assert 'id="new-campaign"' in everything


def test_campaigns_menu_entry_is_the_marketing_page(client, marketer):
    client.force_login(marketer)
    html = client.get("/marketing/campaigns/").content.decode()
    assert html.count('href="/marketing/campaigns/" aria-current="page"') == 1
    assert 'href="/campaigns/"' not in html


def _new_row_defaults(html: str) -> dict[str, str]:
    """What a row added with "Add condition" starts with: the template row's choices."""
    import re

    row = re.search(r'<template id="condition-template">(.*?)</template>', html, re.S).group(1)
    picked = dict(
        re.findall(
            r'name="c-__prefix__-(field|operator)".*?<option value="(\w+)"[^>]*selected', row, re.S
        )
    )
    picked["value"] = re.search(r'name="c-__prefix__-value"[^>]*value="(\w*)"', row).group(1)
    return picked


def test_a_new_condition_row_starts_valid_and_counts(client, marketer):
    ContactFactory(lifecycle="lead")
    ContactFactory(lifecycle="customer")
    client.force_login(marketer)
    html = client.get("/marketing/segments/new/").content.decode()

    defaults = _new_row_defaults(html)
    # The editor's first row is "Lifecycle is lead"; "Add condition" adds a second.
    response = client.post(
        "/marketing/segments/count/",
        {
            "c-TOTAL_FORMS": "2",
            "c-INITIAL_FORMS": "0",
            "match": "all",
            "c-0-field": "lifecycle",
            "c-0-operator": "is",
            "c-0-value": "lead",
            **{f"c-1-{key}": value for key, value in defaults.items()},
        },
    )

    assert defaults == {"field": "lifecycle", "operator": "is", "value": "lead"}
    body = response.content.decode()
    assert response.status_code == 200
    assert "data-count-error" not in body
    assert '<span class="mk-count" data-count>1</span>' in body
