"""Rule builder, run log, dry run and campaign pages, per role."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from automation.engine import event_handle
from automation.models import Enrollment, Rule, Run
from crm.models import Activity, Campaign, DomainEvent
from crm.services.deals import deal_create
from crm.tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def _login(client, user):
    client.force_login(user)
    return client


def _call_rule():
    return Rule.objects.get(name="Deal over $500 → call the owner")


def _post_for(rule, **overrides):
    """The builder's POST body for a saved rule (what the browser would send)."""
    data = {
        "name": rule.name,
        "description": rule.description,
        "enabled": "on",
        "triggers": rule.triggers,
        "match": rule.match,
        "condition_count": str(len(rule.conditions)),
        "action_count": str(len(rule.actions)),
        "op": "save",
    }
    for i, c in enumerate(rule.conditions):
        data.update({f"c{i}-field": c["field"], f"c{i}-operator": c["operator"]})
        data[f"c{i}-value"] = c["value"]
    for i, a in enumerate(rule.actions):
        data[f"a{i}-type"] = a["type"]
        for key, value in a["params"].items():
            data[f"a{i}-{key}"] = value
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("marketer", 200),
        ("admin_user", 200),
        ("manager", 200),
        ("rep", 403),
        ("support_agent", 403),
    ],
)
def test_rule_list_access(role, status, request, client, django_assert_max_num_queries):
    _login(client, request.getfixturevalue(role))
    with django_assert_max_num_queries(12):
        response = client.get(reverse("automation:rules"))
    assert response.status_code == status
    if status == 200:
        assert "Deal over $500 → call the owner" in response.content.decode()


def test_manager_reads_but_cannot_edit(manager, client):
    _login(client, manager)
    rule = _call_rule()
    assert client.get(reverse("automation:rule_detail", args=[rule.pk])).status_code == 200
    assert client.get(reverse("automation:rule_edit", args=[rule.pk])).status_code == 403
    assert client.post(reverse("automation:rule_toggle", args=[rule.pk])).status_code == 403
    page = client.get(reverse("automation:rules")).content.decode()
    assert reverse("automation:rule_toggle", args=[rule.pk]) not in page


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("automation:rules"))
    assert response.status_code == 302


