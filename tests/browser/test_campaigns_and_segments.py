"""Marketing in Chromium: one Campaigns page from the menu, a new segment row that counts."""

import pytest
from playwright.sync_api import expect

from automation.marketing.models import StepKind
from automation.marketing.services.campaigns import step_create
from crm.models import Campaign
from crm.tests.factories import CampaignFactory, ContactFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_marketer_opens_campaigns_from_the_menu_and_finds_both_kinds(
    browser_login, live_server, marketer
):
    Campaign.objects.all().delete()
    welcome = CampaignFactory(name="Welcome series")
    step_create(campaign=welcome, actor=None, kind=StepKind.EMAIL, subject="Hi", body="Hello.")
    CampaignFactory(name="Trade fair 2026", channel="event")
    page = browser_login(marketer)
    page.goto(f"{live_server.url}/")

    menu = page.get_by_role("navigation", name="Main")
    expect(menu.get_by_role("link", name="Campaigns")).to_have_count(1)
    menu.get_by_role("link", name="Campaigns").click()

    page.wait_for_url("**/marketing/campaigns/")
    expect(page.get_by_role("heading", name="Campaigns", exact=True)).to_be_visible()
    rows = page.locator("#campaigns tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="Trade fair 2026")).to_contain_text("Attribution only")
    expect(rows.filter(has_text="Welcome series")).to_contain_text("Email sequence · 1 step")

    page.get_by_role("link", name="Attribution only").click()
    expect(page.locator("#campaigns tbody tr")).to_have_count(1)
    expect(page.locator("#campaigns tbody tr")).to_contain_text("Trade fair 2026")

    # The old address still leads here.
    page.goto(f"{live_server.url}/campaigns/")
    page.wait_for_url("**/marketing/campaigns/")
    expect(page.locator("#campaigns tbody tr")).to_have_count(2)


def test_an_added_condition_row_starts_valid_and_the_count_updates(
    browser_login, live_server, marketer
):
    ContactFactory(first_name="Lena", lifecycle="lead")
    ContactFactory(first_name="Cem", lifecycle="lead", occupation="Pilot")
    ContactFactory(first_name="Ana", lifecycle="customer", occupation="Pilot")
    page = browser_login(marketer)
    page.goto(f"{live_server.url}/marketing/segments/new/")
    page.get_by_label("Name").fill("Pilot leads")
    # Any edit counts the first row ("Lifecycle is lead"): two leads.
    page.get_by_label("Value").first.fill("lead")
    expect(page.locator("[data-count]")).to_have_text("2")

    page.get_by_role("button", name="Add condition").click()

    second = page.locator("[data-condition]").nth(1)
    expect(second.get_by_label("Field")).to_have_value("lifecycle")
    expect(second.get_by_label("Operator")).to_have_value("is")
    expect(second.get_by_label("Value")).to_have_value("lead")
    expect(page.locator("[data-count]")).to_have_text("2")
    expect(page.locator("[data-count-error]")).to_have_count(0)

    # Picking another field keeps the row valid: its operator follows the field.
    second.get_by_label("Field").select_option("occupation")
    expect(second.get_by_label("Operator")).to_have_value("contains")
    second.get_by_label("Value").fill("pilot")
    expect(page.locator("[data-count]")).to_have_text("1")
    expect(page.locator("#audience")).to_contain_text("Cem")
    expect(page.locator("[data-count-error]")).to_have_count(0)
