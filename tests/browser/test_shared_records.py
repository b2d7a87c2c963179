"""Ownership of shared records in real Chromium (README, "Who may do what"): a rep who finds
two duplicate contacts, one of which carries another rep's deal, is told why they may not
merge or delete it; their manager merges the same pair, and the deal follows the contact."""

import re

import pytest
from playwright.sync_api import expect

from crm.models import Contact, Deal
from crm.tests.factories import ContactFactory, DealFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_rep_is_refused_a_shared_merge_and_delete_that_the_manager_may_do(
    browser_login, live_server, rep, other_rep, manager
):
    kept = ContactFactory(owner=rep, first_name="Ayşe", last_name="Demir", email="ayse@kestane.tr")
    shared = ContactFactory(owner=rep, first_name="ayşe", last_name="DEMİR", email="")
    DealFactory(owner=other_rep, contact=shared, title="Kestane renewal")

    # The rep finds the pair on the duplicates page and tries to merge it.
    page = browser_login(rep)
    page.goto(f"{live_server.url}/data-quality/duplicates/?kind=contact&rule=name")
    page.get_by_role("link", name="Merge into Ayşe Demir").click()
    expect(page.get_by_text(re.compile(r"1 deal.*ask a manager"))).to_be_visible(timeout=15_000)
    assert Contact.objects.filter(pk__in=[kept.pk, shared.pk]).count() == 2

    # Deleting it from its own page is refused up front, with the reason and no button.
    page.goto(f"{live_server.url}/contacts/{shared.pk}/")
    page.get_by_role("link", name="Delete").click()
    refusal = page.get_by_role("alert")
    expect(refusal).to_contain_text("carries other people's records (1 deal)", timeout=15_000)
    expect(refusal).to_contain_text("ask a manager")
    expect(page.get_by_role("button", name="Delete")).to_have_count(0)
    assert Contact.objects.filter(pk=shared.pk).exists()

    # The manager merges the same pair; the other rep's deal moves to the kept contact.
    page = browser_login(manager)
    page.goto(f"{live_server.url}/data-quality/duplicates/?kind=contact&rule=name")
    page.get_by_role("link", name="Merge into Ayşe Demir").click()
    expect(page.get_by_role("heading", name="Merge “ayşe DEMİR” into “Ayşe Demir”")).to_be_visible(
        timeout=15_000
    )
    page.get_by_role("button", name="Merge", exact=True).click()
    expect(page.get_by_text("Merged “ayşe DEMİR” into “Ayşe Demir”.")).to_be_visible(timeout=15_000)
    assert not Contact.objects.filter(pk=shared.pk).exists()
    assert Deal.objects.get(title="Kestane renewal").contact_id == kept.pk