def test_marketer_changes_the_threshold(marketer, client):
    _login(client, marketer)
    rule = _call_rule()
    response = client.post(
        reverse("automation:rule_edit", args=[rule.pk]), _post_for(rule, **{"c0-value": "1,000"})
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.conditions == [{"field": "value", "operator": "gt", "value": "1000"}]
    assert rule.actions[0]["params"]["due_in_hours"] == 24


def test_invalid_rule_shows_errors_in_the_page_and_saves_nothing(marketer, client):
    _login(client, marketer)
    rule = _call_rule()
    data = _post_for(rule, **{"c0-value": "lots", "a0-title": "", "name": ""})
    response = client.post(reverse("automation:rule_edit", args=[rule.pk]), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "The rule was not saved" in page
    assert "Enter a number." in page
    assert "This field is required." in page
    rule.refresh_from_db()
    assert rule.conditions[0]["value"] == "500"


def test_create_a_rule_from_scratch(marketer, client):
    _login(client, marketer)
    url = reverse("automation:rule_create")
    assert client.get(url).status_code == 200
    data = {
        "name": "Tag hot leads",
        "enabled": "on",
        "triggers": ["lead.score_changed"],
        "match": "all",
        "condition_count": "2",
        "c0-field": "score",
        "c0-operator": "gte",
        "c0-value": "80",
        "c1-field": "old_score",
        "c1-operator": "lt",
        "c1-value": "80",
        "action_count": "2",
        "a0-type": "add_tag",
        "a0-tag": "hot",
        "a1-type": "",
        "op": "save",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    rule = Rule.objects.get(name="Tag hot leads")
    assert rule.actions == [{"type": "add_tag", "params": {"tag": "hot"}}]
    assert rule.created_by == marketer


def test_trigger_change_swaps_the_field_list(marketer, client):
    """The htmx refresh: picking a lead trigger offers lead fields, not deal fields."""
    _login(client, marketer)
    data = {
        "name": "x",
        "triggers": ["lead.created"],
        "match": "all",
        "condition_count": "1",
        "c0-field": "score",
        "action_count": "0",
        "op": "refresh",
    }
    response = client.post(reverse("automation:rule_create"), data, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert response.status_code == 200
    assert page.lstrip().startswith("<form") or 'id="rule-builder"' in page[:600]
    assert '<option value="score" selected>Lead score</option>' in page
    assert 'value="value"' not in page  # no deal value for lead triggers
    assert '<option value="contains"' not in page  # numbers take no "contains"


def test_add_and_remove_rows_without_saving(marketer, client):
    _login(client, marketer)
    rule = _call_rule()
    url = reverse("automation:rule_edit", args=[rule.pk])
    page = client.post(url, _post_for(rule, op="add_action")).content.decode()
    assert 'name="a1-type"' in page
    page = client.post(url, _post_for(rule, op="remove_condition:0")).content.decode()
    assert 'name="c0-field"' not in page
    rule.refresh_from_db()
    assert len(rule.conditions) == 1


def test_toggle(marketer, client):
    _login(client, marketer)
    rule = _call_rule()
    response = client.post(
        reverse("automation:rule_toggle", args=[rule.pk]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert 'aria-pressed="false"' in response.content.decode()
    rule.refresh_from_db()
    assert rule.enabled is False


def test_run_log_filters(manager, rep, client, pipeline):
    for value in ("600", "100"):
        deal_create(actor=rep, title=value, value=Decimal(value), contact=ContactFactory())
    for event in DomainEvent.objects.all():
        event_handle(event_id=event.pk)
    _login(client, manager)
    url = reverse("automation:rule_detail", args=[_call_rule().pk])
    assert client.get(url).content.decode().count('class="run run--') == 2
    page = client.get(url, {"status": "succeeded"}).content.decode()
    assert page.count('class="run run--succeeded"') == 1
    assert 'class="run run--skipped"' not in page
    assert "created call task for" in page
    page = client.get(url, {"since": "2999-01-01"}).content.decode()
    assert "No runs match." in page


def _run_rows(html: str) -> list[list[str]]:
    """The run log's cells (event, record, outcome) as HTML, row by row."""
    rows = re.findall(r'<tr class="run run--\w+">(.*?)</tr>', html, re.S)
    return [
        [c.strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)[1:3]]
        + [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)[4].strip()]
        for row in rows
    ]


def test_run_log_names_records_and_links_them(manager, marketer, rep, client, pipeline):
    contact = ContactFactory(first_name="Elif", last_name="Yilmaz")
    deal = deal_create(actor=rep, title="Acme renewal", value=Decimal(200), contact=contact)
    for event in DomainEvent.objects.all():
        event_handle(event_id=event.pk)
    nurture = Rule.objects.get(name="Deal $500 or less → Nurture")
    campaign = Campaign.objects.get(name="Nurture")
    url = reverse("automation:rule_detail", args=[nurture.pk])

    as_manager = _login(client, manager).get(url)
    as_marketer = _login(client, marketer).get(url)

    assert _run_rows(as_manager.content.decode()) == [
        [
            "Deal created",
            f'<a href="/deals/{deal.pk}/"><bdi>Acme renewal</bdi></a>',
            f'enrolled <a href="/contacts/{contact.pk}/"><bdi>Elif Yilmaz</bdi></a> in '
            f'<a href="/marketing/campaigns/{campaign.pk}/"><bdi>Nurture</bdi></a>',
        ]
    ]
    # Marketing may not open deals: the deal is named, not linked.
    assert _run_rows(as_marketer.content.decode())[0][1] == "<bdi>Acme renewal</bdi>"


def test_run_log_page_queries_do_not_grow_with_runs(
    manager, rep, client, pipeline, django_assert_max_num_queries
):
    for value in ("100", "200", "300", "400", "150", "250"):
        deal_create(actor=rep, title=value, value=Decimal(value), contact=ContactFactory())
    for event in DomainEvent.objects.all():
        event_handle(event_id=event.pk)
    nurture = Rule.objects.get(name="Deal $500 or less → Nurture")
    _login(client, manager)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("automation:rule_detail", args=[nurture.pk]))
    assert response.content.decode().count('class="run run--succeeded"') == 6


def test_dry_run_page_reports_and_writes_nothing(marketer, rep, client, pipeline):
    for value in ("600", "100", "900"):
        deal_create(actor=rep, title=value, value=Decimal(value), contact=ContactFactory())
    _login(client, marketer)
    response = client.post(
        reverse("automation:rule_dry_run", args=[_call_rule().pk]), {"days": "30"}
    )
    assert response.status_code == 200
    assert (
        "Over the last 30 days this rule would have acted on 2 of 3 events: created 2 call tasks."
        in response.content.decode()
    )
    assert (Activity.objects.count(), Run.objects.count(), Enrollment.objects.count()) == (0, 0, 0)
    bad = client.post(reverse("automation:rule_dry_run", args=[_call_rule().pk]), {"days": "0"})
    assert bad.status_code == 400


@pytest.mark.parametrize(
    ("role", "status"),
    [("rep", 403), ("marketer", 200), ("manager", 200), ("support_agent", 403)],
)
def test_campaign_list_for_marketing_and_managers(
    role, status, request, client, django_assert_max_num_queries
):
    _login(client, request.getfixturevalue(role))
    with django_assert_max_num_queries(12):
        response = client.get(reverse("marketing:campaigns"))
    assert response.status_code == status
    if status == 200:
        assert "Nurture" in response.content.decode()


def test_old_campaign_addresses_lead_to_the_one_campaigns_page(marketer, client):
    campaign = Campaign.objects.get(name="Nurture")
    _login(client, marketer)

    moved = {
        "/campaigns/": "/marketing/campaigns/",
        "/campaigns/?kind=sequence": "/marketing/campaigns/?kind=sequence",
        "/campaigns/new/": "/marketing/campaigns/#new-campaign",
        f"/campaigns/{campaign.pk}/edit/": f"/marketing/campaigns/{campaign.pk}/details/",
    }

    for old, new in moved.items():
        response = client.get(old)
        assert (response.status_code, response["Location"]) == (301, new)


def test_campaign_create_and_edit_details(marketer, rep, client):
    _login(client, rep)
    assert client.post(reverse("marketing:campaigns"), {"name": "Welcome"}).status_code == 403
    _login(client, marketer)
    response = client.post(reverse("marketing:campaigns"), {"name": "Welcome", "is_active": "on"})
    campaign = Campaign.objects.get(name="Welcome")
    assert (response.status_code, response.url) == (302, f"/marketing/campaigns/{campaign.pk}/")
    details = reverse("marketing:campaign_details", args=[campaign.pk])
    response = client.post(
        details, {"name": "Welcome", "starts_on": "2026-05-01", "ends_on": "2026-04-01"}
    )
    assert response.status_code == 422
    response = client.post(details, {"name": "Welcome series", "starts_on": "2026-05-01"})
    assert (response.status_code, response.url) == (302, f"/marketing/campaigns/{campaign.pk}/")
    campaign.refresh_from_db()
    assert (campaign.name, campaign.is_active, str(campaign.starts_on)) == (
        "Welcome series",
        False,
        "2026-05-01",
    )


@pytest.mark.django_db
def test_rule_builder_offers_the_actions_other_apps_register(marketer, client):
    client.force_login(marketer)

    html = client.get(reverse("automation:rule_create")).text

    # Registered by automation.marketing at startup, after this module was imported.
    assert 'value="send_discount_code"' in html
    assert 'value="send_nps_survey"' in html
