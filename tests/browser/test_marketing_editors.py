"""Marketing editors in Chromium: the segment's live audience count, campaign steps."""

import pytest
from playwright.sync_api import expect

from automation.marketing.models import Segment
from crm.services.contacts import contact_set_tags
from crm.tests.factories import CampaignFactory, ContactFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_segment_editor_counts_the_audience_live_and_saves(browser_login, live_server, marketer):
    for i in range(3):
        contact_set_tags(contact=ContactFactory(first_name=f"Vip{i}"), actor=None, tags=["vip"])
    ContactFactory(first_name="Plain")

    page = browser_login(marketer)
    page.goto(f"{live_server.url}/marketing/segments/new/")
    page.get_by_label("Name").fill("VIP customers")

    # The first condition row starts as "lifecycle is lead": everybody here is a lead.
    page.get_by_label("Value").first.fill("lead")
    expect(page.locator("[data-count]")).to_have_text("4")

    page.get_by_label("Field").first.select_option("tag")
    page.get_by_label("Operator").first.select_option("has")
    page.get_by_label("Value").first.fill("vip")
    expect(page.locator("[data-count]")).to_have_text("3")

    page.get_by_role("button", name="Add condition").click()
    page.get_by_label("Field").nth(1).select_option("occupation")
    page.get_by_label("Operator").nth(1).select_option("contains")
    page.get_by_label("Value").nth(1).fill("pilot")
    expect(page.locator("[data-count]")).to_have_text("0")

    page.get_by_role("button", name="Remove").nth(1).click()
    expect(page.locator("[data-count]")).to_have_text("3")

    page.get_by_role("button", name="Save segment").click()
    expect(page.get_by_text("Segment saved.")).to_be_visible()
    segment = Segment.objects.get(name="VIP customers")
    assert segment.conditions == [{"field": "tag", "operator": "has", "value": "vip"}]


def test_campaign_editor_adds_steps_in_order(browser_login, live_server, marketer):
    campaign = CampaignFactory(name="Browser nurture")
    page = browser_login(marketer)
    page.goto(f"{live_server.url}/marketing/campaigns/{campaign.pk}/")

    form = page.locator("#step-form")
    form.get_by_label("Step").select_option("email")
    form.get_by_label("Subject").fill("Hello {{ contact.first_name }}")
    form.get_by_label("Body").fill("Welcome aboard.")
    form.get_by_role("button", name="Add step").click()
    expect(page.get_by_text("Step added.")).to_be_visible()

    form = page.locator("#step-form")
    form.get_by_label("Step").select_option("wait")
    form.get_by_label("Wait").fill("2")
    form.get_by_label("Unit").select_option("days")
    form.get_by_role("button", name="Add step").click()

    form = page.locator("#step-form")
    form.get_by_label("Step").select_option("email")
    form.get_by_label("Subject").fill("Bad")
    form.get_by_label("Body").fill("{% load secrets %}")
    form.get_by_role("button", name="Add step").click()
    expect(page.get_by_text("is not allowed in emails")).to_be_visible()

    steps = page.locator("#steps > li")
    expect(steps).to_have_count(2)
    expect(steps.nth(0)).to_contain_text("Send an email")
    expect(steps.nth(1)).to_contain_text("Wait 2 days")
    page.get_by_role("button", name="Move step 2 up").click()
    expect(page.locator("#steps > li").nth(0)).to_contain_text("Wait 2 days")
