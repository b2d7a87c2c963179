"""Saved views in real Chromium: a manager filters the deal list, hides a column, saves
the view shared with the team; a teammate picks it from the dropdown and sees the same
rows and columns; the manager comes back to /deals/ and finds the list as they left it."""

import re

import pytest
from playwright.sync_api import expect

from crm.models import Role, SavedView
from crm.services.deals import deal_create
from crm.tests.factories import ContactFactory, TeamFactory, UserFactory, pipeline_with_stages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_shared_view_travels_to_a_teammate_and_the_list_remembers(browser_login, live_server):
    team = TeamFactory(name="North")
    lead = UserFactory(
        role=Role.MANAGER, username="lead", first_name="Leyla", last_name="Kaya", team=team
    )
    mate = UserFactory(
        role=Role.MANAGER, username="mate", first_name="Mert", last_name="Aydın", team=team
    )
    stages = pipeline_with_stages(is_default=True)[1]
    proposal = stages[2]
    buyer = ContactFactory(first_name="Ayşe", last_name="Demir")
    for title, stage in [
        ("Kestane renewal", proposal),
        ("Kestane upsell", stages[0]),
        ("Other renewal", proposal),
    ]:
        deal_create(actor=lead, title=title, stage=stage, owner=lead, contact=buyer)

    # The manager narrows the list as a person does: types, then picks a stage.
    page = browser_login(lead)
    page.goto(f"{live_server.url}/deals/")
    page.get_by_role("searchbox", name="Search deals").press_sequentially("kestane", delay=30)
    expect(page).to_have_url(re.compile(r"q=kestane"), timeout=15_000)
    page.get_by_role("search").get_by_label("Stage").select_option(label=str(proposal))
    expect(page).to_have_url(re.compile(rf"stage={proposal.pk}"), timeout=15_000)
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(1, timeout=15_000)
    expect(rows.first).to_contain_text("Kestane renewal")
    expect(page.get_by_role("columnheader", name="Contact")).to_be_visible()

    # Hide the Contact column from the keyboard-operable menu.
    columns = page.get_by_test_id("column-menu")
    columns.get_by_text("Columns", exact=True).click()
    columns.get_by_role("checkbox", name="Contact").uncheck()
    columns.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("columnheader", name="Contact")).to_have_count(0, timeout=15_000)
    expect(page.locator("#results tbody tr")).to_have_count(1)

    # Save it as a named view shared with the team.
    save = page.get_by_test_id("save-view-menu")
    save.locator("summary").click()
    save.get_by_label("Name of the view").fill("Kestane proposals")
    save.get_by_role("checkbox", name="Share with my team").check()
    save.get_by_role("button", name="Save view").click()
    expect(page.get_by_text("View “Kestane proposals” saved.")).to_be_visible(timeout=15_000)
    expect(page.get_by_label("View", exact=True)).to_have_value(
        str(SavedView.objects.get().pk), timeout=15_000
    )
    export = page.get_by_test_id("export-links").get_by_role("link", name="CSV")
    expect(export).to_have_attribute("href", re.compile(rf"q=kestane.*stage={proposal.pk}"))

    # A teammate signs in, opens the deals and picks the view from the dropdown.
    page = browser_login(mate)
    page.goto(f"{live_server.url}/deals/")
    expect(page.locator("#results tbody tr")).to_have_count(3, timeout=15_000)
    expect(page.get_by_role("columnheader", name="Contact")).to_be_visible()
    page.get_by_label("View", exact=True).select_option(label="Kestane proposals — Leyla Kaya")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(rf"q=kestane.*stage={proposal.pk}"), timeout=15_000)
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Kestane renewal")
    expect(page.get_by_role("columnheader", name="Contact")).to_have_count(0)
    expect(page.get_by_role("columnheader", name="Stage")).to_be_visible()
    # Theirs to use, not to change: the manage page offers no edit for it.
    page.goto(f"{live_server.url}/saved-views/")
    expect(page.get_by_role("link", name="Kestane proposals")).to_be_visible()
    expect(page.get_by_role("link", name="Edit")).to_have_count(0)

    # The manager leaves for another page and comes back to a bare /deals/.
    page = browser_login(lead)
    page.goto(f"{live_server.url}/contacts/")
    page.goto(f"{live_server.url}/deals/")
    expect(page).to_have_url(re.compile(rf"q=kestane.*stage={proposal.pk}"), timeout=15_000)
    expect(page.get_by_role("searchbox", name="Search deals")).to_have_value("kestane")
    expect(page.get_by_role("search").get_by_label("Stage")).to_have_value(str(proposal.pk))
    expect(page.locator("#results tbody tr")).to_have_count(1)
    expect(page.get_by_role("columnheader", name="Contact")).to_have_count(0)

    # Reset brings the defaults back.
    page.get_by_role("link", name="Reset").click()
    expect(page.locator("#results tbody tr")).to_have_count(3, timeout=15_000)
    expect(page.get_by_role("columnheader", name="Contact")).to_be_visible()
